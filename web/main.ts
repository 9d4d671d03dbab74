/**
 * The lab page: wires the console, the call form, results, history and share
 * links to one harness Machine (the same core the CLI uses).
 */
import tourText from '../scenarios/man-page-tour.json?raw';
import { DEFAULT_KERNEL, isKernelId, KERNELS, type KernelId } from '../kernel-images/manifest.ts';
import { MAX_USER_KERNEL_BYTES, readUserKernel, type KernelRef, type UserKernel } from '../kernel-images/user-kernel.ts';
import { isStorageRefusal } from '../browser/snapshot-store.ts';
import { assets, machineCode, shippedSnapshots, storeVoice } from './early-start.ts';
import { SnapshotCache } from '../harness/machine/snapshot.ts';
import type { CallRecord, ExecRecord } from '../harness/calls/record.ts';
import type { BootOptions, Machine, MachineEvent } from '../harness/machine/machine.ts';
import { parseScenario } from '../harness/calls/scenario.ts';
import { CallForm } from './call-form.ts';
import type { CodeView } from './code-view.ts';
import type { LessonView } from './lesson-view.ts';
import { CompareView } from './compare-view.ts';
import { ModuleView } from './module-view.ts';
import { TourView } from './tour-view.ts';
import { ConsoleView } from './console-view.ts';
import { answerLine, consoleAction } from './console-command.ts';
import { AS_CONTROL } from './form-fields.ts';
import { callJson, type Call } from '../harness/calls/model.ts';
import { download, execHistoryEntry, historyEntry, historyLine, historyMarkdown, loadHistory, saveHistory, type HistoryEntry } from './history.ts';
import { clearResult, renderResult } from './result-card.ts';
import { imageLinkText, readLink, shareQuery, tooLongText, type ImageLink } from './share-link.ts';
import { setUpTabs } from './tabs.ts';
import { TextSize } from './text-size.ts';
import { isPresenting, setUpPresenter, wantsPresenting, withPresenting } from './presenter.ts';
import { kernelLabel, userKernelLabel } from './kernel-label.ts';
import { $ } from './dom.ts';
import { markOnTimeline } from './timeline-mark.ts';
import { hasScenario, isEmbedded, keepEmbedded, setUpEmbed } from './embed.ts';
import { setUpOffline } from './offline.ts';
import { makePageApi, type PageApiHost } from './page-api.ts';
import { StorageNotice } from './storage-notice.ts';

// The machine's code, v86's wasm and the linked kernel's saved machine were started by web/early-start.ts, the page's first script.
async function boot(options: BootOptions): Promise<Machine> {
  return (await machineCode).boot(options);
}

// Storage refused (blocked, full) is said once by the storage notice, not by each store in its own words.
storeVoice.say = (message) => consoleView.note(message);
storeVoice.refused = () => storage.refused();
const snapshots = new SnapshotCache(shippedSnapshots, (message, e) => (isStorageRefusal(e) ? storage.refused() : consoleView.note(message)));

const kernelSelect = $<HTMLSelectElement>('kernel');
const runButton = $<HTMLButtonElement>('run');
const shareField = $<HTMLInputElement>('share-link');
const shareNote = $<HTMLParagraphElement>('share-note');
const callForm = new CallForm($('f-error'));
const progress = $<HTMLParagraphElement>('progress');
const card = $<HTMLElement>('result');
const historyList = $<HTMLOListElement>('history');

// Read before anything rewrites the address bar (refreshForm keeps it a link to the form's call).
const codeHash = location.hash;
let machine: Machine | null = null;
let busy = false;
let history: HistoryEntry[] = loadHistory();
/** A problem outside the form's own check (a link it could not show, a failed run): said until the form changes. */
let notice = '';
const consoleView = new ConsoleView($('terminal'), (line) => void consoleLine(line));
const storage = new StorageNotice((text) => consoleView.note(text));
// ?embed=1: the form and its answer only, with a link to the full lab that follows the address bar.
const embedded = isEmbedded(location.search);
// ?embed=1#lesson=…: a scenario's steps and answers instead of the form (web/embed-scenario.ts); the address keeps its fragment.
const linkHasLesson = hasScenario(codeHash);
const embeddedScenario = embedded && linkHasLesson;
const followEmbed = embedded ? setUpEmbed(document, $('site-header'), embeddedScenario) : null;
/** A call typed in the console is running: its answer comes before the guest's next prompt. */
let consoleCalling = false;

for (const k of KERNELS) kernelSelect.append(new Option(kernelLabel(k), k.id));

/** The kernel image the user opened or dropped on the page, if any: one more entry in the kernel list. */
let userKernel: UserKernel | null = null;

function currentKernel(): KernelId {
  return isKernelId(kernelSelect.value) ? kernelSelect.value : DEFAULT_KERNEL;
}

/** What the page runs: a manifest kernel, or the user's image when it is the one chosen. */
function currentChoice(): KernelId | UserKernel {
  return userKernel && kernelSelect.value === userKernel.id ? userKernel : currentKernel();
}

function choiceId(choice: KernelId | UserKernel): KernelRef {
  return typeof choice === 'string' ? choice : choice.id;
}

/** A link names a user's image by version, sha256 and file name: the image itself cannot travel in it. */
function linkKernel(): KernelId | ImageLink {
  const c = currentChoice();
  return typeof c === 'string' ? c : { id: c.id, sha256: c.sha256, file: c.label };
}

/** What the address bar holds after the page's origin and path (a fragment makes it differ from any query, so it goes at the first refresh, as before). */
let addressQuery = location.search + location.hash;
/** The form's verdict beside it, Run enabled only for a call that can be made, and the address bar kept as a link to it. */
function refreshForm(): void {
  const r = callForm.refresh(notice);
  runButton.disabled = 'error' in r || busy || machine === null;
  const link = 'call' in r ? shareQuery(linkKernel(), r.call, false) : null;
  const formQuery = link && 'query' in link ? link.query : `?kernel=${encodeURIComponent(currentKernel())}`;
  const query = embeddedScenario ? addressQuery : withPresenting(embedded ? keepEmbedded(formQuery) : formQuery, isPresenting());
  if (!busy) for (const resolve of idleWaiters.splice(0)) resolve();
  // replaceState costs Chromium 2–4 ms, twice per call from the form; the address rarely changes then.
  if (query === addressQuery) return;
  addressQuery = query;
  window.history.replaceState(null, '', query);
  followEmbed?.();
}

/** Resolved when the page's machine is next free (refreshForm runs whenever busy changes). */
const idleWaiters: Array<() => void> = [];
function whenIdle(): Promise<void> {
  return busy ? new Promise((resolve) => idleWaiters.push(resolve)) : Promise.resolve();
}

/** The share link in a read-only field of its own (scrolled within it, however long), with a Copy button; or why there is none. */
function share(): void {
  const r = callForm.check();
  const link = 'error' in r ? null : shareQuery(linkKernel(), r.call, true);
  if (link === null || 'tooLong' in link) {
    clearShare();
    shareNote.textContent = link === null ? 'No link: the form does not hold a call that can be made yet.' : tooLongText(link.tooLong);
    return;
  }
  shareField.value = new URL(link.query, location.href).href;
  $('share-row').hidden = false;
  copyShare();
}

/** Copies the field's link; where the page may not write the clipboard, the link is selected for the reader to copy. */
function copyShare(): void {
  shareField.select();
  const copied = navigator.clipboard?.writeText(shareField.value);
  shareNote.textContent = '';
  void copied?.then(
    () => (shareNote.textContent = 'Copied to the clipboard.'),
    () => (shareNote.textContent = 'The browser did not let the page copy it: the link is selected, copy it from the field.'),
  );
}

function clearShare(): void {
  shareField.value = '';
  $('share-row').hidden = true;
  shareNote.textContent = '';
}

function renderHistory(): void {
  historyList.replaceChildren(...history.slice().reverse().map((e) => {
    const li = document.createElement('li');
    li.textContent = historyLine(e);
    return li;
  }));
}

const stageStart = { t: 0 };
const stages: string[] = [];
function stage(text: string, failed = false): void {
  const now = performance.now();
  if (stages.length && !failed) stages[stages.length - 1] += ` ${((now - stageStart.t) / 1000).toFixed(1)} s`;
  stageStart.t = now;
  stages.push(text);
  progress.textContent = stages.join(' → ');
  progress.classList.toggle('failed', failed);
  progress.dataset['stage'] = failed ? 'failed' : text;
  markOnTimeline(`modlab-stage:${failed ? 'failed' : text}`);
}

function onEvent(e: MachineEvent): void {
  if (e.type === 'crashed') consoleView.note(`the kernel crashed (${e.crash}); bringing up a fresh machine`);
  if (e.type === 'recovered') {
    consoleView.note(`machine ${e.generation} is ready`);
    if (machine && !consoleCalling) askForPrompt(machine);
  }
  // What the site shipped is kept in IndexedDB once the machine is up (after the boot log, so a failure shows).
  if (e.type === 'ready') shippedSnapshots.keepFetched();
  if (e.type === 'ready' && e.generation === 1) {
    consoleView.note(e.restored ? `restored a saved machine (taken at agent-ready) in ${Math.round(e.bootMs)} ms` : `booted in ${(e.bootMs / 1000).toFixed(1)} s${e.saved ? '; saved for next time' : ''}`);
  }
}

/** The boot under way or last done: what window.modlab.ready() waits for. */
let currentBoot: Promise<void> = Promise.resolve();
function bootKernel(kernel: KernelId | UserKernel): Promise<void> {
  currentBoot = bootNow(kernel);
  return currentBoot;
}

async function bootNow(kernel: KernelId | UserKernel): Promise<void> {
  busy = true;
  refreshForm();
  await machine?.close();
  machine = null;
  clearResult(card);
  stages.length = 0;
  consoleView.beginBoot();
  let sawKernel = false;
  // The saved machine downloads at once: its key needs no image (they load, inside 'starting', only if the kernel boots).
  shippedSnapshots.prefetch(choiceId(kernel));
  try {
    stage('starting');
    const startingAt = performance.now();
    machine = await boot({
      kernel,
      assets,
      snapshots,
      // The site ships a saved machine for each of its kernels (or IndexedDB kept one): v86 is set up while it is read and checked.
      expectSnapshot: typeof kernel === 'string',
      onEvent: (e) => {
        // A restored machine replays its boot log at once: there was no kernel stage, only a restore.
        if (e.type === 'ready' && e.restored) {
          stages.length = stages.findIndex((s) => s.startsWith('starting')) + 1 || stages.length;
          stages[stages.length - 1] = 'restoring a saved machine';
          stageStart.t = startingAt;
        }
        onEvent(e);
      },
      onConsole: (b) => {
        if (!sawKernel && stages.at(-1) === 'starting') {
          sawKernel = true;
          stage('kernel');
        }
        consoleView.byte(b);
      },
    });
    stage('ready');
    progress.textContent += ` (Linux ${machine.release}${machine.restored ? ', restored from a saved machine' : ''})`;
    // The boot log folds to one line above the console (its harmless lines explained when shown); the console ends on a fresh prompt.
    consoleView.endBoot(machine.release);
    askForPrompt(machine);
  } catch (e) {
    consoleView.endBoot(null);
    stage(`failed: ${errorText(e).split('\n')[0] ?? ''}`, true);
  } finally {
    busy = false;
    refreshForm();
  }
}

/** A clean machine of the same kernel: a restore of a few milliseconds when the snapshot exists. */
async function resetMachine(): Promise<void> {
  const m = machine;
  if (!m || busy || m.kernel.id !== choiceId(currentChoice())) {
    await bootKernel(currentChoice());
    return;
  }
  busy = true;
  refreshForm();
  const t0 = performance.now();
  try {
    await m.reset();
    consoleView.note(`machine ${m.generation} is ready (reset in ${Math.round(performance.now() - t0)} ms)`);
    askForPrompt(m);
  } catch (e) {
    notice = errorText(e);
  } finally {
    busy = false;
    refreshForm();
  }
}

/**
 * A restored machine's shell already printed its prompt before the snapshot was
 * taken, so the terminal would end on modlab's note; an empty line makes the
 * guest's own shell print a fresh one.
 */
function askForPrompt(m: Machine): void {
  m.sendConsole('\r');
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function addToHistory(record: CallRecord, procModules?: string): void {
  keepInHistory(historyEntry(history.length, record, procModules));
}

function addExecToHistory(record: ExecRecord): void {
  keepInHistory(execHistoryEntry(history.length, record));
}

function keepInHistory(entry: HistoryEntry): void {
  history.push(entry);
  if (!saveHistory(history)) storage.refused();
  renderHistory();
}

/** A module create_module just made, as /proc/modules lists it. */
async function procModulesLine(m: Machine, r: CallRecord): Promise<string | null> {
  if (r.result.kind !== 'success' || r.call.call !== 'create_module' || r.call.name.kind !== 'string') return null;
  const wanted = r.call.name.text;
  const mods = await m.readProcModules();
  return mods.split('\n').find((l) => l.split(/\s+/)[0] === wanted) ?? null;
}

/**
 * After Run the answer's heading is on screen: on a phone, or a projector at
 * 150 %, the card lands below the fold. Where its heading shows already
 * (a laptop) the page does not move.
 */
function showAnswer(el: HTMLElement): void {
  const { top } = el.getBoundingClientRect();
  if (top < 0 || top + 60 > window.innerHeight) el.scrollIntoView({ block: 'start', behavior: 'instant' });
}

async function runCall(): Promise<void> {
  const r = callForm.check();
  if ('error' in r) return;
  await makeCall(r.call);
}

/** The form's Run and a call typed in the console: the call on the page's machine, then the result card and History. Null when none was made. */
async function makeCall(call: Call): Promise<CallRecord | null> {
  if (!machine || busy) return null;
  busy = true;
  notice = '';
  refreshForm();
  try {
    const record = await machine.call(call);
    renderResult(card, record, await procModulesLine(machine, record));
    showAnswer(card);
    addToHistory(record);
    return record;
  } catch (e) {
    notice = errorText(e);
    return null;
  } finally {
    busy = false;
    refreshForm();
  }
}

/**
 * A line entered in the console (console-command.ts decides): a call runs as
 * the form's Run does, the form then holding it (so its share link is that
 * call), and its answer is printed in one line; a malformed call prints its
 * usage; anything else goes to the guest's shell. The guest's prompt follows.
 */
async function consoleLine(line: string): Promise<void> {
  const action = consoleAction(line);
  const m = machine;
  if (!m) {
    consoleView.answer('[modlab] the machine is not up yet; ↑ brings the line back once it is');
    return;
  }
  if (action.kind === 'guest') {
    m.sendConsole(`${action.line}\r`);
    return;
  }
  if (action.kind === 'usage') {
    consoleView.answer(action.text);
  } else if (busy) {
    consoleView.answer(`[modlab] busy with another call; ↑ brings the line back`);
  } else {
    callForm.fill({ call: action.call.call, ...callJson(action.call), ...(action.call.uid !== 0 ? { uid: action.call.uid } : {}) });
    // A call without --uid runs as root; the form's JSON has no word for that, its control does.
    if (action.call.uid === 0) $<HTMLSelectElement>(AS_CONTROL.id).value = 'root';
    consoleCalling = true;
    const record = await makeCall(action.call);
    consoleCalling = false;
    consoleView.answer(record ? answerLine(record) : `${action.call.call}: ${notice || 'not made'}`);
  }
  if (machine) askForPrompt(machine);
}

// Fill the form from a shared link (the form checks what it asked for), then boot.
const link = readLink(location.search);
kernelSelect.value = link.kernel ?? DEFAULT_KERNEL;
const linkProblems = [...link.problems, ...(link.call ? callForm.fill(link.call) : [])];
// A link modlab cannot use as written is said, never guessed at: the form keeps its own values and nothing runs.
if (linkProblems.length) notice = `This link cannot be used as it is, so nothing was run: ${linkProblems.join('; ')}. The form shows its own values there.`;
/** A link made on a user's image waits for that image; the default kernel boots meanwhile. */
let pendingImage: ImageLink | null = link.image;
if (pendingImage && !linkProblems.length) notice = imageLinkText(pendingImage);

$('call-form').addEventListener('input', () => {
  notice = '';
  clearShare();
  refreshForm();
});
kernelSelect.addEventListener('change', () => {
  clearShare();
  void bootKernel(currentChoice());
});

/**
 * A kernel image of the user's own, from "Open a kernel image…" or dropped on
 * the page: read here (the core reads its boot header), listed, and booted.
 * What cannot be booted is said in the progress line, with nothing booted.
 */
async function openKernelImage(file: File): Promise<void> {
  if (busy) return;
  clearShare();
  stages.length = 0;
  try {
    if (file.size > MAX_USER_KERNEL_BYTES) throw new Error(`${file.name} is ${file.size} bytes; a kernel image is at most ${MAX_USER_KERNEL_BYTES} bytes`);
    const k = await readUserKernel(new Uint8Array(await file.arrayBuffer()), file.name);
    userKernel = k;
    kernelSelect.querySelector('option[data-user]')?.remove();
    const option = new Option(userKernelLabel(k.version, file.name), k.id);
    option.dataset['user'] = '1';
    kernelSelect.append(option);
    kernelSelect.value = k.id;
    const run = pendingImage !== null && pendingImage.sha256 === k.sha256 && link.run && linkProblems.length === 0;
    if (pendingImage !== null && pendingImage.sha256 !== k.sha256) notice = `${file.name} is not the image the link was made on (its sha256 is ${k.sha256}, the link's ${pendingImage.sha256}); the call was not run.`;
    else if (pendingImage !== null) notice = '';
    pendingImage = null;
    await bootKernel(k);
    if (run) await runCall();
  } catch (e) {
    stage(`failed: ${errorText(e).split('\n')[0] ?? ''}`, true);
  }
}

const kernelFileInput = $<HTMLInputElement>('kernel-file');
$('open-kernel').addEventListener('click', () => kernelFileInput.click());
kernelFileInput.addEventListener('change', () => {
  const file = kernelFileInput.files?.[0];
  kernelFileInput.value = '';
  if (file) void openKernelImage(file);
});
// A file dropped anywhere on the page is taken as a kernel image (the browser would otherwise open it).
document.addEventListener('dragover', (ev) => {
  if (ev.dataTransfer?.types.includes('Files')) ev.preventDefault();
});
document.addEventListener('drop', (ev) => {
  const file = ev.dataTransfer?.files[0];
  if (!file) return;
  ev.preventDefault();
  void openKernelImage(file);
});
$('reset').addEventListener('click', () => void resetMachine());
$('call-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  void runCall();
});
$('share').addEventListener('click', share);
$('share-copy').addEventListener('click', copyShare);
$('export-json').addEventListener('click', () => download('modlab-history.json', JSON.stringify(history, null, 2), 'application/json'));
$('export-md').addEventListener('click', () => download('modlab-history.md', historyMarkdown(history), 'text/markdown'));
// Clear takes effect at once and can be undone until the page is left (what was made since stays after it).
let cleared: HistoryEntry[] = [];
const historyNote = $<HTMLParagraphElement>('history-note');
$('clear-history').addEventListener('click', () => {
  if (!history.length) return;
  cleared = history;
  history = [];
  saveHistory(history);
  renderHistory();
  $('history-note-text').textContent = `History cleared (${cleared.length} ${cleared.length === 1 ? 'entry' : 'entries'}).`;
  historyNote.hidden = false;
});
$('history-undo').addEventListener('click', () => {
  history = [...cleared, ...history];
  cleared = [];
  if (!saveHistory(history)) storage.refused();
  renderHistory();
  historyNote.hidden = true;
  $('clear-history').focus();
});

// The views: Call (the form above), Compare, Tour, Load a module and Write code, as tabs.
const views = setUpTabs(['call', 'compare', 'tour', 'lesson', 'module', 'code'] as const, (t) => {
  // The matrix needs the room more than the console does.
  document.querySelector('main')?.classList.toggle('wide', t === 'compare');
  // The tab's code, and then the editor (CodeMirror), are fetched the first time it opens.
  if (t === 'code') void codeTab().then((v) => v.open());
  if (t === 'lesson') void lessonTab().then((v) => v.open());
});
// The skip link opens the Call tab if another is shown, and puts the focus on the form's first control.
$('skip-link').addEventListener('click', (ev) => {
  ev.preventDefault();
  views.show('call');
  $('call-form').querySelector<HTMLElement>('select, input, button')?.focus();
});
// A room: larger console and answer text (A− / A+), and presenting, console and answer side by side.
const textSize = new TextSize({ smaller: $('text-smaller'), larger: $('text-larger') }, (px) => consoleView.setFontSize(px));
setUpPresenter($('present'), wantsPresenting(location.search), (on) => {
  if (on) views.show('call');
  textSize.setPresenting(on);
  // The address bar says whether the page presents (a reload stays in the presenter view).
  refreshForm();
});
const tour = parseScenario(tourText, 'scenarios/man-page-tour.json');
new CompareView({
  // The user's image is one more column when it has been opened.
  bootMachine: (kernel) => {
    // The saved machine downloads while the images load; it is kept in IndexedDB once the machine is up.
    shippedSnapshots.prefetch(kernel);
    const m = boot({ kernel: userKernel && kernel === userKernel.id ? userKernel : kernel, assets, snapshots });
    void m.then(() => shippedSnapshots.keepFetched(), () => undefined);
    return m;
  },
  userKernel: () => userKernel?.id ?? null,
  currentCall: () => {
    const r = callForm.check();
    return 'error' in r ? r.error : r.call;
  },
  tour,
});
// The Tour and Load-a-module tabs share the page's machine with the Call tab, one user at a time.
const pageMachine = {
  machine: () => machine,
  isBusy: () => busy,
  busy: (b: boolean) => {
    busy = b;
    refreshForm();
  },
  onResult: addToHistory,
};
new TourView(tour, pageMachine);
new ModuleView(pageMachine);
let codeView: Promise<CodeView> | null = null;
/** The Write code tab is a chunk of its own, loaded when first opened (or by a link with code). */
function codeTab(): Promise<CodeView> {
  codeView ??= import('./code-view.ts').then(({ CodeView }) => new CodeView({ ...pageMachine, kernel: currentKernel, onExec: addExecToHistory }));
  return codeView;
}
let lessonView: Promise<LessonView> | null = null;
/** The Lesson tab is a chunk of its own too, loaded when first opened (or by a link with a lesson). */
function lessonTab(): Promise<LessonView> {
  lessonView ??= import('./lesson-view.ts').then(({ LessonView }) => new LessonView({ ...pageMachine, kernel: currentKernel }));
  return lessonView;
}
// A link with a lesson in its fragment (#lesson=…) opens the Lesson tab with it; it runs nothing.
if (!embeddedScenario && linkHasLesson) {
  views.show('lesson');
  void lessonTab().then((v) => v.openLink(codeHash));
}

// A link with code in its fragment opens Write code with that code in the editor; it runs nothing.
if (codeHash) {
  void import('./code-link.ts')
    .then(({ readCodeFragment }) => readCodeFragment(codeHash))
    .then(async (r) => {
      if (!r) return;
      views.show('code');
      const view = await codeTab();
      if ('code' in r) await view.openShared(r.code);
      else $('code-status').textContent = `${r.problem} The editor keeps your own code; nothing was run.`;
    });
}


// window.modlab: the same calls as the form, for course staff's own scripts (web/page-api.ts).
const pageHost: PageApiHost = {
  async ready() {
    // A boot may start another while this one runs (a kernel switch): wait for the last.
    for (let b = currentBoot; ; b = currentBoot) {
      await b;
      if (b === currentBoot) break;
    }
    if (!machine) throw new Error(`the page's machine did not start: ${progress.textContent ?? ''}`);
    return { kernel: machine.kernel.id, release: machine.release };
  },
  async useKernel(kernel) {
    if (machine?.kernel.id === kernel && currentChoice() === kernel) return;
    await whenIdle();
    kernelSelect.value = kernel;
    await bootKernel(kernel);
  },
  async reset() {
    await whenIdle();
    await resetMachine();
    if (notice) throw new Error(notice);
  },
  async call(call) {
    await whenIdle();
    const record = await makeCall(call);
    if (!record) throw new Error(notice || "the page's machine is not up");
    return record;
  },
  procModules: async () => (machine ? machine.readProcModules() : ''),
};
window.modlab = makePageApi(pageHost);

/** The embedded scenario's view, once its chunk is loaded and the fragment read; null when the fragment cannot be used (the view says why). */
const embedScenario = embeddedScenario
  ? import('./embed-scenario.ts').then(async ({ EmbedScenario }) => {
      const view = new EmbedScenario($('view-call'), {
        ...pageMachine,
        idle: async () => {
          await pageHost.ready();
          await whenIdle();
        },
        useKernel: (k) => pageHost.useKernel(k),
        kernel: currentKernel,
        procModulesLine,
      });
      return (await view.load(codeHash)) ? view : null;
    })
  : null;

renderHistory();
refreshForm();
// An embedded scenario that names its kernel boots that one first (its fragment is read in a few ms).
const firstBoot = embedScenario
  ? embedScenario.then((v) => {
      if (v?.kernel) kernelSelect.value = v.kernel;
      return bootKernel(currentKernel());
    })
  : bootKernel(currentKernel());
void firstBoot.then(async () => {
  // An embedded scenario with run=1 runs its steps, never the form's call.
  if (embedScenario) {
    if (link.run) await (await embedScenario)?.run();
  }
  // A link whose call the form could not show whole does not run: it would be another call; nor one made on an image not yet opened.
  else if (link.run && linkProblems.length === 0 && pendingImage === null) await runCall();
  // The service worker comes after the first answer: its first install fetches 11.6 MB, which would otherwise compete with it.
  setUpOffline({ prepare: $<HTMLButtonElement>('offline-prepare'), status: $('offline-status'), base: document.baseURI });
});
