/**
 * A module's whole life on a 2.4 kernel, as insmod and rmmod lived it:
 * create_module reserves kernel memory; the agent links the object for that
 * address (resolving symbols from query_module); init_module copies the image
 * in and runs its init; query_module describes it; delete_module runs its
 * cleanup and frees it. Each step reports /proc/modules after it and what the
 * kernel printed during it.
 */
import { MODULE_FILES, type ModuleName } from '../calls/model.ts';
import type { Machine } from './machine.ts';
import type { DecodedLink } from '../protocol.ts';
import { stepReport, type StepReport } from '../reports/step-report.ts';
import { errnoName } from '../calls/errno.ts';


export interface LinkReport {
  size: number;
  layout: Array<{ part: string; offset: number; size: number }>;
  symbols: Array<{ name: string; value: number; foundAs: string; owner: number }>;
  relocations: Array<{ type: string; section: string; offset: number; symbol: string; value: number }>;
  /** struct module as the image carries it. */
  header: Record<string, number>;
  error: string | null;
}

export function parseLinkReport(d: DecodedLink): LinkReport {
  const r: LinkReport = { size: d.size, layout: [], symbols: [], relocations: [], header: {}, error: null };
  const n = (s: string | undefined): number => Number.parseInt(s ?? '', 16) >>> 0;
  for (const line of d.report.split('\n')) {
    const [kind, ...f] = line.split('\t');
    if (kind === 'layout') r.layout.push({ part: f[0] ?? '', offset: n(f[1]), size: n(f[2]) });
    else if (kind === 'symbol') r.symbols.push({ name: f[0] ?? '', value: n(f[1]), foundAs: f[2] ?? '', owner: n(f[3]) });
    else if (kind === 'reloc') r.relocations.push({ type: f[0] ?? '', section: f[1] ?? '', offset: n(f[2]), symbol: f[3] ?? '', value: n(f[4]) });
    else if (kind === 'field') r.header[f[0] ?? ''] = n(f[1]);
    else if (kind === 'error') r.error = f.join(': ');
  }
  return r;
}

/** A lifecycle step: the `modlab run --json` shape plus the module list and kernel log around it. */
export type LifecycleStep = StepReport & {
  procModules: string;
  console: string;
  link?: LinkReport;
};

/**
 * The steps of loading one module, taken one at a time (the web walkthrough)
 * or in a row (loadModule): each returns its step with /proc/modules after it.
 */
export class ModuleLoader {
  address: number | null = null;
  image: Uint8Array | null = null;
  link: LinkReport | null = null;

  constructor(
    private readonly m: Machine,
    readonly module: ModuleName,
  ) {}

  private get name() {
    return { kind: 'string', text: this.module } as const;
  }

  private async withModules(r: StepReport & { link?: LinkReport }): Promise<LifecycleStep> {
    return { ...r, console: r.console ?? '', procModules: await this.m.readProcModules() };
  }

  /** create_module for the size the agent's layout of the object needs. */
  async create(step: number): Promise<LifecycleStep> {
    const layout = await this.m.link(MODULE_FILES[this.module], this.module, 0);
    const r = await this.withModules(stepReport(step, await this.m.createModule(this.module, layout.size || 1)));
    this.address = r.ok && r.ret !== null ? Number(r.ret) : null;
    return r;
  }

  /** The agent links the object for the address create_module gave. */
  async linkImage(step: number): Promise<LifecycleStep> {
    const t0 = performance.now();
    const linked = await this.m.link(MODULE_FILES[this.module], this.module, this.address ?? 0);
    this.link = parseLinkReport(linked);
    this.image = linked.errno === 0 ? linked.image : null;
    return this.withModules({
      step,
      call: 'link',
      kernel: this.m.kernel.id,
      name: this.module,
      size: linked.size,
      uid: 0,
      ok: linked.errno === 0,
      ret: linked.errno === 0 && this.address !== null ? `0x${this.address.toString(16).padStart(8, '0')}` : '-1',
      errno: linked.errno || null,
      errnoName: linked.errno ? errnoName(linked.errno) : null,
      crash: null,
      elapsedMs: Math.round((performance.now() - t0) * 100) / 100,
      machine: this.m.generation,
      link: this.link,
    });
  }

  /** init_module with the linked image: the kernel copies it in and runs its init. */
  async init(step: number): Promise<LifecycleStep> {
    const image = this.image ? ({ kind: 'bytes', bytes: this.image } as const) : ({ kind: 'null' } as const);
    return this.withModules(stepReport(step, await this.m.call({ call: 'init_module', name: this.name, image, uid: 0 })));
  }

  async query(step: number): Promise<LifecycleStep> {
    return this.withModules(stepReport(step, await this.m.call({ call: 'query_module', name: this.name, which: 'QM_INFO', bufsize: 16, uid: 0 })));
  }

  async remove(step: number): Promise<LifecycleStep> {
    return this.withModules(stepReport(step, await this.m.call({ call: 'delete_module', name: this.name, uid: 0 })));
  }
}

/**
 * Loads `module`: layout, create_module, link, init_module. Returns the steps
 * and, when every one succeeded, the module's kernel address.
 */
export async function loadModule(m: Machine, module: ModuleName, first = 0, onStep?: (s: LifecycleStep) => void): Promise<{ steps: LifecycleStep[]; address: number | null }> {
  const loader = new ModuleLoader(m, module);
  const steps: LifecycleStep[] = [];
  for (const take of [() => loader.create(first), () => loader.linkImage(first + 1), () => loader.init(first + 2)]) {
    const step = await take();
    steps.push(step);
    onStep?.(step);
    if (!step.ok) return { steps, address: null };
  }
  return { steps, address: loader.address };
}

/** The whole cycle on one module: load it, ask the kernel about it, delete it. */
export async function runLifecycle(m: Machine, module: ModuleName = 'hello', onStep?: (s: LifecycleStep) => void): Promise<LifecycleStep[]> {
  const loader = new ModuleLoader(m, module);
  const steps: LifecycleStep[] = [];
  for (const take of [() => loader.create(0), () => loader.linkImage(1), () => loader.init(2), () => loader.query(3), () => loader.remove(4)]) {
    const step = await take();
    steps.push(step);
    onStep?.(step);
    if (!step.ok) break;
  }
  return steps;
}
