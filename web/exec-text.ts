/**
 * A program's run in words, for the result card, the tab's status and the
 * history: what was run (as a shell would show it) and how it ended. Made
 * from the ExecRecord only, so every place says the same.
 */
import type { ExecRecord } from '../harness/calls/record.ts';

/** One argument as a shell would need it written: bare when plain, else in quotes (control characters escaped as JSON does). */
function shellWord(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  // eslint-disable-next-line no-control-regex
  if (!/['\u0000-\u001f\u007f]/.test(arg)) return `'${arg}'`;
  return JSON.stringify(arg);
}

/** `./NAME ARGS` and, when not root, the uid it ran as. */
export function execText(r: Pick<ExecRecord, 'program' | 'args' | 'uid'>): string {
  const line = [`./${r.program}`, ...r.args.map(shellWord)].join(' ');
  return r.uid === 0 ? line : `${line} (uid ${r.uid})`;
}

/** The end of the run in a few words: "exit 0", "killed by SIGSEGV", … */
export function execAnswer(r: ExecRecord): string {
  const res = r.result;
  switch (res.kind) {
    case 'exited':
      return `exit ${res.status}`;
    case 'signaled':
      return `killed by ${res.signalName} (${res.signal})`;
    case 'timeout':
      return `still running after ${res.limitMs / 1000} s, killed`;
    case 'not-run':
      return `not run: ${res.errnoName} (${res.errno}) during ${res.during}`;
    case 'crash':
      return `CRASH (${res.crash})${r.recovered ? `, machine ${r.machine + 1} took over` : ''}`;
  }
}

/** A sentence for the tab's status line. */
export function execOutcomeText(r: ExecRecord): string {
  const res = r.result;
  const what = `${execText(r)} on Linux ${r.kernel}`;
  switch (res.kind) {
    case 'exited':
      return `${what} exited with status ${res.status}${res.status === 0 ? '' : ' (not 0: the program says something failed)'}.`;
    case 'signaled':
      return `${what} was killed by ${res.signalName}: the kernel stopped the program, not itself.`;
    case 'timeout':
      return `${what} did not finish within ${res.limitMs / 1000} s, so modlab killed it.`;
    case 'not-run':
      return `${what} did not start: ${res.during} failed with ${res.errnoName}.`;
    case 'crash':
      return `The kernel crashed while ${execText(r)} ran (${res.crash}): a clean machine took over.`;
  }
}
