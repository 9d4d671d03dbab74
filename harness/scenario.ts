/**
 * Scenario files: a kernel and a list of calls run in order on one machine.
 *
 *   {"kernel": "2.4.20", "steps": [
 *     {"call": "create_module", "name": "dummy", "size": 10000, "uid": 0},
 *     {"call": "create_module", "name": {"ptr": "0xffffffff"}, "size": 10000},
 *     {"call": "delete_module", "name": null}]}
 *
 * Every problem is reported as an InputError naming the step and the field.
 */
import { isKernelId, KERNEL_IDS, type KernelId } from '../kernel-images/manifest.ts';
import { CALL_NAMES, InputError, isCallName, parseName, parseSize, parseUid, type Call } from './calls.ts';

export interface Scenario {
  kernel: KernelId | null;
  steps: Call[];
}

const TOP_KEYS = ['kernel', 'steps', 'description'];
const STEP_KEYS: Record<string, readonly string[]> = {
  create_module: ['call', 'name', 'size', 'uid', 'note'],
  delete_module: ['call', 'name', 'uid', 'note'],
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseKernelId(input: unknown, what = 'kernel'): KernelId {
  if (typeof input === 'string' && isKernelId(input)) return input;
  throw new InputError(`${what} ${JSON.stringify(input)} is not a kernel modlab knows; choose one of ${KERNEL_IDS.join(', ')}`);
}

function parseStep(raw: unknown, index: number): Call {
  const at = `step ${index}`;
  if (!isObject(raw)) throw new InputError(`${at} must be an object like {"call": "create_module", "name": "x", "size": 4096}`);
  const callName = raw['call'];
  if (typeof callName !== 'string' || !isCallName(callName)) {
    throw new InputError(`${at}: "call" must be one of ${CALL_NAMES.join(', ')}, got ${JSON.stringify(callName)}`);
  }
  const allowed = STEP_KEYS[callName] ?? [];
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) throw new InputError(`${at}: unknown field "${key}" for ${callName}; allowed: ${allowed.join(', ')}`);
  }
  if (!('name' in raw)) throw new InputError(`${at}: "name" is missing (a string, null, or {"ptr": "0x…"})`);
  const name = parseName(raw['name'], `${at}: "name"`);
  const uid = 'uid' in raw ? parseUid(raw['uid'], `${at}: "uid"`) : 0;
  if (callName === 'create_module') {
    if (!('size' in raw)) throw new InputError(`${at}: "size" is missing (0 … 4294967295, decimal or "0x…")`);
    return { call: 'create_module', name, size: parseSize(raw['size'], `${at}: "size"`), uid };
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
  const steps = raw['steps'];
  if (!Array.isArray(steps) || steps.length === 0) throw new InputError(`${source}: "steps" must be a non-empty array of calls`);
  return { kernel, steps: steps.map((s, i) => parseStep(s, i)) };
}
