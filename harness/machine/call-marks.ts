/**
 * Takes the agent's start- and end-of-call marks (protocol.ts) out of the
 * console's byte stream: what is not a mark goes on to `text`, each mark's
 * request id and kind to `mark`. An ESC is held back until the bytes after
 * it are a mark or cannot be one, so a mark never reaches the console text
 * or a terminal.
 */
import { END_MARK_CLOSE, END_MARK_OPEN, START_MARK_OPEN } from '../protocol.ts';

export type CallMarkKind = 'start' | 'end';

const OPENS: ReadonlyArray<[string, CallMarkKind]> = [
  [START_MARK_OPEN, 'start'],
  [END_MARK_OPEN, 'end'],
];
const OPEN = END_MARK_OPEN.length;
const ID_DIGITS = 8;
const LENGTH = OPEN + ID_DIGITS + END_MARK_CLOSE.length;
const ESC = 0x1b;

function isLowerHex(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66);
}

/** The kind of mark whose opening `held` begins, if any. */
function openingOf(held: readonly number[]): CallMarkKind | null {
  for (const [open, kind] of OPENS) {
    if (held.every((b, i) => i >= OPEN || b === open.charCodeAt(i))) return kind;
  }
  return null;
}

export class CallMarkFilter {
  private held: number[] = [];

  constructor(
    private readonly text: (byte: number) => void,
    private readonly mark: (id: number, kind: CallMarkKind) => void,
  ) {}

  push(b: number): void {
    const held = this.held;
    if (held.length === 0 && b !== ESC) {
      this.text(b);
      return;
    }
    held.push(b);
    const at = held.length - 1;
    const fits = at < OPEN ? openingOf(held) !== null : at < OPEN + ID_DIGITS ? isLowerHex(b) : b === END_MARK_CLOSE.charCodeAt(at - OPEN - ID_DIGITS);
    if (!fits) {
      // Not a mark: its first byte is text; the bytes after it may still start one.
      this.held = [];
      this.text(held[0] as number);
      for (const x of held.slice(1)) this.push(x);
      return;
    }
    if (held.length < LENGTH) return;
    this.held = [];
    this.mark(parseInt(String.fromCharCode(...held.slice(OPEN, OPEN + ID_DIGITS)), 16), openingOf(held) ?? 'end');
  }

  /** Forgets a half-seen mark (the guest was replaced). */
  reset(): void {
    this.held = [];
  }
}
