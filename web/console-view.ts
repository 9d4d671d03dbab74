/**
 * The guest console (ttyS0) in xterm.js: bytes in; keystrokes edited into a
 * line here (console-line.ts: the guest does not echo) and handed on whole.
 */
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { completions } from './console-command.ts';
import { LineEditor, PROMPT, storageHistory } from './console-line.ts';

/** How long typed input waits for the guest's prompt before the editor takes it anyway (a guest that never answers). */
const PROMPT_WAIT_MS = 10_000;

/**
 * OSC sequences the guest may not use: 0, 1 and 2 set the window and icon
 * title, 8 makes a hyperlink (xterm.js would offer to open it).
 */
export const SWALLOWED_OSC = [0, 1, 2, 8] as const;

export class ConsoleView {
  readonly term = new Terminal({
    convertEol: false,
    fontSize: 13,
    scrollback: 5000,
    theme: { background: '#000000' },
    // A second line of defence should an OSC 8 link get through: activating it does nothing, and only http(s) would count.
    linkHandler: { activate: () => undefined, allowNonHttpProtocols: false },
  });
  private readonly fit = new FitAddon();
  private pending: number[] = [];
  private scheduled = false;
  private readonly editor = new LineEditor(completions, storageHistory(() => localStorage));
  /** Editing, or waiting for the answer to the line entered (what is typed meanwhile is held, not lost). */
  private waiting = true;
  private held = '';
  private waitTimer: ReturnType<typeof setTimeout> | undefined;
  /** The guest's last bytes, to see its prompt arrive. */
  private tail = '';

  /** `onLine` gets each line entered; the console waits until `ready` or the guest's prompt. */
  constructor(container: HTMLElement, private readonly onLine: (line: string) => void) {
    const fit = this.fit;
    this.term.loadAddon(fit);
    this.term.open(container);
    fit.fit();
    new ResizeObserver(() => fit.fit()).observe(container);
    this.term.onData((data) => this.input(data));
    // Guest output is text, never an action on the page. The sequences are
    // consumed in the parser rather than stripped from the bytes because they
    // arrive a byte at a time, split across writes. `true` = handled: the
    // built-in handlers (links, title) never see them.
    for (const ident of SWALLOWED_OSC) this.term.parser.registerOscHandler(ident, () => true);
    // Tab completes a word at the cursor that completes further (cre → create_module);
    // anywhere else (an empty line, after a space, nothing to add) Tab and
    // Shift+Tab move the focus on, as everywhere on the page, so a keyboard
    // user can always leave the console (each completing Tab lengthens the
    // line, the last adds a space). `false` = xterm leaves the key alone.
    this.term.attachCustomKeyEventHandler((e) => {
      if (e.key !== 'Tab') return true;
      if (e.type === 'keydown' && !e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey && !this.waiting && this.editor.canComplete()) {
        e.preventDefault();
        this.input('\t');
      }
      return false;
    });
    this.wait();
  }

  /** Larger type for a room (web/text-size.ts); the rows and columns are fitted to the pane again. */
  setFontSize(px: number): void {
    if (this.term.options.fontSize === px) return;
    this.term.options.fontSize = px;
    this.fit.fit();
  }

  /** Bytes arrive one by one from v86; they are written once per frame. */
  byte(b: number): void {
    this.pending.push(b);
    this.tail = (this.tail + String.fromCharCode(b)).slice(-PROMPT.length);
    // The guest's prompt: the line entered is answered, or the machine is (again) up.
    if (this.tail === PROMPT) this.ready();
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.pending.length) this.term.write(Uint8Array.from(this.pending));
    this.pending = [];
  }

  /** Keystrokes: edited while the console is ready, else held until it is. */
  private input(data: string): void {
    if (this.waiting) {
      this.held += data;
      return;
    }
    const r = this.editor.feed(data);
    if (r.echo) this.term.write(r.echo);
    if (r.line === undefined) return;
    this.held = r.rest;
    this.wait();
    this.onLine(r.line);
  }

  private wait(): void {
    this.waiting = true;
    clearTimeout(this.waitTimer);
    this.waitTimer = setTimeout(() => this.ready(), PROMPT_WAIT_MS);
  }

  /**
   * The console takes input again, from where the terminal's cursor is once
   * everything written so far is drawn; a line being typed is drawn again
   * there, and what was typed meanwhile is read.
   */
  ready(): void {
    clearTimeout(this.waitTimer);
    this.flush();
    this.term.write('', () => {
      const again = this.editor.restart(this.term.buffer.active.cursorX, this.term.cols);
      if (again) this.term.write(again);
      this.waiting = false;
      const held = this.held;
      this.held = '';
      if (held) this.input(held);
    });
  }

  /** One line from the page in answer to a line entered (a call's result, a usage); the prompt comes after it. */
  answer(text: string): void {
    this.flush();
    this.term.write(`${text.replace(/\r?\n/g, '\r\n')}\r\n`);
  }

  /** A line from modlab itself, after whatever the guest has printed so far. */
  note(text: string): void {
    this.flush();
    this.term.write(`\r\n\x1b[36m[modlab] ${text}\x1b[0m\r\n`);
  }
}
