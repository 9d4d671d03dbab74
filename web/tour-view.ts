/**
 * The Tour tab: the man page's errors one step at a time on the page's own
 * machine, which is reset first so that step 0 meets a clean kernel. Each
 * result is drawn beside what the man page says for that step.
 */
import { verdict } from '../harness/reports/compare.ts';
import { VERDICT_WORDS } from '../harness/reports/matrix.ts';
import type { Machine } from '../harness/machine/machine.ts';
import type { Scenario } from '../harness/calls/scenario.ts';
import { callText } from '../harness/calls/model.ts';
import type { CallRecord } from '../harness/calls/record.ts';
import { renderResult } from './result-card.ts';
import { $ } from './dom.ts';


export interface TourDeps {
  machine: () => Machine | null;
  /** Serialises use of the page's machine with the Call tab. */
  busy: (b: boolean) => void;
  isBusy: () => boolean;
  onResult: (r: CallRecord) => void;
}

export class TourView {
  private step = 0;
  /** Steps run since the last reset, in order: a step may depend on the ones before it. */
  private ranUpTo = -1;

  constructor(
    private readonly tour: Scenario,
    private readonly deps: TourDeps,
  ) {
    $('tour-prev').addEventListener('click', () => this.show(this.step - 1));
    $('tour-next').addEventListener('click', () => this.show(this.step + 1));
    $('tour-run').addEventListener('click', () => void this.run());
    $('tour-restart').addEventListener('click', () => {
      this.ranUpTo = -1;
      this.show(0);
    });
    this.show(0);
  }

  private show(i: number): void {
    this.step = Math.max(0, Math.min(this.tour.steps.length - 1, i));
    const call = this.tour.steps[this.step];
    const a = this.tour.annotations[this.step];
    if (!call || !a) return;
    $('tour-position').textContent = `Step ${this.step + 1} of ${this.tour.steps.length}`;
    $('tour-claim').textContent = a.manPage ? (a.manPage.errno ?? 'success: an address') : 'not in the man page';
    $('tour-says').textContent = a.manPage ? `“${a.manPage.says}”` : 'The man page lists nothing for this case; here is what the kernel does.';
    $('tour-note').textContent = a.note ?? '';
    $('tour-call').textContent = callText(call);
    $('tour-verdict').textContent = '';
    $<HTMLElement>('tour-result').hidden = true;
    $<HTMLButtonElement>('tour-prev').disabled = this.step === 0;
    $<HTMLButtonElement>('tour-next').disabled = this.step === this.tour.steps.length - 1;
  }

  private async run(): Promise<void> {
    const m = this.deps.machine();
    if (!m || this.deps.isBusy()) return;
    this.deps.busy(true);
    try {
      // Start clean, and replay the steps this one builds on (EEXIST needs the module from step 0).
      if (this.ranUpTo < 0 || this.step <= this.ranUpTo) {
        await m.reset();
        this.ranUpTo = -1;
      }
      let record: CallRecord | null = null;
      for (let i = this.ranUpTo + 1; i <= this.step; i++) {
        const call = this.tour.steps[i];
        if (!call) break;
        record = await m.call(call);
        this.deps.onResult(record);
      }
      this.ranUpTo = this.step;
      if (!record) return;
      renderResult($('tour-result'), record, null);
      const claim = this.tour.annotations[this.step]?.manPage ?? null;
      const v = verdict(claim, record.kernel, record);
      $('tour-verdict').textContent = `${callText(record.call)}: ${VERDICT_WORDS[v]}.`;
      $('tour-verdict').dataset['verdict'] = v;
    } finally {
      this.deps.busy(false);
    }
  }
}
