/** The guest console (ttyS0) in xterm.js: bytes in, keystrokes out. */
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';

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
  private pending: number[] = [];
  private scheduled = false;

  constructor(container: HTMLElement, onInput: (data: string) => void) {
    const fit = new FitAddon();
    this.term.loadAddon(fit);
    this.term.open(container);
    fit.fit();
    new ResizeObserver(() => fit.fit()).observe(container);
    this.term.onData(onInput);
    // Guest output is text, never an action on the page. The sequences are
    // consumed in the parser rather than stripped from the bytes because they
    // arrive a byte at a time, split across writes. `true` = handled: the
    // built-in handlers (links, title) never see them.
    for (const ident of SWALLOWED_OSC) this.term.parser.registerOscHandler(ident, () => true);
    // Tab and Shift+Tab move the focus on, as everywhere else on the page: a
    // keyboard user must be able to leave the console (the guest's shell has
    // no use for Tab). `false` = xterm leaves the key to the browser.
    this.term.attachCustomKeyEventHandler((e) => e.key !== 'Tab');
  }

  /** Bytes arrive one by one from v86; they are written once per frame. */
  byte(b: number): void {
    this.pending.push(b);
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.pending.length) this.term.write(Uint8Array.from(this.pending));
    this.pending = [];
  }

  /** A line from modlab itself, after whatever the guest has printed so far. */
  note(text: string): void {
    this.flush();
    this.term.write(`\r\n\x1b[36m[modlab] ${text}\x1b[0m\r\n`);
  }
}
