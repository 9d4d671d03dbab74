/**
 * The guest console (ttyS0) in xterm.js: bytes in; keystrokes edited into a
 * line here (console-line.ts: the guest does not echo) and handed on whole.
 * Output that comes while a line is being typed is drawn above the prompt,
 * as a shell with readline does; the boot log folds to one line above the
 * terminal (boot-log-fold.ts), the terminal drawn again without it.
 */
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { BootLogFold } from './boot-log-fold.ts';
import { bootLogSummary, markHarmless } from './boot-notes.ts';
import { completions } from './console-command.ts';
import { LineEditor, PROMPT, storageHistory } from './console-line.ts';
import { ConsoleTranscript } from './console-transcript.ts';

/** How long typed input waits for the guest's prompt before the editor takes it anyway (a guest that never answers). */
const PROMPT_WAIT_MS = 10_000;
/** How long the start of a line the guest has not ended waits, while a line is typed, before it is drawn anyway. */
const PARTIAL_WAIT_MS = 200;
const LF = 0x0a;
/** A full reset (RIS) in the terminal's input, so it comes after what is still queued to be drawn (Terminal.reset() would act at once, before it). */
const RESET = '\x1bc';
/**
 * A clean screen without RIS, which in xterm.js also re-applies the options
 * and rewrites the renderer's stylesheet (25–60 ms of the page's thread here):
 * the normal buffer, a soft reset (DECSTR: modes, attributes, charsets,
 * margins), the cursor home, the screen and the scrollback erased. For the
 * redraw that ends a boot, right when the machine is ready.
 */
const CLEAR = '\x1b[?1049l\x1b[!p\x1b[H\x1b[2J\x1b[3J';

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
  private partialTimer: ReturnType<typeof setTimeout> | undefined;
  /** All drawn since the boot began, to draw it again with the boot log folded or shown. */
  private readonly transcript = new ConsoleTranscript();
  private readonly fold: BootLogFold;
  /** Whether anything was written since the terminal was new or last reset: a terminal with nothing drawn needs no reset. */
  private drawn = false;

  /** `onLine` gets each line entered; the console waits until `ready` or the guest's prompt. */
  constructor(container: HTMLElement, private readonly onLine: (line: string) => void) {
    this.fold = new BootLogFold(container, () => this.redraw(true));
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

  /**
   * The guest's bytes so far onto the terminal. While a line is being typed
   * they go above it: the prompt and line are taken off, the output drawn,
   * the prompt and line drawn again below; a line the guest has not ended
   * yet waits a little for its end (`all`: everything now, and the caller
   * draws the line again, after a fresh prompt).
   */
  private flush(all = false): void {
    this.scheduled = false;
    clearTimeout(this.partialTimer);
    if (!this.pending.length) return;
    const bytes = Uint8Array.from(this.pending);
    if (this.waiting) {
      this.pending = [];
      this.guestOut(bytes);
      return;
    }
    const cut = all ? bytes.length : bytes.lastIndexOf(LF) + 1;
    this.pending = [...bytes.subarray(cut)];
    if (cut > 0) {
      this.out(this.editor.hide());
      this.guestOut(bytes.subarray(0, cut));
      if (!all) this.out(this.editor.show());
    }
    if (this.pending.length) this.partialTimer = setTimeout(() => this.above(''), PARTIAL_WAIT_MS);
  }

  /** Text from the page (a note; a partial guest line with `''`) above the line being typed, with the guest's pending bytes before it. */
  private above(text: string): void {
    this.scheduled = false;
    clearTimeout(this.partialTimer);
    const bytes = Uint8Array.from(this.pending);
    this.pending = [];
    if (this.waiting) {
      if (bytes.length) this.guestOut(bytes);
      this.out(text);
      return;
    }
    this.out(this.editor.hide());
    if (bytes.length) this.guestOut(bytes);
    const endsRow = bytes.length === 0 || bytes[bytes.length - 1] === LF;
    // After the hide the cursor starts a row: a note's leading line break would leave an empty one.
    const body = endsRow ? text.replace(/^\r\n/, '') : text;
    this.out(endsRow && body === '' ? '' : body.endsWith('\n') ? body : `${body}\r\n`);
    this.out(this.editor.show());
  }

  private guestOut(bytes: Uint8Array): void {
    this.transcript.guest(bytes);
    this.write(bytes);
  }

  private write(data: string | Uint8Array): void {
    if (data.length) this.drawn = true;
    this.term.write(data);
  }

  /** Everything the page itself draws goes through here, so it is drawn again with the boot log folded or shown. */
  private out(text: string): void {
    if (!text) return;
    this.transcript.rest(text);
    this.write(text);
  }

  /** A machine starts booting: a clear terminal, input held until its prompt (endBoot lets the wait for it end). */
  beginBoot(): void {
    this.flush();
    clearTimeout(this.waitTimer);
    this.waiting = true;
    this.pending = [];
    this.tail = '';
    // The page's first boot finds the terminal as new: a reset would only cost time.
    if (this.drawn) this.term.write(RESET);
    this.drawn = false;
    this.transcript.beginBoot();
    this.fold.summarize(null);
  }

  /**
   * The boot is over: with a release, it succeeded and its log folds to one
   * line (or stays shown, greyed where harmless, as the reader chose); a
   * boot that failed keeps its log as printed, for what went wrong.
   */
  endBoot(release: string | null): void {
    this.flush();
    this.transcript.endBoot();
    if (this.waiting) this.wait();
    if (release === null || !this.transcript.hasBootLog()) return;
    this.fold.summarize(bootLogSummary(release, this.transcript.bootLog()));
    this.redraw(false);
  }

  /**
   * The terminal drawn again from the transcript, the boot log folded or
   * shown; shown at the reader's request: from its top. At the end of a boot
   * the screen is cleared without RIS (CLEAR): the boot log is the kernel's
   * console only; a toggle later, after whatever the guest printed since,
   * takes the full reset.
   */
  private redraw(asked: boolean): void {
    if (this.waiting) this.flush();
    else if (this.pending.length) this.above('');
    this.term.write(asked ? RESET : CLEAR);
    for (const chunk of this.transcript.render(this.fold.shown, markHarmless)) this.write(chunk);
    if (asked && this.fold.shown) this.term.write('', () => this.term.scrollToTop());
  }

  /** Keystrokes: edited while the console is ready, else held until it is. */
  private input(data: string): void {
    if (this.waiting) {
      this.held += data;
      return;
    }
    const r = this.editor.feed(data);
    this.out(r.echo);
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
    this.flush(true);
    // Until the line is drawn after the prompt, keystrokes are held and output is not drawn around the line.
    this.waiting = true;
    this.term.write('', () => {
      const buffer = this.term.buffer.active;
      const prompt = buffer.getLine(buffer.baseY + buffer.cursorY)?.translateToString(false, 0, buffer.cursorX) ?? '';
      this.out(this.editor.restart(buffer.cursorX, this.term.cols, prompt));
      this.waiting = false;
      const held = this.held;
      this.held = '';
      if (held) this.input(held);
    });
  }

  /** One line from the page in answer to a line entered (a call's result, a usage); the prompt comes after it. */
  answer(text: string): void {
    this.above(`${text.replace(/\r?\n/g, '\r\n')}\r\n`);
  }

  /** A line from modlab itself, after whatever the guest has printed so far (above a line being typed). */
  note(text: string): void {
    this.above(`\r\n\x1b[36m[modlab] ${text}\x1b[0m\r\n`);
  }
}
