/**
 * The console's line editor: the page edits and echoes the line (the guest's
 * tty echo is off) and hands whole lines on. Pure: it takes the terminal's
 * keystroke data and returns the bytes to draw and the line entered, so Node
 * tests drive it without a terminal.
 */

/** The guest shell's prompt (guest/agent.c): printed again after a list of completions. */
export const PROMPT = 'modlab# ';
/** Lines kept for ↑ / ↓. */
export const HISTORY_MAX = 200;

/** What a word at the cursor completes to: the word starts at `from`; `candidates` are whole words. */
export interface Completions {
  from: number;
  candidates: readonly string[];
}

export type Completer = (before: string) => Completions;

/** One keystroke as the editor understands it. */
export type Action = 'enter' | 'backspace' | 'delete' | 'left' | 'right' | 'home' | 'end' | 'up' | 'down' | 'kill' | 'cancel' | 'complete' | 'list' | 'ignore';
export type Key = { kind: 'text'; text: string } | { kind: Action };

const CSI_KEYS: Readonly<Record<string, Action>> = {
  A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end',
  '1~': 'home', '7~': 'home', '4~': 'end', '8~': 'end', '3~': 'delete',
};
const CONTROL_KEYS: Readonly<Record<string, Action>> = {
  '\r': 'enter', '\n': 'enter', '\x7f': 'backspace', '\b': 'backspace',
  '\x01': 'home', '\x05': 'end', '\x02': 'left', '\x06': 'right', '\x10': 'up', '\x0e': 'down',
  '\x15': 'kill', '\x03': 'cancel', '\t': 'complete', '\x00': 'list',
};

/** CSI (ESC [ params final) or SS3 (ESC O final), as xterm sends cursor keys; a lone ESC matches alone and is ignored. */
// eslint-disable-next-line no-control-regex -- reading escape sequences is the point
const ESCAPE = /^\x1b(?:\[([0-9;]*)([~A-Za-z])|O([A-Za-z]))?/;

/** Splits terminal input (xterm.js onData) into keys; a run of printable characters is one key. */
export function parseKeys(data: string): Key[] {
  const keys: Key[] = [];
  let i = 0;
  while (i < data.length) {
    const c = data[i] as string;
    if (c === '\x1b') {
      const m = ESCAPE.exec(data.slice(i)) as RegExpExecArray;
      const code = m[3] ?? (m[2] === '~' ? `${(m[1] ?? '').split(';')[0] ?? ''}~` : m[2]);
      keys.push({ kind: (code !== undefined && CSI_KEYS[code]) || 'ignore' });
      i += m[0].length;
      continue;
    }
    const control = CONTROL_KEYS[c];
    if (control) {
      keys.push({ kind: control });
      i++;
      continue;
    }
    if (c < ' ') {
      keys.push({ kind: 'ignore' });
      i++;
      continue;
    }
    let j = i;
    while (j < data.length && (data[j] as string) >= ' ' && data[j] !== '\x7f') j++;
    keys.push({ kind: 'text', text: data.slice(i, j) });
    i = j;
  }
  return keys;
}

/** What one feed did: bytes for the terminal, and the line entered (then `rest` is the input after its Enter, not yet read). */
export interface FeedResult {
  echo: string;
  line?: string;
  rest: string;
}

/** Where the history lives between visits; null when the browser refuses storage. */
export interface HistoryStore {
  load(): string[];
  save(lines: readonly string[]): void;
}

/** localStorage, or nothing when the browser blocks or fills it: the history is then kept for the page only. */
export function storageHistory(storage: () => Pick<Storage, 'getItem' | 'setItem'>, key = 'modlab.console-history'): HistoryStore {
  return {
    load() {
      try {
        const raw: unknown = JSON.parse(storage().getItem(key) ?? '[]');
        return Array.isArray(raw) ? raw.filter((l): l is string => typeof l === 'string').slice(-HISTORY_MAX) : [];
      } catch {
        return [];
      }
    },
    save(lines) {
      try {
        storage().setItem(key, JSON.stringify(lines));
      } catch {
        // Refused or full: the page keeps its own copy.
      }
    },
  };
}

/** The longest start all the words share. */
function commonStart(words: readonly string[]): string {
  let common = words[0] ?? '';
  for (const w of words) while (!w.startsWith(common)) common = common.slice(0, -1);
  return common;
}

export class LineEditor {
  text = '';
  cursor = 0;
  /** The terminal's column where the line starts (after the prompt), and its width. */
  startCol = 0;
  cols = 80;
  /** What the row holds before the line (the guest's prompt), drawn again after output put above the line. */
  prompt = '';
  private readonly history: string[];
  /** ↑ / ↓: the entry shown (history.length = the line being typed), and that line kept aside. */
  private shown: number;
  private draft = '';

  constructor(
    private readonly completer: Completer,
    private readonly store: HistoryStore | null = null,
  ) {
    this.history = store?.load() ?? [];
    this.shown = this.history.length;
  }

  /** The lines entered so far, oldest first. */
  lines(): readonly string[] {
    return this.history;
  }

  /**
   * The line starts again at this column (after a prompt, the cursor
   * there; `prompt` is what the row holds before it): returns what draws the
   * line being typed, if any, once more.
   */
  restart(startCol: number, cols: number, prompt = ''): string {
    this.startCol = startCol;
    this.cols = Math.max(1, cols);
    this.prompt = prompt;
    return this.text ? this.draw(this.text, this.cursor) : '';
  }

  /**
   * Output arrives while the line is on screen, as readline does it: this
   * takes the prompt and the line off (the cursor to the prompt's first
   * column, the rest of the screen cleared) so the output is drawn where
   * they were; `show` draws them again below it.
   */
  hide(): string {
    return `${this.moveTo(this.cursor, 0)}\r\x1b[J`;
  }

  /** After `hide` and the output (which ends a row): the prompt, the line and the cursor where it was in it. */
  show(): string {
    this.startCol = this.prompt.length % this.cols;
    // From the row's first column, even after output that ended with a bare line feed.
    return `\r${this.prompt}${this.draw(this.text, this.cursor)}`;
  }

  /** Reads keys up to and including the first Enter. */
  feed(data: string): FeedResult {
    let echo = '';
    const keys = parseKeys(data);
    let consumed = 0;
    for (const key of keys) {
      consumed += keyLength(data.slice(consumed), key);
      if (key.kind === 'enter' || key.kind === 'cancel') {
        const line = key.kind === 'enter' ? this.text : '';
        echo += this.moveTo(this.cursor, this.text.length) + (key.kind === 'cancel' ? '^C' : '') + '\r\n';
        if (key.kind === 'enter') this.remember(line);
        this.text = '';
        this.cursor = 0;
        this.shown = this.history.length;
        return { echo, line, rest: data.slice(consumed) };
      }
      echo += this.apply(key);
    }
    return { echo, rest: '' };
  }

  /** Whether Tab would change the line: a word at the cursor that completes further. Otherwise Tab leaves the console. */
  canComplete(): boolean {
    return this.completion() !== null;
  }

  private completion(): { from: number; insert: string } | null {
    const before = this.text.slice(0, this.cursor);
    if (before === '' || /\s$/.test(before) || /^\S/.test(this.text.slice(this.cursor))) return null;
    const { from, candidates } = this.completer(before);
    const word = before.slice(from);
    const fitting = [...new Set(candidates.filter((c) => c.startsWith(word)))];
    if (fitting.length === 0) return null;
    const common = commonStart(fitting);
    // A word completed whole gets its space, so the next Tab (on a space) leaves the console.
    if (fitting.length === 1) return { from, insert: `${common.slice(word.length)} ` };
    return common.length > word.length ? { from, insert: common.slice(word.length) } : null;
  }

  private apply(key: Key): string {
    const t = this.text;
    const c = this.cursor;
    switch (key.kind) {
      case 'text':
        return this.edit(t.slice(0, c) + key.text + t.slice(c), c + key.text.length);
      case 'backspace':
        return c === 0 ? '' : this.edit(t.slice(0, c - 1) + t.slice(c), c - 1);
      case 'delete':
        return c === t.length ? '' : this.edit(t.slice(0, c) + t.slice(c + 1), c);
      case 'left':
        return this.place(Math.max(0, c - 1));
      case 'right':
        return this.place(Math.min(t.length, c + 1));
      case 'home':
        return this.place(0);
      case 'end':
        return this.place(t.length);
      case 'kill':
        return this.edit('', 0);
      case 'up':
      case 'down':
        return this.recall(key.kind === 'up' ? -1 : 1);
      case 'complete':
      case 'list': {
        const done = this.completion();
        if (done) return this.edit(t.slice(0, c) + done.insert + t.slice(c), c + done.insert.length);
        return key.kind === 'list' ? this.list() : '';
      }
      default:
        return '';
    }
  }

  /** Ctrl+Space where a word has several endings: they are listed, then the prompt and the line again. */
  private list(): string {
    const before = this.text.slice(0, this.cursor);
    if (/\s$/.test(before) && before !== '') return '';
    const { from, candidates } = this.completer(before);
    const word = before.slice(from);
    const fitting = [...new Set(candidates.filter((c) => c.startsWith(word)))];
    if (fitting.length < 2) return '';
    const out = `${this.moveTo(this.cursor, this.text.length)}\r\n${fitting.join('  ')}\r\n${PROMPT}`;
    this.startCol = PROMPT.length % this.cols;
    return out + this.draw(this.text, this.cursor);
  }

  private recall(step: number): string {
    const next = this.shown + step;
    if (next < 0 || next > this.history.length) return '';
    if (this.shown === this.history.length) this.draft = this.text;
    this.shown = next;
    const text = next === this.history.length ? this.draft : (this.history[next] as string);
    return this.edit(text, text.length);
  }

  private remember(line: string): void {
    if (line.trim() !== '' && this.history.at(-1) !== line) this.history.push(line);
    if (this.history.length > HISTORY_MAX) this.history.splice(0, this.history.length - HISTORY_MAX);
    this.store?.save(this.history);
  }

  /** The line becomes `text` with the cursor at `cursor`; returns what redraws it. */
  private edit(text: string, cursor: number): string {
    const old = this.text;
    const from = this.cursor;
    this.text = text;
    this.cursor = cursor;
    // Typing at the end of the line: only the new characters.
    if (from === old.length && text.startsWith(old) && cursor === text.length) return text.slice(old.length) + this.wrapFix(text.length);
    return this.moveTo(from, 0) + this.draw(text, cursor);
  }

  /** Writes the line from its start (the cursor there), clears what is left of the old one and puts the cursor at `cursor`. */
  private draw(text: string, cursor: number): string {
    return `${text}${this.wrapFix(text.length)}\x1b[J${this.moveTo(text.length, cursor)}`;
  }

  private place(cursor: number): string {
    const out = this.moveTo(this.cursor, cursor);
    this.cursor = cursor;
    return out;
  }

  /**
   * A terminal that has just filled its last column keeps the cursor there
   * until the next character; a space and a carriage return put it on the
   * next row, where moveTo expects it.
   */
  private wrapFix(end: number): string {
    return end > 0 && (this.startCol + end) % this.cols === 0 ? ' \r' : '';
  }

  /** Cursor movement from one offset in the line to another, across wrapped rows. */
  private moveTo(from: number, to: number): string {
    if (from === to) return '';
    const rowOf = (p: number): number => Math.floor((this.startCol + p) / this.cols);
    const col = (this.startCol + to) % this.cols;
    const rows = rowOf(to) - rowOf(from);
    const vertical = rows < 0 ? `\x1b[${-rows}A` : rows > 0 ? `\x1b[${rows}B` : '';
    return `${vertical}\x1b[${col + 1}G`;
  }
}

/** How many characters of `data` (from its start) the key took. */
function keyLength(data: string, key: Key): number {
  if (key.kind === 'text') return key.text.length;
  if (data[0] !== '\x1b') return 1;
  return (ESCAPE.exec(data) as RegExpExecArray)[0].length;
}
