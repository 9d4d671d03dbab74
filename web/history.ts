/**
 * Every call the lab made and every program it ran, kept in localStorage
 * across reloads and exportable: each as the JSON `modlab run --json` prints
 * (stepReport, execReport), with when it ran and its text as it was written then.
 */
import { callText } from '../harness/calls/model.ts';
import type { CallRecord, ExecRecord } from '../harness/calls/record.ts';
import { execReport, stepReport, type ExecReport, type StepReport } from '../harness/reports/step-report.ts';
import { execAnswer, execText } from './exec-text.ts';

export interface CallEntry extends StepReport {
  at: string;
  /** callText of the call; entries saved by older versions have none. */
  text?: string;
}

/** A program's run: its report (`modlab exec --json`), and the command and answer in words, kept as they read then. */
export interface ExecEntry extends ExecReport {
  step: number;
  at: string;
  text: string;
  answer: string;
}

export type HistoryEntry = CallEntry | ExecEntry;

export function isExecEntry(e: HistoryEntry): e is ExecEntry {
  return e.call === 'exec';
}

const KEY = 'modlab.history.v1';

export function historyEntry(step: number, r: CallRecord, procModules?: string): CallEntry {
  return { ...stepReport(step, r, procModules), at: new Date().toISOString(), text: callText(r.call) };
}

export function execHistoryEntry(step: number, r: ExecRecord): ExecEntry {
  return { step, ...execReport(r), at: new Date().toISOString(), text: execText(r), answer: execAnswer(r) };
}

/** Stored entries come from older versions or other hands: keep only those the lines can be drawn from. */
function isEntry(v: unknown): v is HistoryEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Partial<Record<keyof CallEntry | keyof ExecEntry, unknown>>;
  const common = typeof e.kernel === 'string' && typeof e.at === 'string' && typeof e.elapsedMs === 'number' && typeof e.ok === 'boolean';
  // A run is drawn from its own words; a call from its report.
  if (e.call === 'exec') return common && typeof e.answer === 'string' && typeof e.text === 'string';
  return common && typeof e.call === 'string';
}

export function loadHistory(): HistoryEntry[] {
  try {
    const raw = localStorage.getItem(KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(parsed) ? parsed.filter(isEntry) : [];
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

/** The answer in the words resultText uses, from the JSON (all an old entry has). */
function answerText(e: HistoryEntry): string {
  if (isExecEntry(e)) return `→ ${e.answer}`;
  if (e.crash) return `CRASH (${e.crash})${e.recovered && typeof e.machine === 'number' ? `, machine ${e.machine + 1} took over` : ''}`;
  if (e.ok) return `= ${e.ret ?? ''}`;
  return `= -1 ${e.errnoName ?? '?'}${typeof e.errno === 'number' ? ` (${e.errno})` : ''}`;
}

const callOf = (e: HistoryEntry): string => (typeof e.text === 'string' ? e.text : e.call);

export function historyLine(e: HistoryEntry): string {
  return `[${e.kernel}] ${callOf(e)} ${answerText(e)} (${e.elapsedMs.toFixed(1)} ms)`;
}

/** Line breaks cannot stand in a table row; they are written as \n, as the call's JSON would. */
function oneLine(text: string): string {
  return text.replace(/\r\n|\r|\n/g, '\\n');
}

/**
 * `text` as a code span in a table cell. A code span ends at the first run of
 * backticks as long as its fence, so the fence is one longer than any run in
 * the text; a space pads text that starts or ends with a backtick, or with
 * spaces at both ends (Markdown strips one space each side). GFM splits the row at `|` before it sees the span,
 * so `|` is written `\|` even inside it.
 */
export function markdownCode(text: string): string {
  const line = oneLine(text).replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const spaced = line.startsWith(' ') && line.endsWith(' ') && line.trim() !== '';
  const pad = line === '' || line.startsWith('`') || line.endsWith('`') || spaced ? ' ' : '';
  return `${fence}${pad}${line}${pad}${fence}`;
}

/** `text` as plain text in a table cell: the characters that start inline markup (links, emphasis, HTML, code, entities) escaped. */
export function markdownText(text: string): string {
  return oneLine(text).replace(/[\\`*_[\]<>|~&]/g, (c) => `\\${c}`);
}

/** Stored entries are other hands' text: every cell is escaped, the call as code. */
export function historyMarkdown(entries: readonly HistoryEntry[]): string {
  const rows = entries.map((e) => `| ${markdownText(e.at)} | ${markdownText(e.kernel)} | ${markdownCode(callOf(e))} | ${markdownText(answerText(e))} | ${e.elapsedMs.toFixed(1)} ms |`);
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
