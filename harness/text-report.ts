/** Human-readable rendering of step reports: the table `modlab run` prints without --json. */
import type { StepReport } from './report.ts';

function nameText(n: StepReport['name']): string {
  if (n === null) return 'NULL';
  if (typeof n === 'object') return `(char *)${n.ptr}`;
  return n.length > 24 ? `${JSON.stringify(n.slice(0, 16))}…(${n.length} chars)` : JSON.stringify(n);
}

export function callText(r: StepReport): string {
  const args = r.size === undefined ? nameText(r.name) : `${nameText(r.name)}, ${r.size}`;
  return `${r.call}(${args})${r.uid !== 0 ? ` uid=${r.uid}` : ''}`;
}

export function resultText(r: StepReport): string {
  if (r.crash) return `CRASH (${r.crash})${r.recovered ? `, machine ${r.machine + 1} took over` : ''}`;
  if (r.ok) return `= ${r.ret}`;
  return `= -1 ${r.errnoName} (${r.errno})`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** The console excerpt of a crash, indented, trimmed to its meaningful lines. */
export function crashExcerpt(text: string, maxLines = 12): string[] {
  const lines = text.replace(/\r/g, '').split('\n').map((l) => l.trimEnd()).filter((l) => l.length > 0);
  const shown = lines.slice(0, maxLines);
  if (lines.length > maxLines) shown.push(`… ${lines.length - maxLines} more lines (use --json for all)`);
  return shown.map((l) => `      | ${l}`);
}

export function formatTable(reports: readonly StepReport[]): string {
  const callW = Math.min(48, Math.max(4, ...reports.map((r) => callText(r).length)));
  const resW = Math.max(6, ...reports.map((r) => resultText(r).length));
  const lines = [`  #  ${pad('call', callW)}  ${pad('result', resW)}  time     machine`];
  for (const r of reports) {
    lines.push(`${String(r.step).padStart(3)}  ${pad(callText(r), callW)}  ${pad(resultText(r), resW)}  ${pad(`${r.elapsedMs.toFixed(1)} ms`, 8)} ${r.machine}`);
    if (r.console !== undefined) lines.push(...crashExcerpt(r.console));
  }
  return lines.join('\n');
}
