/**
 * Text size for a room (A− / A+ in the header): the console's font and the
 * answer cards grow together, and the choice is kept where the page may
 * store. Presenting (web/presenter.ts) multiplies it again.
 */
import { pageStorage } from './code-store.ts';

/** The steps A− and A+ move through; 1 is the page as designed. */
export const SCALES = [0.85, 1, 1.15, 1.3, 1.5, 1.75, 2, 2.5] as const;
const DEFAULT_STEP = 1;
/** xterm.js's size at scale 1 (web/console-view.ts starts there). */
const CONSOLE_PX = 13;
/** How much larger everything is while presenting. */
const PRESENTING = 1.5;
const KEY = 'modlab.textScale';

/** The step a saved value names, or the default for anything else (an old or hand-edited value). */
export function savedStep(saved: string | null): number {
  const i = SCALES.findIndex((s) => String(s) === saved);
  return i >= 0 ? i : DEFAULT_STEP;
}

/** One step smaller or larger, stopping at either end. */
export function nextStep(step: number, delta: -1 | 1): number {
  return Math.min(SCALES.length - 1, Math.max(0, step + delta));
}

/** The console's font size in pixels for a step, presenting or not. */
export function consolePx(step: number, presenting: boolean): number {
  return Math.round(CONSOLE_PX * (SCALES[step] ?? 1) * (presenting ? PRESENTING : 1));
}

export class TextSize {
  private step: number;
  private presenting = false;

  constructor(
    private readonly buttons: { smaller: HTMLButtonElement; larger: HTMLButtonElement },
    private readonly setConsolePx: (px: number) => void,
  ) {
    let saved: string | null = null;
    try {
      saved = pageStorage()?.getItem(KEY) ?? null;
    } catch {
      // Storage refused: the page starts at the usual size.
    }
    this.step = savedStep(saved);
    buttons.smaller.addEventListener('click', () => this.change(-1));
    buttons.larger.addEventListener('click', () => this.change(1));
    this.apply();
  }

  setPresenting(on: boolean): void {
    this.presenting = on;
    this.apply();
  }

  private change(delta: -1 | 1): void {
    this.step = nextStep(this.step, delta);
    this.apply();
    try {
      pageStorage()?.setItem(KEY, String(SCALES[this.step]));
    } catch {
      // Applied for this page, not kept.
    }
  }

  private apply(): void {
    const scale = (SCALES[this.step] ?? 1) * (this.presenting ? PRESENTING : 1);
    document.documentElement.style.setProperty('--text-scale', String(scale));
    document.documentElement.dataset['textScale'] = String(SCALES[this.step]);
    this.buttons.smaller.disabled = this.step === 0;
    this.buttons.larger.disabled = this.step === SCALES.length - 1;
    this.setConsolePx(consolePx(this.step, this.presenting));
  }
}
