/**
 * Lessons, the pure part: a lesson is a scenario file whose steps may carry
 * a question and a hint. The student picks the answer they expect from a
 * list made from the call's own man page (success, every errno the page
 * explains for that call, a kernel crash), the kernel answers, and the score
 * counts the right guesses. No DOM here: web/lesson-view.ts draws it, and the
 * unit tests run this in Node.
 */
import { explainedErrnos } from '../harness/calls/explain.ts';
import { ERRNO_NAMES } from '../harness/calls/linux-i386.ts';
import { callModule, type Call, type CallName } from '../harness/calls/model.ts';
import { isOwnModule, hex32, type NameArg } from '../harness/calls/args.ts';
import type { CallRecord } from '../harness/calls/record.ts';
import { parseScenario, type Scenario } from '../harness/calls/scenario.ts';
import { InputError } from '../harness/errors.ts';

/** The most a lesson file or link may hold, in UTF-8 bytes: a lesson is a page of JSON, not a data set. */
export const MAX_LESSON_BYTES = 64 * 1024;
/** The most steps a lesson may have: each later step replays the ones before it on the page's machine. */
export const MAX_LESSON_STEPS = 100;

export interface Lesson {
  /** What the lesson is called: its description, or where it came from. */
  title: string;
  scenario: Scenario;
  /** The lesson as JSON text without extra spaces: what a share link carries. */
  text: string;
}

export type LessonRead = { lesson: Lesson } | { problem: string };

/**
 * A lesson from its JSON text; `source` names it in the sentence when it
 * cannot be used ("The lesson file x.json", "The lesson in this link").
 * Never throws: every problem is one sentence, and nothing has run.
 */
export function readLesson(text: string, source: string): LessonRead {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_LESSON_BYTES) return { problem: `${source} is ${bytes} bytes; a lesson may have at most ${MAX_LESSON_BYTES / 1024} KiB.` };
  let scenario: Scenario;
  try {
    scenario = parseScenario(text, source);
  } catch (e) {
    // A step's own problems start "step 3: …"; the sentence says whose step.
    if (e instanceof InputError) return { problem: `${sentence(e.message.startsWith(source) ? e.message : `${source}: ${e.message}`)} Nothing was run.` };
    return { problem: `${source} could not be read as a lesson. Nothing was run.` };
  }
  if (scenario.steps.length > MAX_LESSON_STEPS) return { problem: `${source} has ${scenario.steps.length} steps; a lesson may have at most ${MAX_LESSON_STEPS}. Nothing was run.` };
  const own = scenario.steps.findIndex((c) => {
    const m = callModule(c);
    return m !== null && isOwnModule(m);
  });
  // The page has no folder to read a module's file from; the built-in modules (hello, …) are in the guest already.
  if (own >= 0) return { problem: `${source}: step ${own} names a module file of its own, which a lesson in the lab cannot read; use a built-in module (hello, hello_user, hello_fail) or modlab run. Nothing was run.` };
  // It parsed, so it is JSON: written back without the file's spacing, for a shorter link.
  return { lesson: { title: scenario.description ?? source, scenario, text: JSON.stringify(JSON.parse(text)) } };
}

/** A message as a sentence: starting with a capital, ending with a full stop. */
function sentence(message: string): string {
  const s = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/* ---- What the student chooses from ---- */

/** What a step can answer, as a choice's value: 'success', 'crash' or an errno name. */
export type AnswerValue = string;

export interface Choice {
  value: AnswerValue;
  label: string;
}

const SUCCESS_WORDS: Readonly<Record<CallName, string>> = {
  create_module: 'Success: an address, where the module will live',
  delete_module: 'Success: 0, the module is removed',
  init_module: 'Success: 0, the module is loaded and its init ran',
  query_module: 'Success: 0, the kernel fills the buffer',
  get_kernel_syms: 'Success: a number of symbols',
};

/**
 * The answers offered for a call, the same list for every step of that call
 * (so the list never points at the right one): success, each errno its man
 * page explains (in the page's order, with the answers real kernels give that
 * the page leaves out), and a crash of the kernel itself.
 */
export function choicesFor(call: CallName): Choice[] {
  return [
    { value: 'success', label: SUCCESS_WORDS[call] },
    ...explainedErrnos(call).map((name) => ({ value: name, label: `${name} (errno ${ERRNO_NAMES.indexOf(name as (typeof ERRNO_NAMES)[number])})` })),
    { value: 'crash', label: 'The kernel crashes (an oops): the caller is killed' },
  ];
}

/**
 * The kernel's answer as a choice's value; null when the call was not made
 * (the agent could not drop to the uid or link the module), which is no
 * answer of the kernel to the call.
 */
export function answerOf(r: CallRecord): AnswerValue | null {
  switch (r.result.kind) {
    case 'success':
      return 'success';
    case 'crash':
      return 'crash';
    case 'errno':
      return r.result.during === 'call' ? r.result.errnoName : null;
  }
}

export type Grade =
  | { right: true }
  /** inList: whether the kernel's answer was one of the choices at all. */
  | { right: false; inList: boolean };

export function grade(choice: AnswerValue, r: CallRecord, choices: readonly Choice[]): Grade {
  const answer = answerOf(r);
  if (answer !== null && answer === choice) return { right: true };
  return { right: false, inList: answer !== null && choices.some((c) => c.value === answer) };
}

/** The words of a choice's value, for the sentence that reveals the answer. */
export function answerWords(value: AnswerValue, choices: readonly Choice[]): string {
  return choices.find((c) => c.value === value)?.label ?? value;
}

/** One sentence: was the student right, and what did the kernel answer (said even when it was not in the list). */
export function revealText(choice: AnswerValue, r: CallRecord, choices: readonly Choice[]): string {
  const g = grade(choice, r, choices);
  const kernel = kernelAnswerText(r);
  if (g.right) return `Right: the kernel answered ${kernel}.`;
  const expected = `You expected “${answerWords(choice, choices)}”`;
  if (g.inList) return `Not this time. ${expected}; the kernel answered ${kernel}.`;
  return `Not this time. ${expected}; the kernel answered ${kernel}, which was not among the choices.`;
}

function kernelAnswerText(r: CallRecord): string {
  const res = r.result;
  switch (res.kind) {
    case 'success':
      return r.call.call === 'create_module' ? `${hex32(res.ret)}, an address` : `${res.ret | 0} (success)`;
    case 'crash':
      return `with a crash (${res.crash})`;
    case 'errno':
      return res.during === 'call' ? res.errnoName : `nothing: the call was not made (${res.during} failed with ${res.errnoName})`;
  }
}

/* ---- The score ---- */

export interface Score {
  right: number;
  answered: number;
  total: number;
}

/** The score from each answered step's grade (steps not answered yet are absent). */
export function score(rights: ReadonlyMap<number, boolean>, total: number): Score {
  let right = 0;
  for (const r of rights.values()) if (r) right++;
  return { right, answered: rights.size, total };
}

export function scoreText(s: Score): string {
  if (s.answered === s.total) return `Lesson done: ${s.right} of ${s.total} right.`;
  return `Score: ${s.right} of ${s.answered} right (${s.total - s.answered} of ${s.total} steps to go).`;
}

/* ---- Running a step on the page's machine ---- */

export interface ReplayPlan {
  /** Restore a clean machine first. */
  reset: boolean;
  /** The first step to run; the steps from here up to the chosen one run in order. */
  from: number;
}

/**
 * What to run so that `step` meets the machine its lesson means: the steps
 * before it, from a clean machine. `ranUpTo` is the last step run on the
 * machine as it is now (-1: nothing known). A step that crashed the kernel
 * left a clean machine behind, so a replay starts after the last such step.
 */
export function replayPlan(ranUpTo: number, step: number, crashed: ReadonlySet<number>): ReplayPlan {
  if (ranUpTo >= 0 && step > ranUpTo) return { reset: false, from: ranUpTo + 1 };
  let from = 0;
  for (const c of crashed) if (c < step && c + 1 > from) from = c + 1;
  return { reset: true, from };
}

/* ---- The call in words ---- */

function nameWords(n: NameArg): string {
  if (n.kind === 'null') return 'a NULL name pointer';
  if (n.kind === 'pointer') return `a name pointer of ${hex32(n.address)}`;
  if (n.text.length === 0) return 'an empty name ""';
  if (n.text.length > 24) return `a name ${n.text.length} characters long`;
  return `the name ${JSON.stringify(n.text)}`;
}

function bytesWords(n: number): string {
  const mib = 1024 * 1024;
  return n >= mib && n % mib === 0 ? `${n} bytes (${n / mib} MiB)` : `${n} bytes`;
}

function whoWords(uid: number): string {
  return uid === 0 ? 'as root' : `as uid ${uid}, not root`;
}

/** The call as a sentence for someone who does not read C yet. */
export function callInWords(c: Call): string {
  switch (c.call) {
    case 'create_module': {
      const size = typeof c.size === 'number' ? bytesWords(c.size) : `the size ${isOwnModule(c.size.module) ? c.size.module.file : `${c.size.module}.o`} needs`;
      return `Ask the kernel to reserve ${size} for a module, with ${nameWords(c.name)}, ${whoWords(c.uid)}.`;
    }
    case 'delete_module':
      return `Ask the kernel to remove the module with ${nameWords(c.name)}, ${whoWords(c.uid)}.`;
    case 'init_module': {
      const image = c.image;
      const what =
        image.kind === 'module' ? `${isOwnModule(image.module) ? image.module.file : `${image.module}.o`}, linked for the address create_module gave`
        : image.kind === 'null' ? 'a NULL image pointer'
        : image.kind === 'pointer' ? `an image pointer of ${hex32(image.address)}`
        : `an image of ${image.bytes.length} bytes`;
      return `Hand the kernel the module's image (${what}) for the module with ${nameWords(c.name)}, ${whoWords(c.uid)}.`;
    }
    case 'query_module':
      return `Ask the kernel about the module with ${nameWords(c.name)} (${typeof c.which === 'number' ? `which = ${c.which}` : c.which}), ${c.bufsize ? `into a buffer of ${bytesWords(c.bufsize)}` : 'with a NULL buffer'}, ${whoWords(c.uid)}.`;
    case 'get_kernel_syms':
      return `Ask the kernel for its exported symbols, ${c.table === null ? 'with a NULL table (only their number)' : `into a table of ${c.table} entries`}, ${whoWords(c.uid)}.`;
  }
}
