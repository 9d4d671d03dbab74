/**
 * What the Write code tab reads out of text: the compiler's lines about the
 * student's file, and a program's arguments and uid as typed. Pure, so the
 * unit tests run it in Node.
 */
import type { LineProblem } from './code-editor.ts';

/**
 * tcc's lines about the student's own file: `module.c:LINE: error: …` (or
 * the program's file). A header's lines name a path (`/tcc/include/…`) and
 * are not the editor's to mark.
 */
export function lineProblems(diagnostics: string): LineProblem[] {
  const problems: LineProblem[] = [];
  for (const l of diagnostics.split('\n')) {
    const m = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.c:(\d+): (error|warning): (.*)$/.exec(l);
    if (m) problems.push({ line: Number(m[1]), severity: m[2] === 'error' ? 'error' : 'warning', message: m[3] ?? '' });
  }
  return problems;
}

/**
 * A program's arguments as a shell would split the simple cases: words
 * between spaces, '…' and "…" keep spaces (no escapes inside: what you see
 * is what the program gets). An unclosed quote is said, not guessed at.
 */
export function splitArgs(text: string): { args: string[] } | { error: string } {
  const args: string[] = [];
  let word: string | null = null;
  let quote: "'" | '"' | null = null;
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = null;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (/\s/.test(c)) {
      if (word !== null) args.push(word);
      word = null;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote) return { error: `The arguments have a ${quote} that is not closed.` };
  if (word !== null) args.push(word);
  return { args };
}

/** The largest uid setuid32 takes as a user: 0xffffffff is -1, "no change". */
const MAX_UID = 0xfffffffe;

/** A uid as typed: decimal, 0 (root) when empty. */
export function parseUid(text: string): { uid: number } | { error: string } {
  const t = text.trim();
  if (t === '') return { uid: 0 };
  if (!/^\d{1,10}$/.test(t) || Number(t) > MAX_UID) return { error: `The uid must be a number from 0 to ${MAX_UID}, not ${JSON.stringify(t.slice(0, 20))}.` };
  return { uid: Number(t) };
}
