/**
 * A module's whole life on a 2.4 kernel, as insmod and rmmod lived it, one
 * step at a time: create_module reserves kernel memory for the module's
 * layout; the agent links the object for that address; init_module copies
 * the image in and runs its init; query_module describes it; delete_module
 * runs its cleanup and frees it. Each step comes with /proc/modules after it.
 * The steps are the machine's insmod (machine/insmod.ts), taken one by one.
 */
import type { ModuleName } from '../calls/args.ts';
import type { StepRecord } from '../calls/record.ts';
import { LAYOUT_ONLY } from '../machine/insmod.ts';
import type { Machine } from '../machine/machine.ts';

/** A step's record with the module list after it. */
export type LifecycleStep = StepRecord & { procModules: string };

/** Whether a step did what it was for. */
export function stepSucceeded(s: StepRecord): boolean {
  return s.result.kind === 'success' || s.result.kind === 'linked';
}

/**
 * The steps of loading one module, taken one at a time (the web walkthrough)
 * or in a row (loadModule).
 */
export class ModuleLoader {
  address: number | null = null;
  image: Uint8Array | null = null;

  constructor(
    private readonly m: Machine,
    readonly module: ModuleName,
  ) {}

  private get name() {
    return { kind: 'string', text: this.module } as const;
  }

  private async withModules(r: StepRecord): Promise<LifecycleStep> {
    return { ...r, procModules: await this.m.readProcModules() };
  }

  /** create_module for the size the agent's layout of the object needs. */
  async create(): Promise<LifecycleStep> {
    const r = await this.m.call({ call: 'create_module', name: this.name, size: { module: this.module }, uid: 0 });
    this.address = r.result.kind === 'success' ? r.result.ret : null;
    return this.withModules(r);
  }

  /** The agent links the object for the address create_module gave. */
  async linkImage(): Promise<LifecycleStep> {
    const r = await this.m.link(this.module, this.module, this.address ?? 0);
    this.image = r.result.kind === 'linked' ? r.result.image : null;
    return this.withModules(r);
  }

  /** init_module with the linked image: the kernel copies it in and runs its init. */
  async init(): Promise<LifecycleStep> {
    const image = this.image ? ({ kind: 'bytes', bytes: this.image } as const) : ({ kind: 'null' } as const);
    return this.withModules(await this.m.call({ call: 'init_module', name: this.name, image, uid: 0 }));
  }

  async query(): Promise<LifecycleStep> {
    return this.withModules(await this.m.call({ call: 'query_module', name: this.name, which: 'QM_INFO', bufsize: 16, uid: 0 }));
  }

  async remove(): Promise<LifecycleStep> {
    return this.withModules(await this.m.call({ call: 'delete_module', name: this.name, uid: 0 }));
  }
}

async function runSteps(takes: ReadonlyArray<() => Promise<LifecycleStep>>, onStep?: (s: LifecycleStep) => void): Promise<LifecycleStep[]> {
  const steps: LifecycleStep[] = [];
  for (const take of takes) {
    const step = await take();
    steps.push(step);
    onStep?.(step);
    if (!stepSucceeded(step)) break;
  }
  return steps;
}

/**
 * Loads `module`: layout and create_module, link, init_module. Returns the
 * steps and, when every one succeeded, the module's kernel address.
 */
export async function loadModule(m: Machine, module: ModuleName, onStep?: (s: LifecycleStep) => void): Promise<{ steps: LifecycleStep[]; address: number | null }> {
  const loader = new ModuleLoader(m, module);
  const steps = await runSteps([() => loader.create(), () => loader.linkImage(), () => loader.init()], onStep);
  return { steps, address: steps.length === 3 && steps.every(stepSucceeded) ? loader.address : null };
}

/** The whole cycle on one module: load it, ask the kernel about it, delete it. */
export function runLifecycle(m: Machine, module: ModuleName = 'hello', onStep?: (s: LifecycleStep) => void): Promise<LifecycleStep[]> {
  const loader = new ModuleLoader(m, module);
  return runSteps([() => loader.create(), () => loader.linkImage(), () => loader.init(), () => loader.query(), () => loader.remove()], onStep);
}

/** What insmodObject does once the module is loaded (or failed to initialize). */
export interface InsmodOptions {
  /** Remove the module at the end (delete_module), as rmmod would. */
  rmmod?: boolean;
  onStep?: (s: LifecycleStep) => void;
}

/**
 * insmod for a user's own object, as insmod did it on 2.4: the object goes
 * into the guest, the agent lays it out, create_module reserves that size,
 * the agent links it for that address, init_module takes the image. Like
 * insmod, a link that fails (an unresolved symbol, named in the link step's
 * report) deletes the reserved module, so nothing half-loaded is left; an
 * init that fails is shown with its errno and the module stays as the
 * kernel left it (uninitialized) unless `rmmod` asks for its removal.
 * Throws InputError for an object or name modlab cannot use.
 */
export async function insmodObject(m: Machine, object: Uint8Array, name: string, options: InsmodOptions = {}): Promise<LifecycleStep[]> {
  const steps: LifecycleStep[] = [];
  const take = async (r: StepRecord): Promise<boolean> => {
    const step = { ...r, procModules: await m.readProcModules() };
    steps.push(step);
    options.onStep?.(step);
    return stepSucceeded(step);
  };
  const moduleName = { kind: 'string', text: name } as const;
  const path = await m.putObject(name, object);
  // The layout is shown only when it fails: otherwise its size is create_module's argument.
  const layout = await m.linkObject(path, name, LAYOUT_ONLY);
  if (!stepSucceeded(layout)) {
    await take(layout);
    return steps;
  }
  const created = await m.call({ call: 'create_module', name: moduleName, size: layout.size, uid: 0 });
  if (!(await take(created)) || created.result.kind !== 'success') return steps;
  const linked = await m.linkObject(path, name, created.result.ret);
  const remove = async (): Promise<void> => {
    await take(await m.call({ call: 'delete_module', name: moduleName, uid: 0 }));
  };
  if (!(await take(linked)) || linked.result.kind !== 'linked') {
    await remove();
    return steps;
  }
  await take(await m.call({ call: 'init_module', name: moduleName, image: { kind: 'bytes', bytes: linked.result.image }, uid: 0 }));
  if (options.rmmod) await remove();
  return steps;
}
