/** The guest console (ttyS0) in xterm.js: bytes in, keystrokes out. */
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';

export class ConsoleView {
  readonly term = new Terminal({ convertEol: false, fontSize: 13, scrollback: 5000, theme: { background: '#000000' } });
  private pending: number[] = [];
  private scheduled = false;

  constructor(container: HTMLElement, onInput: (data: string) => void) {
    const fit = new FitAddon();
    this.term.loadAddon(fit);
    this.term.open(container);
    fit.fit();
    new ResizeObserver(() => fit.fit()).observe(container);
    this.term.onData(onInput);
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
