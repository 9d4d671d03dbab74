/**
 * Scenario files: a kernel and a list of calls run in order on one machine.
 *
 *   {"kernel": "2.4.20", "steps": [
 *     {"call": "create_module", "name": "dummy", "size": 10000, "uid": 0},
 *     {"call": "create_module", "name": {"ptr": "0xffffffff"}, "size": 10000},
 *     {"call": "delete_module", "name": null}]}
 *
 * Where a step takes a module ({"module": "hello"}: create_module's size,
 * init_module's image) it may name a module of one's own by its file,
 * {"module": {"file": "mods/my_module.c"}} (C source or an i386 .o), the
 * path relative to the scenario's folder. Parsing keeps the path; the target
 * that runs the scenario reads and compiles it (node/module-files.ts), since
 * the core reads no files.
 *
 * A step may say what it is for: "note" (free text) and "manPage", the
 * man page's claim the step puts to the kernel: {"errno": "EEXIST" (or null
 * for success), "says": "the man page's sentence"}. The tour uses both.
 * A lesson (the lab's Lesson tab) also reads "question", what the student
 * is asked before the kernel answers, and "hint", shown on request; the CLI
 * runs such a file as any scenario and leaves them out.
 *
 * Every problem is reported as an InputError naming the step and the field.
 */
import { isKernelId, KERNEL_IDS, type KernelId } from '../../kernel-images/manifest.ts';
import { InputError } from '../errors.ts';
import { hasOwn, isObject, quote } from './args.ts';
import { isErrnoName } from './errno.ts';
import { callFromJson, type Call } from './model.ts';

/** What the man page says a step should get: an errno, or (errno null) success. */
export interface ManPageClaim {
  errno: string | null;
  says: string;
}

export interface StepAnnotation {
  note: string | null;
  manPage: ManPageClaim | null;
  /** A lesson's question for this step, asked before the answer is shown. */
  question?: string | null;
  /** A lesson's hint for this step, shown when the student asks. */
  hint?: string | null;
}

export interface Scenario {
  kernel: KernelId | null;
  description: string | null;
  steps: Call[];
  /** annotations[i] describes steps[i]. */
  annotations: StepAnnotation[];
}

const TOP_KEYS = ['kernel', 'steps', 'description'];
/** What a step may say besides its call (read by parseAnnotation). */
const ANNOTATION_KEYS = ['note', 'manPage', 'question', 'hint'];
/** The longest question or hint: a few sentences, not a page of text. */
export const MAX_LESSON_TEXT = 2000;

export function parseKernelId(input: unknown, what = 'kernel'): KernelId {
  if (typeof input === 'string' && isKernelId(input)) return input;
  throw new InputError(`${what} ${quote(input)} is not a kernel modlab knows; choose one of ${KERNEL_IDS.join(', ')}`);
}

/** A lesson's text for a step (question, hint): absent, or text of 1 … MAX_LESSON_TEXT characters. */
function lessonText(raw: Record<string, unknown>, key: 'question' | 'hint', at: string): string | null {
  if (!hasOwn(raw, key)) return null;
  const value = raw[key];
  const what = key === 'question' ? 'the question the student is asked before the answer' : 'a hint the student may ask for';
  if (typeof value !== 'string' || value.trim().length === 0) throw new InputError(`${at}: "${key}" must be text (${what}); got ${quote(value)}`);
  if (value.length > MAX_LESSON_TEXT) throw new InputError(`${at}: "${key}" is ${value.length} characters long; a ${key} may have at most ${MAX_LESSON_TEXT}`);
  return value;
}

function parseAnnotation(raw: Record<string, unknown>, at: string): StepAnnotation {
  const note = hasOwn(raw, 'note') ? raw.note : undefined;
  if (note !== undefined && typeof note !== 'string') throw new InputError(`${at}: "note" must be text`);
  const claim = hasOwn(raw, 'manPage') ? raw.manPage : undefined;
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
  const question = lessonText(raw, 'question', at);
  const hint = lessonText(raw, 'hint', at);
  // Only when given, so a scenario without lesson text reads as before (compare's rows, --json).
  return { note: note ?? null, manPage, ...(question !== null ? { question } : {}), ...(hint !== null ? { hint } : {}) };
}

/**
 * The deepest nesting a scenario may use. Real ones need about five levels
 * (object, steps, step, name, repeat); anything far deeper is hostile, and the
 * recursive code behind messages (JSON.stringify) would overflow the stack.
 */
export const MAX_SCENARIO_DEPTH = 32;

/** How deeply the JSON text nests arrays and objects, counted without parsing or recursing. */
export function jsonNesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return deepest;
}

export function parseScenario(text: string, source = 'scenario'): Scenario {
  // Before anything else, so no later step ever meets a value too deep to describe.
  const nesting = jsonNesting(text);
  if (nesting > MAX_SCENARIO_DEPTH) {
    throw new InputError(`${source} nests its JSON ${nesting} levels deep, more than the ${MAX_SCENARIO_DEPTH} a scenario may use`);
  }
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
  const kernel = hasOwn(raw, 'kernel') ? parseKernelId(raw.kernel, `${source}: "kernel"`) : null;
  const description = hasOwn(raw, 'description') ? raw.description : undefined;
  if (description !== undefined && typeof description !== 'string') throw new InputError(`${source}: "description" must be text`);
  const steps = hasOwn(raw, 'steps') ? raw.steps : undefined;
  if (!Array.isArray(steps) || steps.length === 0) throw new InputError(`${source}: "steps" must be a non-empty array of calls`);
  const calls = steps.map((s, i) => callFromJson(s, `step ${i}`, ANNOTATION_KEYS));
  // callFromJson has checked that every step is an object.
  const annotations = steps.map((s, i) => parseAnnotation(s as Record<string, unknown>, `step ${i}`));
  return { kernel, description: description ?? null, steps: calls, annotations };
}
