/**
 * The "Load a module" tab: the hello module's life on the page's machine, one
 * system call at a time, with the module's memory drawn as the kernel and the
 * agent's linker laid it out.
 */
import { MODULE_FILES } from '../harness/calls.ts';
import { parseLinkReport, type LinkReport } from '../harness/lifecycle.ts';
import type { Machine } from '../harness/machine.ts';
import { stepReport, type StepReport } from '../harness/report.ts';
import { dataText } from '../harness/text-report.ts';
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
  private address = 0;
  private image: Uint8Array | null = null;

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
      this.image = null;
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
      const ok = await this.step(m, step);
      this.next = ok ? step + 1 : step;
      this.mark(ok ? -1 : step);
      $('module-proc').textContent = (await m.readProcModules()) || '(empty)';
    } catch (e) {
      $('module-status').textContent = (e as Error).message;
    } finally {
      this.deps.busy(false);
    }
  }

  private show(r: StepReport): boolean {
    renderResult($('module-result'), r, null);
    this.deps.onResult(r);
    if (r.console) $('module-status').textContent = `The kernel printed: ${r.console.replace(/\r/g, '').trim()}`;
    else if (r.data) $('module-status').textContent = dataText(r.data);
    return r.ok;
  }

  private async step(m: Machine, step: number): Promise<boolean> {
    const name = { kind: 'string', text: MODULE } as const;
    switch (step) {
      case 0: {
        const layout = await m.link(MODULE_FILES[MODULE], MODULE, 0);
        const r = stepReport(0, await m.createModule(MODULE, layout.size));
        if (r.ok) this.address = Number(r.ret);
        $('module-status').textContent = r.ok ? `The kernel reserved ${layout.size} bytes at ${r.ret} (uninitialized).` : '';
        return this.show(r);
      }
      case 1: {
        const linked = await m.link(MODULE_FILES[MODULE], MODULE, this.address);
        const report = parseLinkReport(linked);
        if (linked.errno !== 0) {
          $('module-status').textContent = `Linking failed: ${report.error ?? `errno ${linked.errno}`}`;
          return false;
        }
        this.image = linked.image;
        this.draw(report);
        $('module-status').textContent = `Linked ${linked.size} bytes for ${hex(this.address)}: ${report.symbols.length} symbol(s) from the kernel, ${report.relocations.length} relocations.`;
        $('module-result').hidden = true;
        return true;
      }
      case 2:
        if (!this.image) return false;
        return this.show(stepReport(2, await m.call({ call: 'init_module', name, image: { kind: 'bytes', bytes: this.image }, uid: 0 })));
      case 3:
        return this.show(stepReport(3, await m.call({ call: 'query_module', name, which: 'QM_INFO', bufsize: 16, uid: 0 })));
      case 4:
        return this.show(stepReport(4, await m.call({ call: 'delete_module', name, uid: 0 })));
      default:
        return false;
    }
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
        d.title = `${p.part}: ${p.size} bytes at ${hex(this.address + p.offset)} (offset 0x${p.offset.toString(16)})`;
        d.dataset['part'] = p.part;
        return d;
      }),
    );
    map.setAttribute('aria-label', r.layout.map((p) => `${p.part} ${p.size} bytes at offset ${p.offset}`).join('; '));
    $('module-parts').textContent = r.layout.map((p) => `${p.part} at +0x${p.offset.toString(16)} (${p.size} B)`).join(' · ');
    $('module-map-caption').textContent = `hello at ${hex(this.address)}, ${r.size} bytes: init_module() at ${hex(r.header['init'] ?? 0)}, cleanup_module() at ${hex(r.header['cleanup'] ?? 0)}`;
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
