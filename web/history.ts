/** Every call the lab made, kept in localStorage across reloads and exportable. */
import type { StepReport } from '../harness/reports/step-report.ts';
import { callText, resultText } from '../harness/reports/text.ts';

export interface HistoryEntry extends StepReport {
  at: string;
}

const KEY = 'modlab.history.v1';

export function loadHistory(): HistoryEntry[] {
  try {
    const raw = localStorage.getItem(KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(parsed) ? (parsed as HistoryEntry[]) : [];
  } catch {
    return [];
  }
}

/** Returns false when storage refused the write (quota, private mode): the entry stays in memory. */
export function saveHistory(entries: readonly HistoryEntry[]): boolean {
  try {
    localStorage.setItem(KEY, JSON.stringify(entries));
    return true;
  } catch {
    return false;
  }
}

export function historyLine(e: HistoryEntry): string {
  return `[${e.kernel}] ${callText(e)} ${resultText(e)} (${e.elapsedMs.toFixed(1)} ms)`;
}

export function historyMarkdown(entries: readonly HistoryEntry[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const rows = entries.map((e) => `| ${e.at} | ${e.kernel} | \`${esc(callText(e))}\` | ${esc(resultText(e))} | ${e.elapsedMs.toFixed(1)} ms |`);
  return ['| time | kernel | call | result | elapsed |', '|---|---|---|---|---|', ...rows, ''].join('\n');
}

export function download(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
