/**
 * What a line typed in the lab's console does, decided in one place: a line
 * that names one of the five calls is read with the words of `modlab call`
 * (harness/calls/model.ts) and made by the page, like the form's Run; a
 * malformed call gets its usage and never reaches the guest; every other
 * line goes to the guest's shell (guest/agent.c). Also the words Tab
 * completes. Pure, for Node tests.
 */
import { InputError } from '../harness/errors.ts';
import { isOwnModule, MODULE_FILES, UID } from '../harness/calls/args.ts';
import { QUERY_WHICH } from '../harness/calls/linux-i386.ts';
import { CALL_NAMES, callFromWords, callModule, callSpec, usageWords, type Call, type CallSpec } from '../harness/calls/model.ts';
import type { CallRecord } from '../harness/calls/record.ts';
import { resultText } from '../harness/reports/text.ts';
import type { Completions } from './console-line.ts';

export type ConsoleAction =
  /** One of the five calls, made by the page (result card, History, share link). */
  | { kind: 'call'; call: Call }
  /** A call the page cannot make as typed: what is wrong and its usage, printed in the console. */
  | { kind: 'usage'; text: string }
  /** Anything else, for the guest's shell (an empty line makes it print its prompt). */
  | { kind: 'guest'; line: string };

/** The guest shell's own commands (guest/agent.c), for completion. */
export const SHELL_COMMANDS = ['help', 'insmod', 'rmmod', 'lsmod', 'cat', 'uname', 'dmesg'] as const;
const MODULES = Object.keys(MODULE_FILES);
const UID_FLAG = '--uid';

/** `usage: create_module NAME SIZE [--uid N]`: from the call table, as `modlab call` takes it. */
export function usageLine(spec: CallSpec): string {
  return `usage: ${[spec.name, usageWords(spec), `[${UID_FLAG} N]`].filter(Boolean).join(' ')}`;
}

/** The words without `--uid N` / `--uid=N`, and the uid (0 when not given), as the CLI reads them. */
function takeUid(words: readonly string[]): { words: string[]; uid: number } {
  const rest: string[] = [];
  let uid: number | null = null;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    let value: string | undefined;
    if (w === UID_FLAG) {
      value = words[++i];
      if (value === undefined) throw new InputError(`${UID_FLAG} needs a number`);
    } else if (w.startsWith(`${UID_FLAG}=`)) {
      value = w.slice(UID_FLAG.length + 1);
    } else if (w.startsWith('--')) {
      throw new InputError(`the console takes ${UID_FLAG} N, not ${w}`);
    } else {
      rest.push(w);
      continue;
    }
    if (uid !== null) throw new InputError(`${UID_FLAG} is given twice`);
    uid = UID.fromWord(value, UID_FLAG);
  }
  return { words: rest, uid: uid ?? 0 };
}

/** What Enter does with `line`. */
export function consoleAction(line: string): ConsoleAction {
  const words = line.trim().split(/\s+/).filter(Boolean);
  const spec = callSpec(words[0]);
  if (!spec) return { kind: 'guest', line };
  try {
    const { words: rest, uid } = takeUid(words.slice(1));
    const call = callFromWords([spec.name, ...rest], uid);
    const module = callModule(call);
    if (module !== null && isOwnModule(module)) {
      throw new InputError(`the console loads modlab's own modules (${MODULES.map((m) => `module:${m}`).join(', ')}); a module of your own is built and loaded in the Write code tab`);
    }
    return { kind: 'call', call };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { kind: 'usage', text: `${e.message}\n${usageLine(spec)}` };
  }
}

/** The answer in one line, as the guest's shell prints its own: `create_module = 0xc8800000`. */
export function answerLine(r: CallRecord): string {
  return `${r.call.call} ${resultText(r)}`;
}

/** The words that may stand where the cursor is, given the line before it. */
export function completions(before: string): Completions {
  const from = before.search(/\S*$/);
  const words = before.slice(0, from).trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { from, candidates: [...CALL_NAMES, ...SHELL_COMMANDS] };
  const [command] = words;
  const spec = callSpec(command);
  const word = before.slice(from);
  if (spec) {
    if (word.startsWith('-')) return { from, candidates: [UID_FLAG] };
    const args = words.slice(1).filter((w, i, all) => w !== UID_FLAG && all[i - 1] !== UID_FLAG && !w.startsWith(`${UID_FLAG}=`));
    const arg = spec.args[args.length];
    if (!arg) return { from, candidates: [] };
    if (arg.word === 'NAME') return { from, candidates: [...MODULES, 'NULL'] };
    if (arg.word === 'WHICH') return { from, candidates: Object.keys(QUERY_WHICH) };
    if (arg.word === 'SIZE' || arg.word === 'IMAGE') return { from, candidates: MODULES.map((m) => `module:${m}`) };
    return { from, candidates: [] };
  }
  if ((command === 'insmod' || command === 'rmmod') && words.length === 1) return { from, candidates: MODULES };
  if (command === 'cat' && words.length === 1) return { from, candidates: ['/proc/modules', '/proc/version', '/proc/ksyms'] };
  return { from, candidates: [] };
}
