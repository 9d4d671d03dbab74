/**
 * `?embed=1#lesson=…`: a scenario on a slide or a course page. The fragment
 * is the one lesson links carry (web/lesson-link.ts: the scenario file,
 * deflated, base64url), so a teacher embeds what the Lesson tab's "Share this
 * lesson" gives. The view lists the steps; Run (or run=1 in the address) runs
 * them in order on a clean machine of the page's kernel, and each step's
 * answer is drawn by the lab's own result card. This module is a chunk of its
 * own, loaded only by such a page.
 */
import type { KernelId } from '../kernel-images/manifest.ts';
import { callText } from '../harness/calls/model.ts';
import type { CallRecord } from '../harness/calls/record.ts';
import type { Scenario } from '../harness/calls/scenario.ts';
import type { Machine } from '../harness/machine/machine.ts';
import { el } from './dom.ts';
import { readLessonFragment } from './lesson-link.ts';
import { clearResult, renderResult } from './result-card.ts';

/** What the page lends the view: its machine, one user at a time, as the tabs use it. */
export interface EmbedScenarioDeps {
  /** Resolves once the page's machine is up and free. */
  idle(): Promise<void>;
  /** Boots `kernel` as choosing it in the kernel list does (nothing when it runs already). */
  useKernel(kernel: KernelId): Promise<void>;
  machine(): Machine | null;
  isBusy(): boolean;
  busy(b: boolean): void;
  /** The page's kernel, for a scenario that names none. */
  kernel(): KernelId;
  /** History keeps the calls, as for the form's. */
  onResult(r: CallRecord): void;
  /** A create_module answer's line in /proc/modules, as the Call tab's card shows it. */
  procModulesLine(m: Machine, r: CallRecord): Promise<string | null>;
}

export class EmbedScenario {
  private readonly runButton = el('button', 'Run the scenario');
  private readonly status = el('p');
  private readonly cards: HTMLElement[] = [];
  private readonly title = el('h2', 'A scenario');
  private readonly list = el('ol');
  private scenario: Scenario | null = null;

  /** Draws the view in `host`: the steps of the scenario the fragment carries, or the one sentence saying why it cannot be used. */
  constructor(host: HTMLElement, private readonly deps: EmbedScenarioDeps) {
    this.runButton.id = 'embed-run';
    this.runButton.type = 'button';
    this.runButton.disabled = true;
    this.runButton.addEventListener('click', () => void this.run());
    this.status.id = 'embed-status';
    this.status.setAttribute('role', 'status');
    const section = el('section');
    section.id = 'embed-scenario';
    section.setAttribute('aria-labelledby', 'embed-title');
    this.title.id = 'embed-title';
    this.list.id = 'embed-steps';
    // Run above the steps: on a phone it shows without scrolling, however many steps there are.
    section.append(this.title, this.status, this.runButton, this.list);
    host.prepend(section);
  }

  /** Reads the scenario from the fragment; false (and the sentence shown) when the link cannot be used. */
  async load(hash: string): Promise<boolean> {
    const r = await readLessonFragment(hash);
    if (r === null) return false;
    if ('problem' in r) {
      this.status.textContent = r.problem;
      this.status.classList.add('error');
      return false;
    }
    const s = r.lesson.scenario;
    this.scenario = s;
    if (s.description) this.title.textContent = s.description;
    this.list.replaceChildren(
      ...s.steps.map((call, i) => {
        const card = el('article', undefined, 'result-card');
        card.hidden = true;
        this.cards.push(card);
        const line = el('p');
        line.append(el('code', callText(call)));
        const li = el('li');
        li.append(line);
        const note = s.annotations[i]?.note;
        if (note) li.append(el('p', note, 'hint'));
        li.append(card);
        return li;
      }),
    );
    this.status.textContent = this.waitingText();
    this.runButton.disabled = false;
    return true;
  }

  /** The scenario's own kernel, or null when it runs on whichever the page has. */
  get kernel(): KernelId | null {
    return this.scenario?.kernel ?? null;
  }

  private waitingText(): string {
    const s = this.scenario;
    if (!s) return '';
    const n = s.steps.length;
    return `${n} ${n === 1 ? 'step' : 'steps'} on Linux ${s.kernel ?? this.deps.kernel()}, in order, from a clean machine. Run shows the kernel's answer to each.`;
  }

  /** Every step in order on a clean machine of the scenario's kernel, each answer in its card as it comes. */
  async run(): Promise<void> {
    const s = this.scenario;
    if (!s || this.runButton.disabled) return;
    this.runButton.disabled = true;
    for (const card of this.cards) clearResult(card);
    this.status.classList.remove('error');
    this.status.textContent = 'Starting the machine…';
    let holding = false;
    try {
      if (s.kernel) await this.deps.useKernel(s.kernel);
      // The page's machine has one user at a time: wait for a turn, then take it.
      do await this.deps.idle();
      while (this.deps.isBusy());
      const m = this.deps.machine();
      if (!m) throw new Error("the page's machine did not start (the line above says why)");
      this.deps.busy(true);
      holding = true;
      await m.reset();
      const t0 = performance.now();
      for (const [i, call] of s.steps.entries()) {
        this.status.textContent = `Step ${i + 1} of ${s.steps.length}…`;
        // A step that crashed the kernel left a fresh machine behind (the machine recovers by itself); the next runs on it, as `modlab run` does.
        const record = await m.call(call);
        const card = this.cards[i];
        if (card) renderResult(card, record, await this.deps.procModulesLine(m, record));
        this.deps.onResult(record);
      }
      this.status.textContent = `Done: ${s.steps.length} ${s.steps.length === 1 ? 'step' : 'steps'} on Linux ${m.kernel.id} in ${Math.round(performance.now() - t0)} ms, from a clean machine.`;
      this.runButton.textContent = 'Run again';
    } catch (e) {
      this.status.textContent = `The scenario did not finish: ${e instanceof Error ? e.message : String(e)}.`;
      this.status.classList.add('error');
    } finally {
      if (holding) this.deps.busy(false);
      this.runButton.disabled = false;
    }
  }
}
