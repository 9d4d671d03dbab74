/**
 * The button above the console that folds the boot log to one line and
 * unfolds it (a real button: Enter and Space work, and a screen reader hears
 * whether it is expanded). The reader's choice is kept for the next boot and
 * visit where the page may store; folded is the default.
 */
import { pageStorage } from './code-store.ts';

const KEY = 'modlab.boot-log';
const SHOWN = 'shown';

export class BootLogFold {
  readonly button: HTMLButtonElement;
  private readonly arrow: HTMLSpanElement;
  private readonly label: HTMLSpanElement;
  private readonly action: HTMLSpanElement;
  private shownNow: boolean;

  /** Placed before `terminal`; `onToggle` draws the console again (the reader asked: true). */
  constructor(terminal: HTMLElement, private readonly onToggle: () => void) {
    const doc = terminal.ownerDocument;
    this.button = doc.createElement('button');
    this.button.type = 'button';
    this.button.id = 'boot-log';
    this.button.className = 'boot-log';
    this.button.hidden = true;
    this.button.setAttribute('aria-controls', terminal.id);
    this.arrow = doc.createElement('span');
    this.arrow.setAttribute('aria-hidden', 'true');
    this.label = doc.createElement('span');
    this.action = doc.createElement('span');
    this.action.className = 'boot-log-action';
    this.button.append(this.arrow, this.label, ' — ', this.action);
    terminal.before(this.button);
    this.shownNow = read() === SHOWN;
    this.sync();
    this.button.addEventListener('click', () => {
      this.shownNow = !this.shownNow;
      write(this.shownNow ? SHOWN : 'folded');
      this.sync();
      this.onToggle();
    });
  }

  /** Whether the boot log is to be drawn. */
  get shown(): boolean {
    return this.shownNow;
  }

  /** The folded line's words, or null while there is no boot log to fold (booting, or none printed). */
  summarize(summary: string | null): void {
    this.button.hidden = summary === null;
    this.label.textContent = summary ?? '';
  }

  private sync(): void {
    this.button.setAttribute('aria-expanded', String(this.shownNow));
    this.arrow.textContent = this.shownNow ? '▾ ' : '▸ ';
    this.action.textContent = this.shownNow ? 'hide' : 'show';
  }
}

function read(): string | null {
  try {
    return pageStorage()?.getItem(KEY) ?? null;
  } catch {
    // Storage refused: folded, and the choice lasts for the page.
    return null;
  }
}

function write(value: string): void {
  try {
    pageStorage()?.setItem(KEY, value);
  } catch {
    // As above.
  }
}
