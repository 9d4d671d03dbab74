/**
 * The "Load a module" tab: the hello module's life on the page's machine, one
 * system call at a time, with the module's memory drawn as the kernel and the
 * agent's linker laid it out.
 */
import { hex32, SIZE } from '../harness/calls/args.ts';
import type { LinkReport } from '../harness/calls/link-report.ts';
import type { CallRecord } from '../harness/calls/record.ts';
import type { Machine } from '../harness/machine/machine.ts';
import { ModuleLoader, stepSucceeded } from '../harness/reports/lifecycle.ts';
import { dataText } from '../harness/reports/text.ts';
import { renderResult } from './result-card.ts';
import { $, el } from './dom.ts';

const MODULE = 'hello';


export interface ModuleDeps {
  machine: () => Machine | null;
  busy: (b: boolean) => void;
  isBusy: () => boolean;
  onResult: (r: CallRecord, procModules?: string) => void;
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
      const ok = await this.take(this.loader, step);
      this.next = ok ? step + 1 : step;
      this.mark(ok ? -1 : step);
    } catch (e) {
      $('module-status').textContent = e instanceof Error ? e.message : String(e);
    } finally {
      this.deps.busy(false);
    }
  }

  private async take(loader: ModuleLoader, step: number): Promise<boolean> {
    const steps = [() => loader.create(), () => loader.linkImage(), () => loader.init(), () => loader.query(), () => loader.remove()];
    const takeStep = steps[step];
    if (!takeStep) throw new Error('the walkthrough is over: start over for a clean machine');
    const r = await takeStep();
    $('module-proc').textContent = r.procModules || '(empty)';
    if (r.kind === 'link') {
      $('module-result').hidden = true;
      if (r.result.kind !== 'linked') {
        $('module-status').textContent = `Linking failed: ${r.report.error ?? r.result.errnoName}`;
        return false;
      }
      this.draw(r.report, r.base, r.size);
      $('module-status').textContent = `Linked ${r.size} bytes for ${hex32(r.base)}: ${r.report.symbols.length} symbol(s) resolved, ${r.report.relocations.length} relocations.`;
      return true;
    }
    renderResult($('module-result'), r, null);
    this.deps.onResult(r, r.procModules);
    $('module-status').textContent = this.callStatus(r);
    return stepSucceeded(r);
  }

  /** The step in a line: what the kernel printed, what it wrote back, or where it put the module. */
  private callStatus(r: CallRecord): string {
    const res = r.result;
    if (r.console) return `The kernel printed: ${r.console.replace(/\r/g, '').trim()}`;
    if (res.kind !== 'crash' && res.data) return dataText(res.data);
    if (r.call.call === 'create_module' && res.kind === 'success') return `The kernel reserved ${SIZE.text(r.call.size)} bytes at ${hex32(res.ret)} (uninitialized).`;
    return '';
  }

  /** The module's memory: each part as wide as its share of the image, with its offset and address. */
  private draw(r: LinkReport, address: number, size: number): void {
    const map = $('module-map');
    const cls = (part: string): string =>
      part === 'struct module' ? 'header' : part === 'name' ? 'name' : part === '.text' ? 'code' : part === '.bss' ? 'bss' : part === 'deps' ? 'deps' : 'data';
    map.replaceChildren(
      ...r.layout.map((p) => {
        const d = el('div', `${p.part} +${p.offset.toString(16)}`, cls(p.part));
        d.style.flex = `${Math.max(p.size, 1)} 1 0`;
        d.title = `${p.part}: ${p.size} bytes at ${hex32(address + p.offset)} (offset 0x${p.offset.toString(16)})`;
        d.dataset['part'] = p.part;
        return d;
      }),
    );
    map.setAttribute('aria-label', r.layout.map((p) => `${p.part} ${p.size} bytes at offset ${p.offset}`).join('; '));
    $('module-parts').textContent = r.layout.map((p) => `${p.part} at +0x${p.offset.toString(16)} (${p.size} B)`).join(' · ');
    $('module-map-caption').textContent = `hello at ${hex32(address)}, ${size} bytes: init_module() at ${hex32(r.header['init'] ?? 0)}, cleanup_module() at ${hex32(r.header['cleanup'] ?? 0)}`;
    const head = el('tr');
    head.append(el('th', 'symbol'), el('th', 'kernel export'), el('th', 'address'));
    const rows = r.symbols.map((s) => {
      const tr = el('tr');
      tr.append(el('td', s.name), el('td', s.foundAs), el('td', hex32(s.value)));
      return tr;
    });
    $('module-symbols').replaceChildren(head, ...rows);
    $('module-map-wrap').hidden = false;
  }
}
