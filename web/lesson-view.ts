/**
 * The Lesson tab: predict, then run. Each step shows its call, asks the
 * student which answer they expect (a radio group made from the call's man
 * page, web/lesson.ts), and only then runs it on the page's own machine —
 * reset first and the earlier steps replayed, as the Tour tab does — and
 * shows the kernel's answer, right or wrong, the man page's words for it
 * and the score. Lessons ship with the lab (scenarios/lessons/), or come
 * from a teacher's file or link (#lesson=…). This tab is a chunk of its
 * own, loaded when first opened.
 */
import tourLessonText from '../scenarios/lessons/man-page-tour.json?raw';
import moduleLessonText from '../scenarios/lessons/module-by-hand.json?raw';
import { callText } from '../harness/calls/model.ts';
import type { CallRecord } from '../harness/calls/record.ts';
import type { Machine } from '../harness/machine/machine.ts';
import { verdict } from '../harness/reports/compare.ts';
import { VERDICT_WORDS } from '../harness/reports/matrix.ts';
import { $, el } from './dom.ts';
import { callInWords, choicesFor, grade, MAX_LESSON_BYTES, readLesson, replayPlan, revealText, score, scoreText, type Lesson } from './lesson.ts';
import { lessonFragment, readLessonFragment } from './lesson-link.ts';
import { EMBED_PARAM } from './embed.ts';
import { clearResult, renderResult } from './result-card.ts';

export interface LessonDeps {
  machine: () => Machine | null;
  busy: (b: boolean) => void;
  isBusy: () => boolean;
  onResult: (r: CallRecord) => void;
  /** The kernel the page runs, for a share link when the lesson names none. */
  kernel: () => string;
}

/** The lessons the lab ships, by the value of their entry in the list. */
const SHIPPED: ReadonlyArray<{ id: string; label: string; text: string; file: string }> = [
  { id: 'man-page-tour', label: 'The man page’s errors (create_module)', text: tourLessonText, file: 'scenarios/lessons/man-page-tour.json' },
  { id: 'module-by-hand', label: 'A module’s life, by hand (2.4 kernels)', text: moduleLessonText, file: 'scenarios/lessons/module-by-hand.json' },
];
/** The list's entry for a lesson from a file or a link. */
const OWN = 'own';
const DEFAULT_QUESTION = 'What will the kernel answer?';

interface Answered {
  choice: string;
  record: CallRecord;
  right: boolean;
}

/** Builds an element with attributes and children; text always goes in as text. */
function node<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string>, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

export class LessonView {
  private lesson: Lesson;
  private step = 0;
  private readonly answers = new Map<number, Answered>();
  /** The last step run on the machine as it now is (-1: nothing known), and which machine that was. */
  private ranUpTo = -1;
  private ranOn: { machine: Machine; generation: number } | null = null;
  /** Steps whose run crashed the kernel: each left a clean machine behind, so a replay starts after it. */
  private readonly crashed = new Set<number>();

  constructor(private readonly deps: LessonDeps) {
    this.build();
    const first = SHIPPED[0];
    const read = first ? readLesson(first.text, first.file) : { problem: 'No lesson ships with this build.' };
    if ('problem' in read) throw new Error(read.problem);
    this.lesson = read.lesson;
    this.load(read.lesson);
  }

  /** The panel's controls, made once; each step only changes their text and state. */
  private build(): void {
    const pick = node('select', { id: 'lesson-pick' });
    for (const s of SHIPPED) pick.append(new Option(s.label, s.id));
    const file = node('input', { id: 'lesson-file', type: 'file', accept: '.json,application/json', hidden: '' });
    const choices = node('fieldset', { id: 'lesson-choices' }, node('legend', { id: 'lesson-question' }));
    const form = node(
      'form',
      { id: 'lesson-form', novalidate: '' },
      choices,
      node('div', { class: 'row wrap' },
        node('button', { id: 'lesson-run', type: 'submit', disabled: '' }, 'Run'),
        node('button', { id: 'lesson-hint-toggle', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'lesson-hint' }, 'Show a hint'),
      ),
      node('p', { id: 'lesson-hint', class: 'hint', hidden: '' }),
    );
    $('view-lesson').replaceChildren(
      node('p', { class: 'hint' }, 'Predict, then run: pick the answer you expect, then the running kernel answers, and the man page explains.'),
      node('div', { class: 'row wrap' },
        node('label', { class: 'inline' }, 'Lesson ', pick),
        node('button', { id: 'lesson-open', type: 'button', title: 'A lesson is a scenario file (JSON) whose steps may carry a "question" and a "hint"' }, 'Open a lesson file…'),
        file,
        node('button', { id: 'lesson-share', type: 'button' }, 'Share this lesson'),
      ),
      node('div', { id: 'lesson-share-row', class: 'row wrap', hidden: '' },
        node('label', { class: 'inline share-field' }, 'Link ', node('input', { id: 'lesson-share-link', readonly: '', spellcheck: 'false' })),
        // For a slide or a course page: the same lesson in the compact view (web/embed-scenario.ts), steps and answers only.
        node('label', { class: 'inline share-field' }, 'Embed ', node('input', { id: 'lesson-embed-code', readonly: '', spellcheck: 'false' })),
      ),
      node('p', { id: 'lesson-status', role: 'status', 'aria-live': 'polite' }),
      node('h3', { id: 'lesson-title' }),
      node('p', { id: 'lesson-kernel', class: 'hint', hidden: '' }),
      node('p', { id: 'lesson-position' }),
      node('p', { id: 'lesson-words' }),
      node('p', {}, node('code', { id: 'lesson-call' })),
      form,
      // Focused when the answer is shown, so a screen reader reads it and Tab goes on to Next.
      node('p', { id: 'lesson-verdict', tabindex: '-1' }),
      node('div', { id: 'lesson-explain', hidden: '' }),
      node('article', { id: 'lesson-result', class: 'result-card', hidden: '' }),
      node('div', { class: 'row wrap' },
        node('button', { id: 'lesson-prev', type: 'button' }, 'Back'),
        node('button', { id: 'lesson-next', type: 'button' }, 'Next'),
        node('button', { id: 'lesson-restart', type: 'button' }, 'Start over'),
      ),
      node('p', { id: 'lesson-score', 'aria-live': 'polite' }),
    );
    pick.addEventListener('change', () => {
      const s = SHIPPED.find((x) => x.id === pick.value);
      if (!s) return;
      const r = readLesson(s.text, s.file);
      if ('problem' in r) this.status(r.problem);
      else this.load(r.lesson);
    });
    $('lesson-open').addEventListener('click', () => file.click());
    file.addEventListener('change', () => {
      const f = file.files?.[0];
      file.value = '';
      if (f) void this.openFile(f);
    });
    $('lesson-share').addEventListener('click', () => void this.share());
    choices.addEventListener('change', () => this.refreshRun());
    $('lesson-hint-toggle').addEventListener('click', () => this.toggleHint());
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.run();
    });
    $('lesson-prev').addEventListener('click', () => this.show(this.step - 1));
    $('lesson-next').addEventListener('click', () => this.show(this.step + 1));
    $('lesson-restart').addEventListener('click', () => this.restart());
  }

  /** The tab was opened: other tabs may have used the machine meanwhile, so the next step starts from a clean one. */
  open(): void {
    this.ranUpTo = -1;
    this.showKernelNote();
  }

  /** A lesson a link carries (#lesson=…): shown, never run. */
  async openLink(hash: string): Promise<void> {
    const r = await readLessonFragment(hash);
    if (!r) return;
    if ('problem' in r) {
      this.status(r.problem);
      return;
    }
    this.loadOwn(r.lesson, 'from the link');
    this.status(`The lesson from the link: ${r.lesson.scenario.steps.length} steps. Nothing runs until you choose an answer and press Run.`);
  }

  private async openFile(f: File): Promise<void> {
    const name = f.name.length > 80 ? `${f.name.slice(0, 77)}…` : f.name;
    const source = `The lesson file ${JSON.stringify(name)}`;
    if (f.size > MAX_LESSON_BYTES) {
      this.status(`${source} is ${f.size} bytes; a lesson may have at most ${MAX_LESSON_BYTES / 1024} KiB. Nothing was run.`);
      return;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(await f.arrayBuffer());
    } catch {
      this.status(`${source} is not text (it is not valid UTF-8). Nothing was run.`);
      return;
    }
    const r = readLesson(text, source);
    if ('problem' in r) {
      this.status(r.problem);
      return;
    }
    this.loadOwn(r.lesson, name);
    this.status(`${source}: ${r.lesson.scenario.steps.length} steps.`);
  }

  /** A lesson of a teacher's own: one more entry in the list, replacing the last one. */
  private loadOwn(lesson: Lesson, from: string): void {
    const pick = $<HTMLSelectElement>('lesson-pick');
    pick.querySelector(`option[value="${OWN}"]`)?.remove();
    const title = lesson.scenario.description ?? 'Your lesson';
    pick.append(new Option(`${title.length > 60 ? `${title.slice(0, 57)}…` : title} (${from})`, OWN));
    pick.value = OWN;
    this.load(lesson);
  }

  private load(lesson: Lesson): void {
    this.lesson = lesson;
    $('lesson-title').textContent = lesson.title;
    $('lesson-share-row').hidden = true;
    this.restart();
    this.status('');
  }

  private restart(): void {
    this.answers.clear();
    this.crashed.clear();
    this.ranUpTo = -1;
    this.showKernelNote();
    this.show(0);
  }

  private status(text: string): void {
    $('lesson-status').textContent = text;
  }

  /** A lesson written for one kernel, on a page running another: said, since the answers may differ. */
  private showKernelNote(): void {
    const wanted = this.lesson.scenario.kernel;
    const running = this.deps.machine()?.kernel.id ?? this.deps.kernel();
    const note = $('lesson-kernel');
    note.hidden = wanted === null || wanted === running;
    note.textContent = wanted === null ? '' : `This lesson was written for Linux ${wanted}; the page runs ${running}. Choose ${wanted} in the Kernel list for the answers it was written for.`;
  }

  private show(i: number): void {
    const steps = this.lesson.scenario.steps;
    this.step = Math.max(0, Math.min(steps.length - 1, i));
    const call = steps[this.step];
    const a = this.lesson.scenario.annotations[this.step];
    if (!call || !a) return;
    const done = this.answers.get(this.step);
    $('lesson-position').textContent = `Step ${this.step + 1} of ${steps.length}`;
    $('lesson-words').textContent = callInWords(call);
    $('lesson-call').textContent = callText(call);
    $('lesson-question').textContent = a.question ?? DEFAULT_QUESTION;
    const fieldset = $('lesson-choices');
    fieldset.querySelectorAll('label').forEach((l) => l.remove());
    for (const c of choicesFor(call.call)) {
      const input = node('input', { type: 'radio', name: 'lesson-choice', value: c.value });
      input.checked = done?.choice === c.value;
      input.disabled = done !== undefined;
      fieldset.append(node('label', { class: 'inline' }, input, ` ${c.label}`));
    }
    const toggle = $('lesson-hint-toggle');
    toggle.hidden = !a.hint;
    toggle.setAttribute('aria-expanded', 'false');
    toggle.textContent = 'Show a hint';
    $('lesson-hint').textContent = a.hint ?? '';
    $('lesson-hint').hidden = true;
    $<HTMLButtonElement>('lesson-prev').disabled = this.step === 0;
    $<HTMLButtonElement>('lesson-next').disabled = this.step === steps.length - 1;
    if (done) this.reveal(done);
    else this.hideAnswer();
    this.refreshRun();
    this.showScore();
  }

  private chosen(): string | null {
    return document.querySelector<HTMLInputElement>('input[name="lesson-choice"]:checked')?.value ?? null;
  }

  /** Run waits for a choice, and runs a step once (Start over asks again). */
  private refreshRun(): void {
    const run = $<HTMLButtonElement>('lesson-run');
    run.disabled = this.chosen() === null || this.answers.has(this.step);
    run.textContent = this.answers.has(this.step) ? 'Answered' : 'Run';
  }

  private toggleHint(): void {
    const toggle = $('lesson-hint-toggle');
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = open ? 'Hide the hint' : 'Show a hint';
    $('lesson-hint').hidden = !open;
  }

  private showScore(): void {
    const rights = new Map([...this.answers].map(([i, a]) => [i, a.right]));
    const s = score(rights, this.lesson.scenario.steps.length);
    $('lesson-score').textContent = scoreText(s);
    $('lesson-score').dataset['right'] = String(s.right);
    $('lesson-score').dataset['answered'] = String(s.answered);
  }

  private hideAnswer(): void {
    const v = $('lesson-verdict');
    v.textContent = '';
    delete v.dataset['right'];
    $('lesson-explain').hidden = true;
    $('lesson-explain').replaceChildren();
    clearResult($('lesson-result'));
  }

  private reveal(done: Answered): void {
    const call = this.lesson.scenario.steps[this.step];
    const a = this.lesson.scenario.annotations[this.step];
    if (!call || !a) return;
    const choices = choicesFor(call.call);
    const v = $('lesson-verdict');
    v.textContent = revealText(done.choice, done.record, choices);
    v.dataset['right'] = String(done.right);
    const explain = $('lesson-explain');
    explain.replaceChildren();
    if (a.manPage) {
      const claim = a.manPage.errno ?? 'success';
      explain.append(
        el('p', `The man page says (${claim}):`),
        el('blockquote', `“${a.manPage.says}”`),
        el('p', `This kernel’s answer: ${VERDICT_WORDS[verdict(a.manPage, done.record.kernel, done.record)]}.`),
      );
    }
    if (a.note) explain.append(el('p', a.note));
    explain.hidden = explain.childElementCount === 0;
    // The card explains the answer in the call's own man page's words (harness/calls/explain.ts).
    renderResult($('lesson-result'), done.record, null);
  }

  private async run(): Promise<void> {
    const choice = this.chosen();
    if (choice === null || this.answers.has(this.step)) return;
    const m = this.deps.machine();
    if (!m || this.deps.isBusy()) {
      this.status('The machine is busy or not up yet; press Run again when it is ready.');
      return;
    }
    const step = this.step;
    const steps = this.lesson.scenario.steps;
    this.deps.busy(true);
    $<HTMLButtonElement>('lesson-run').disabled = true;
    try {
      // Another machine (the kernel was changed) or another generation (reset, a crash elsewhere): nothing run here is known.
      if (!this.ranOn || this.ranOn.machine !== m || this.ranOn.generation !== m.generation) {
        this.ranUpTo = -1;
        if (this.ranOn?.machine !== m) this.crashed.clear();
      }
      const plan = replayPlan(this.ranUpTo, step, this.crashed);
      this.status(plan.from < step ? `Running steps ${plan.from + 1}–${step} first, so this one meets the machine it expects…` : 'Running…');
      if (plan.reset) await m.reset();
      let record: CallRecord | null = null;
      for (let i = plan.from; i <= step; i++) {
        const call = steps[i];
        if (!call) break;
        record = await m.call(call);
        this.deps.onResult(record);
        if (record.result.kind === 'crash') this.crashed.add(i);
        else this.crashed.delete(i);
      }
      this.ranUpTo = step;
      this.ranOn = { machine: m, generation: m.generation };
      if (!record) return;
      const done = { choice, record, right: grade(choice, record, choicesFor(record.call.call)).right };
      this.answers.set(step, done);
      this.status('');
      // The student may have moved on while it ran: the answer is kept for its step either way.
      if (this.step === step) {
        this.show(step);
        $('lesson-verdict').focus();
      }
      this.showScore();
    } catch (e) {
      this.ranUpTo = -1;
      this.status(`The step could not be run: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.deps.busy(false);
      this.refreshRun();
    }
  }

  /** The lesson in a link of its own (the fragment carries it), selected in a field and copied when the browser allows it. */
  private async share(): Promise<void> {
    const fragment = await lessonFragment(this.lesson.text);
    const kernel = this.lesson.scenario.kernel ?? this.deps.kernel();
    const url = new URL(`?kernel=${encodeURIComponent(kernel)}${fragment}`, location.href).href;
    const field = $<HTMLInputElement>('lesson-share-link');
    field.value = url;
    const embedded = new URL(`?kernel=${encodeURIComponent(kernel)}&${EMBED_PARAM}=1${fragment}`, location.href).href;
    $<HTMLInputElement>('lesson-embed-code').value = `<iframe src="${embedded}" title="${htmlAttribute(`modlab: ${this.lesson.title}`)}" width="100%" height="520"></iframe>`;
    $('lesson-share-row').hidden = false;
    field.select();
    this.status(`A link with this lesson (${url.length} characters): whoever opens it gets the lesson, nothing run.`);
    await navigator.clipboard
      ?.writeText(url)
      .then(() => this.status(`A link with this lesson, copied to the clipboard (${url.length} characters): whoever opens it gets the lesson, nothing run.`))
      .catch(() => undefined);
  }
}

/** Text inside a double-quoted HTML attribute (the lesson's title is the teacher's, so it may hold quotes or angle brackets). */
function htmlAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
