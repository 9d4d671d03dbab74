/**
 * A module's whole life on a 2.4 kernel, as insmod and rmmod lived it:
 * create_module reserves kernel memory; the agent links the object for that
 * address (resolving symbols from query_module); init_module copies the image
 * in and runs its init; query_module describes it; delete_module runs its
 * cleanup and frees it. Each step reports /proc/modules after it and what the
 * kernel printed during it.
 */
import { MODULE_FILES, type ModuleName } from './calls.ts';
import type { Machine } from './machine.ts';
import type { DecodedLink } from './protocol.ts';
import { stepReport, type StepReport } from './report.ts';
import { errnoName } from './errno.ts';


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
 * Loads `module`: layout, create_module, link, init_module. Returns the steps
 * and, when every one succeeded, the module's kernel address.
 */
export async function loadModule(m: Machine, module: ModuleName, first = 0, onStep?: (s: LifecycleStep) => void): Promise<{ steps: LifecycleStep[]; address: number | null }> {
  const steps: LifecycleStep[] = [];
  const push = async (s: StepReport & { console?: string; link?: LinkReport }): Promise<LifecycleStep> => {
    const step: LifecycleStep = { ...s, console: s.console ?? '', procModules: await m.readProcModules() };
    steps.push(step);
    onStep?.(step);
    return step;
  };
  const file = MODULE_FILES[module];
  const layout = await m.link(file, module, 0);
  const created = await push(stepReport(first, await m.createModule(module, layout.size || 1)));
  if (!created.ok || created.ret === null) return { steps, address: null };
  const address = Number(created.ret);

  const t0 = performance.now();
  const linked = await m.link(file, module, address);
  const report = parseLinkReport(linked);
  await push({
    step: first + 1,
    call: 'link',
    kernel: m.kernel.id,
    name: module,
    size: linked.size,
    uid: 0,
    ok: linked.errno === 0,
    ret: linked.errno === 0 ? created.ret : '-1',
    errno: linked.errno || null,
    errnoName: linked.errno ? errnoName(linked.errno) : null,
    crash: null,
    elapsedMs: Math.round((performance.now() - t0) * 100) / 100,
    machine: m.generation,
    link: report,
  });
  if (linked.errno !== 0) return { steps, address: null };

  const init = await push(stepReport(first + 2, await m.call({ call: 'init_module', name: { kind: 'string', text: module }, image: { kind: 'bytes', bytes: linked.image }, uid: 0 })));
  return { steps, address: init.ok ? address : null };
}

/** The whole cycle on one module: load it, ask the kernel about it, delete it. */
export async function runLifecycle(m: Machine, module: ModuleName = 'hello', onStep?: (s: LifecycleStep) => void): Promise<LifecycleStep[]> {
  const { steps, address } = await loadModule(m, module, 0, onStep);
  if (address === null) return steps;
  const after = async (r: StepReport): Promise<void> => {
    const step: LifecycleStep = { ...r, console: r.console ?? '', procModules: await m.readProcModules() };
    steps.push(step);
    onStep?.(step);
  };
  const name = { kind: 'string', text: module } as const;
  await after(stepReport(3, await m.call({ call: 'query_module', name, which: 'QM_INFO', bufsize: 16, uid: 0 })));
  await after(stepReport(4, await m.call({ call: 'delete_module', name, uid: 0 })));
  return steps;
}
