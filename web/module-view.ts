/**
 * The "Load a module" tab: the hello module's life on the page's machine, one
 * system call at a time, with the module's memory drawn as the kernel and the
 * agent's linker laid it out.
 */
import { ModuleLoader, type LifecycleStep, type LinkReport } from '../harness/machine/insmod.ts';
import type { Machine } from '../harness/machine/machine.ts';
import type { StepReport } from '../harness/reports/step-report.ts';
import { dataText } from '../harness/reports/text.ts';
import { renderResult } from './result-card.ts';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const MODULE = 'hello';
const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

export interface ModuleDeps {
  machine: () => Machine | null;
  busy: (b: boolean) => void;
  isBusy: () => boolean;
  onResult: (r: StepReport) => void;
}

const STEPS = [
  'create_module("hello", size): reserve kernel memory; the size comes from laying hello.o out',
  'link hello.o for that address: resolve printk in the kernel’s symbol table, apply the relocations, fill in struct module',
  'init_module("hello", image): the kernel copies the image in and runs init_module()',
  'query_module("hello", QM_INFO): the kernel’s view of the module',
  'delete_module("hello"): cleanup_module() runs and the memory is freed',
];

export class ModuleView {
  private next = 0;
  private loader: ModuleLoader | null = null;

  constructor(private readonly deps: ModuleDeps) {
    $('module-steps').replaceChildren(...STEPS.map((s) => el('li', s)));
    $('module-next').addEventListener('click', () => void this.run());
    $('module-restart').addEventListener('click', () => void this.restart());
    this.mark();
  }

  private mark(failedAt = -1): void {
    Array.from($('module-steps').children).forEach((li, i) => {
      li.className = i === failedAt ? 'failed' : i < this.next ? 'done' : i === this.next ? 'current' : '';
    });
    $<HTMLButtonElement>('module-next').disabled = this.next >= STEPS.length;
  }

  private async restart(): Promise<void> {
    const m = this.deps.machine();
    if (!m || this.deps.isBusy()) return;
    this.deps.busy(true);
    try {
      await m.reset();
      this.next = 0;
      this.loader = null;
      $('module-map-wrap').hidden = true;
      $('module-result').hidden = true;
      $('module-status').textContent = `A clean machine (${m.kernel.id}), as it was when the agent came up.`;
      $('module-proc').textContent = (await m.readProcModules()) || '(empty)';
      this.mark();
    } finally {
      this.deps.busy(false);
    }
  }

  private async run(): Promise<void> {
    const m = this.deps.machine();
    if (!m || this.deps.isBusy()) return;
    if (!m.kernel.hasCreateModule) {
      $('module-status').textContent = `Linux ${m.kernel.id} has no create_module: modules load with finit_module there. Choose a 2.4 kernel.`;
      return;
    }
    this.deps.busy(true);
    const step = this.next;
    try {
      if (step === 0 || !this.loader) this.loader = new ModuleLoader(m, MODULE);
      const r = await this.take(this.loader, step);
      this.next = r.ok ? step + 1 : step;
      this.mark(r.ok ? -1 : step);
      $('module-proc').textContent = r.procModules || '(empty)';
    } catch (e) {
      $('module-status').textContent = (e as Error).message;
    } finally {
      this.deps.busy(false);
    }
  }

  private async take(loader: ModuleLoader, step: number): Promise<LifecycleStep> {
    const steps = [() => loader.create(step), () => loader.linkImage(step), () => loader.init(step), () => loader.query(step), () => loader.remove(step)];
    const takeStep = steps[step];
    if (!takeStep) throw new Error('the walkthrough is over: start over for a clean machine');
    const r = await takeStep();
    if (r.call === 'link') {
      $('module-result').hidden = true;
      if (!r.ok || !loader.link) {
        $('module-status').textContent = `Linking failed: ${loader.link?.error ?? r.errnoName ?? ''}`;
        return r;
      }
      this.draw(loader.link);
      $('module-status').textContent = `Linked ${loader.link.size} bytes for ${hex(loader.address ?? 0)}: ${loader.link.symbols.length} symbol(s) resolved, ${loader.link.relocations.length} relocations.`;
      return r;
    }
    renderResult($('module-result'), r, null);
    this.deps.onResult(r);
    if (r.console) $('module-status').textContent = `The kernel printed: ${r.console.replace(/\r/g, '').trim()}`;
    else if (r.data) $('module-status').textContent = dataText(r.data);
    else if (r.call === 'create_module' && r.ok) $('module-status').textContent = `The kernel reserved ${r.size ?? '?'} bytes at ${r.ret} (uninitialized).`;
    else $('module-status').textContent = '';
    return r;
  }

  /** The module's memory: each part as wide as its share of the image, with its offset and address. */
  private draw(r: LinkReport): void {
    const map = $('module-map');
    const cls = (part: string): string =>
      part === 'struct module' ? 'header' : part === 'name' ? 'name' : part === '.text' ? 'code' : part === '.bss' ? 'bss' : part === 'deps' ? 'deps' : 'data';
    map.replaceChildren(
      ...r.layout.map((p) => {
        const d = el('div', `${p.part} +${p.offset.toString(16)}`, cls(p.part));
        d.style.flex = `${Math.max(p.size, 1)} 1 0`;
        d.title = `${p.part}: ${p.size} bytes at ${hex((this.loader?.address ?? 0) + p.offset)} (offset 0x${p.offset.toString(16)})`;
        d.dataset['part'] = p.part;
        return d;
      }),
    );
    map.setAttribute('aria-label', r.layout.map((p) => `${p.part} ${p.size} bytes at offset ${p.offset}`).join('; '));
    $('module-parts').textContent = r.layout.map((p) => `${p.part} at +0x${p.offset.toString(16)} (${p.size} B)`).join(' · ');
    const address = this.loader?.address ?? 0;
    $('module-map-caption').textContent = `hello at ${hex(address)}, ${r.size} bytes: init_module() at ${hex(r.header['init'] ?? 0)}, cleanup_module() at ${hex(r.header['cleanup'] ?? 0)}`;
    const head = el('tr');
    head.append(el('th', 'symbol'), el('th', 'kernel export'), el('th', 'address'));
    const rows = r.symbols.map((s) => {
      const tr = el('tr');
      tr.append(el('td', s.name), el('td', s.foundAs), el('td', hex(s.value)));
      return tr;
    });
    $('module-symbols').replaceChildren(head, ...rows);
    $('module-map-wrap').hidden = false;
  }
}
