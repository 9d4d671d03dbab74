/**
 * Scenario files: a kernel and a list of calls run in order on one machine.
 *
 *   {"kernel": "2.4.20", "steps": [
 *     {"call": "create_module", "name": "dummy", "size": 10000, "uid": 0},
 *     {"call": "create_module", "name": {"ptr": "0xffffffff"}, "size": 10000},
 *     {"call": "delete_module", "name": null}]}
 *
 * A step may say what it is for: "note" (free text) and "manPage", the
 * man page's claim the step puts to the kernel: {"errno": "EEXIST" (or null
 * for success), "says": "the man page's sentence"}. The tour uses both.
 *
 * Every problem is reported as an InputError naming the step and the field.
 */
import { isKernelId, KERNEL_IDS, type KernelId } from '../../kernel-images/manifest.ts';
import {
  CALL_NAMES,
  DEFAULT_QUERY_BUFSIZE,
  InputError,
  isCallName,
  isModuleName,
  MODULE_FILES,
  parseImage,
  parseName,
  parseSize,
  parseU32,
  parseUid,
  parseWhich,
  quote,
  type Call,
} from './model.ts';
import { isErrnoName } from './errno.ts';

/** What the man page says a step should get: an errno, or (errno null) success. */
export interface ManPageClaim {
  errno: string | null;
  says: string;
}

export interface StepAnnotation {
  note: string | null;
  manPage: ManPageClaim | null;
}

export interface Scenario {
  kernel: KernelId | null;
  description: string | null;
  steps: Call[];
  /** annotations[i] describes steps[i]. */
  annotations: StepAnnotation[];
}

const TOP_KEYS = ['kernel', 'steps', 'description'];
const STEP_KEYS: Record<string, readonly string[]> = {
  create_module: ['call', 'name', 'size', 'uid', 'note', 'manPage'],
  delete_module: ['call', 'name', 'uid', 'note', 'manPage'],
  init_module: ['call', 'name', 'image', 'uid', 'note', 'manPage'],
  query_module: ['call', 'name', 'which', 'bufsize', 'uid', 'note', 'manPage'],
  get_kernel_syms: ['call', 'table', 'uid', 'note', 'manPage'],
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseKernelId(input: unknown, what = 'kernel'): KernelId {
  if (typeof input === 'string' && isKernelId(input)) return input;
  throw new InputError(`${what} ${quote(input)} is not a kernel modlab knows; choose one of ${KERNEL_IDS.join(', ')}`);
}

function parseAnnotation(raw: Record<string, unknown>, at: string): StepAnnotation {
  const note = raw['note'];
  if (note !== undefined && typeof note !== 'string') throw new InputError(`${at}: "note" must be text`);
  const claim = raw['manPage'];
  let manPage: ManPageClaim | null = null;
  if (claim !== undefined) {
    const shape = '{"errno": "EEXIST" or null, "says": "…"}';
    if (!isObject(claim)) throw new InputError(`${at}: "manPage" must be ${shape}`);
    const { errno, says } = claim;
    if (errno !== null && !(typeof errno === 'string' && isErrnoName(errno))) {
      throw new InputError(`${at}: "manPage"."errno" must be an errno name such as "EEXIST", or null for success; got ${quote(errno)}`);
    }
    if (typeof says !== 'string' || says.length === 0) throw new InputError(`${at}: "manPage"."says" must be the man page's text`);
    for (const key of Object.keys(claim)) {
      if (key !== 'errno' && key !== 'says') throw new InputError(`${at}: unknown field "manPage"."${key}"; the shape is ${shape}`);
    }
    manPage = { errno, says };
  }
  return { note: note ?? null, manPage };
}

function parseStep(raw: unknown, index: number): Call {
  const at = `step ${index}`;
  if (!isObject(raw)) throw new InputError(`${at} must be an object like {"call": "create_module", "name": "x", "size": 4096}`);
  const callName = raw['call'];
  if (typeof callName !== 'string' || !isCallName(callName)) {
    throw new InputError(`${at}: "call" must be one of ${CALL_NAMES.join(', ')}, got ${quote(callName)}`);
  }
  const allowed = STEP_KEYS[callName] ?? [];
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) throw new InputError(`${at}: unknown field "${key}" for ${callName}; allowed: ${allowed.join(', ')}`);
  }
  const uid = 'uid' in raw ? parseUid(raw['uid'], `${at}: "uid"`) : 0;
  if (callName === 'get_kernel_syms') {
    const table = raw['table'] === undefined || raw['table'] === null ? null : parseU32(raw['table'], `${at}: "table"`);
    return { call: 'get_kernel_syms', table, uid };
  }
  if (!('name' in raw)) throw new InputError(`${at}: "name" is missing (a string, null, or {"ptr": "0x…"})`);
  const name = parseName(raw['name'], `${at}: "name"`);
  if (callName === 'init_module') {
    if (!('image' in raw)) throw new InputError(`${at}: "image" is missing (null, {"ptr": "0x…"} or {"hex": "…"})`);
    return { call: 'init_module', name, image: parseImage(raw['image'], `${at}: "image"`), uid };
  }
  if (callName === 'query_module') {
    const bufsize = 'bufsize' in raw ? parseU32(raw['bufsize'], `${at}: "bufsize"`) : DEFAULT_QUERY_BUFSIZE;
    return { call: 'query_module', name, which: parseWhich(raw['which'], `${at}: "which"`), bufsize, uid };
  }
  if (callName === 'create_module') {
    if (!('size' in raw)) throw new InputError(`${at}: "size" is missing (0 … 4294967295, decimal or "0x…")`);
    const size = raw['size'];
    if (typeof size === 'object' && size !== null && !Array.isArray(size) && 'module' in size) {
      const module = (size).module;
      if (!isModuleName(module)) throw new InputError(`${at}: "size"."module" must be one of ${Object.keys(MODULE_FILES).join(', ')}, got ${quote(module)}`);
      return { call: 'create_module', name, size: 0, uid, sizeOf: module };
    }
    return { call: 'create_module', name, size: parseSize(size, `${at}: "size"`), uid };
  }
  return { call: 'delete_module', name, uid };
}

export function parseScenario(text: string, source = 'scenario'): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${source} is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(raw)) throw new InputError(`${source} must be a JSON object with "steps" (and optionally "kernel")`);
  for (const key of Object.keys(raw)) {
    if (!TOP_KEYS.includes(key)) throw new InputError(`${source}: unknown field "${key}"; allowed: ${TOP_KEYS.join(', ')}`);
  }
  const kernel = raw['kernel'] === undefined ? null : parseKernelId(raw['kernel'], `${source}: "kernel"`);
  const description = raw['description'];
  if (description !== undefined && typeof description !== 'string') throw new InputError(`${source}: "description" must be text`);
  const steps = raw['steps'];
  if (!Array.isArray(steps) || steps.length === 0) throw new InputError(`${source}: "steps" must be a non-empty array of calls`);
  const calls = steps.map((s, i) => parseStep(s, i));
  // parseStep has checked that every step is an object.
  const annotations = steps.map((s, i) => parseAnnotation(s as Record<string, unknown>, `step ${i}`));
  return { kernel, description: description ?? null, steps: calls, annotations };
}
