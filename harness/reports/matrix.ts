/**
 * The comparison matrix as text (`modlab compare`, `modlab tour`) and as JSON
 * lines (`--json`): one row per step, one column per kernel.
 */
import { refHasCreateModule, type KernelRef } from '../../kernel-images/user-kernel.ts';
import type { CompareRow, KernelRun, Verdict } from './compare.ts';
import type { RunStep } from './run.ts';
import { stepReport } from './step-report.ts';
import { printableLine } from './terminal-text.ts';

const MARK: Record<Verdict, string> = {
  'as-documented': '✓',
  differs: '✗',
  'not-applicable': '–',
  undocumented: '',
};

export const VERDICT_WORDS: Record<Verdict, string> = {
  'as-documented': 'as the man page says',
  differs: 'not what the man page says',
  'not-applicable': 'the man page’s case does not arise on this kernel',
  undocumented: 'a case the man page does not mention',
};

function pad(s: string, n: number): string {
  return s + ' '.repeat(Math.max(0, n - [...s].length));
}

function claimText(row: CompareRow): string {
  const c = row.annotation.manPage;
  if (!c) return '(not in page)';
  return printableLine(c.errno ?? 'address');
}

/**
 * The matrix. Rows whose kernels disagree start with "≠"; with man-page
 * claims, each cell carries ✓ (as documented) or ✗ (not), and the claims and
 * notes follow the table. Calls, answers, notes and console lines come
 * from a scenario file or the guest: each goes through printableLine.
 */
export function formatMatrix(rows: readonly CompareRow[], runs: readonly KernelRun[]): string {
  const kernels = runs.map((r) => r.kernel);
  const withClaims = rows.some((r) => r.annotation.manPage);
  const cell = (row: CompareRow, k: KernelRef): string => {
    const c = row.cells[k];
    if (!c) return 'did not run';
    const mark = `${withClaims ? MARK[c.verdict] : ''}${c.odd ? '*' : ''}`;
    const text = printableLine(c.text);
    return mark ? `${text} ${mark}` : text;
  };
  const calls = rows.map((r) => printableLine(r.call));
  const callW = Math.min(44, Math.max(4, ...calls.map((c) => [...c].length)));
  const claimW = withClaims ? Math.max(10, ...rows.map((r) => claimText(r).length)) : 0;
  const widths = kernels.map((k) => Math.max(k.length, ...rows.map((r) => [...cell(r, k)].length)));
  const shorten = (s: string): string => ([...s].length > callW ? `${[...s].slice(0, callW - 1).join('')}…` : s);
  const head = [`   #  ${pad('call', callW)}`, ...(withClaims ? [pad('man page', claimW)] : []), ...kernels.map((k, i) => pad(k, widths[i] ?? 0))];
  const lines = [head.join('  ')];
  rows.forEach((row, r) => {
    const parts = [`${row.differs ? '≠' : ' '}${String(row.step).padStart(3)}  ${pad(shorten(calls[r] ?? ''), callW)}`];
    if (withClaims) parts.push(pad(claimText(row), claimW));
    kernels.forEach((k, i) => parts.push(pad(cell(row, k), widths[i] ?? 0)));
    lines.push(parts.join('  ').trimEnd());
  });
  lines.push('');
  const noCall = kernels.filter((k) => !refHasCreateModule(k));
  lines.push(
    `≠ the kernels answered differently, * the odd one out (any address counts as the same answer${noCall.length && noCall.length < kernels.length - 1 ? `; ${noCall.join(', ')}, without create_module, left out` : ''})`,
  );
  if (withClaims) lines.push('✓ as the man page says, ✗ not what it says, – its case cannot arise on that kernel');
  for (const run of runs) if ('error' in run) lines.push(`${run.kernel} did not run: ${printableLine(run.error.split('\n')[0] ?? '')}`);
  if (withClaims || rows.some((r) => r.annotation.note)) {
    lines.push('');
    for (const row of rows) {
      const c = row.annotation.manPage;
      const said = c ? `${c.errno ?? 'success'}: “${c.says}”` : 'not in the man page';
      lines.push(`${String(row.step).padStart(4)}  ${printableLine(said)}`);
      if (row.annotation.note) lines.push(`      ${printableLine(row.annotation.note)}`);
      if (c?.errno === 'ENOSYS') lines.push(`      ${boundaryLine(row, kernels)}`);
      const crashes = Object.entries(row.cells).filter((e): e is [string, NonNullable<(typeof e)[1]>] => e[1]?.record.result.kind === 'crash');
      for (const [k, c] of crashes) lines.push(`      ${k}: ${printableLine(firstCrashLine(c.record))}`);
    }
  }
  return lines.join('\n');
}

/** The man page's 2.6 boundary, kernel by kernel: which ones still have the call and what each answered. */
function boundaryLine(row: CompareRow, kernels: readonly KernelRef[]): string {
  const answers = (side: readonly KernelRef[]): string =>
    side.length ? side.map((k) => `${k} ${printableLine(row.cells[k]?.text ?? 'did not run')}`).join(', ') : 'none here';
  const before = kernels.filter((k) => refHasCreateModule(k));
  const after = kernels.filter((k) => !refHasCreateModule(k));
  return `before 2.6 (the call exists): ${answers(before)}; 2.6 and later (gone): ${answers(after)}`;
}

/** The line of the console that names the crash, for the notes under the matrix. */
function firstCrashLine(r: RunStep): string {
  if (r.result.kind !== 'crash') return '';
  const lines = r.result.console.replace(/\r/g, '').split('\n');
  const named = lines.find((l) => /kernel BUG|Oops|panic|Out of Memory|Unable to handle/i.test(l));
  return `${r.result.crash}${named ? `: ${named.trim()}` : ''}`;
}

/** `--json`: one object per step, a field per kernel shaped like a `modlab run --json` step. */
export function matrixJson(rows: readonly CompareRow[], runs: readonly KernelRun[]): string[] {
  // A scenario that makes man-page claims gets a verdict in every cell, "undocumented" included.
  const withClaims = rows.some((r) => r.annotation.manPage);
  return rows.map((row) => {
    const o: Record<string, unknown> = { step: row.step, call: row.call, differs: row.differs };
    if (row.annotation.manPage) o['manPage'] = row.annotation.manPage;
    if (row.annotation.note) o['note'] = row.annotation.note;
    for (const run of runs) {
      const c = row.cells[run.kernel];
      if (c) {
        const report = stepReport(row.step, c.record, c.record.procModules);
        o[run.kernel] = withClaims ? { ...report, verdict: c.verdict } : report;
      }
      else o[run.kernel] = { error: 'error' in run ? run.error : 'no result' };
    }
    return JSON.stringify(o);
  });
}
