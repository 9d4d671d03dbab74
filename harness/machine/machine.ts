/**
 * The harness's public face: a machine running one kernel, on which calls are
 * made one at a time. When the kernel crashes (or stops answering), the
 * machine reports the crash with the console text and brings up a clean
 * machine by itself; `generation` counts them. Clean machines come from a
 * snapshot of the first one taken at agent-ready (see snapshot.ts), so a
 * reset costs milliseconds rather than a boot.
 */
import { DEFAULT_KERNEL, findKernel, KERNEL_IDS, type KernelId, type KernelImage } from '../../kernel-images/manifest.ts';
import type { AssetProvider, BootAssets } from './assets.ts';
import { InputError, MODULE_FILES, toSyscall, validateCall, type Call, type ModuleName, type NameArg } from '../calls/model.ts';
import type { CrashKind } from './crash.ts';
import { BootError, CrashError, Emulator } from './emulator.ts';
import { decodeLinked, decodeResult, encodeCall, encodeLink, FrameType, type DecodedLink } from '../protocol.ts';
import { resultFromEax, type CallRecord, type CallResult } from '../calls/record.ts';
import { callData } from '../calls/buffers.ts';
import { errnoName } from '../calls/errno.ts';
import { LinkError } from '../agent/transport.ts';
import { snapshotKey, type Snapshot, type SnapshotCache } from './snapshot.ts';
import { ALL_TUNINGS, type Tuning } from './v86-config.ts';

export interface BootOptions {
  kernel?: string;
  assets: AssetProvider;
  /** Deadline for a boot to reach the agent (default 120 s: 6.1 alone takes ~15 s). */
  bootTimeoutMs?: number;
  /** Deadline for one call to come back (default 15 s). */
  callTimeoutMs?: number;
  /** Every console byte, for a terminal. Survives recoveries. */
  onConsole?: (byte: number) => void;
  /** Progress and recovery notices, for a status line. */
  onEvent?: (event: MachineEvent) => void;
  /** Where clean machines come from; null boots every time (as the benchmark's cold boots do). */
  snapshots?: SnapshotCache | null;
  /** Boot tuning (default: all; the benchmark leaves some out to show what each saves). */
  tunings?: readonly Tuning[];
  /** Keep v86's JIT on once the agent is ready (default off: see setJit in v86-config.ts). */
  keepJit?: boolean;
}

export type MachineEvent =
  | { type: 'booting'; kernel: KernelId; generation: number }
  | { type: 'ready'; kernel: KernelId; generation: number; bootMs: number; release: string; restored: boolean }
  | { type: 'crashed'; kernel: KernelId; generation: number; crash: string }
  | { type: 'recovered'; kernel: KernelId; generation: number };

const CRASH_GRACE_MS = 3000;

export interface CallOptions {
  uid?: number;
}

function kernelById(id: string): KernelImage {
  const k = findKernel(id);
  if (!k) throw new InputError(`unknown kernel ${JSON.stringify(id)}; choose one of ${KERNEL_IDS.join(', ')}`);
  return k;
}

export async function boot(options: BootOptions): Promise<Machine> {
  const kernel = kernelById(options.kernel ?? DEFAULT_KERNEL);
  const assets = await options.assets.load(kernel.id);
  const machine = new Machine(kernel, assets, options);
  await machine.start();
  return machine;
}

export class Machine {
  generation = 0;
  private emu: Emulator | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly bootTimeoutMs: number;
  private readonly callTimeoutMs: number;
  private readonly tunings: readonly Tuning[];

  constructor(
    readonly kernel: KernelImage,
    private readonly assets: BootAssets,
    private readonly options: BootOptions,
  ) {
    this.bootTimeoutMs = options.bootTimeoutMs ?? 120_000;
    this.callTimeoutMs = options.callTimeoutMs ?? 15_000;
    this.tunings = options.tunings ?? ALL_TUNINGS;
  }

  /**
   * Brings up a clean machine: the snapshot restored into the running
   * emulator when there is one, else a new emulator restored from the
   * snapshot, else a boot (which then saves the snapshot).
   */
  async start(): Promise<void> {
    this.generation++;
    this.options.onEvent?.({ type: 'booting', kernel: this.kernel.id, generation: this.generation });
    const snapshot = await this.snapshot();
    let restoredHere = false;
    let usable = snapshot;
    if (snapshot && this.emu) {
      try {
        await this.emu.restore(snapshot);
        restoredHere = true;
      } catch (e) {
        // A shut-down emulator says nothing about the snapshot; a restore that failed does.
        if (!(e instanceof LinkError && e.reason === 'closed')) {
          await this.forget(snapshot);
          usable = null;
        }
      }
    }
    if (!restoredHere) {
      await this.emu?.destroy();
      this.emu = null;
      this.emu = await this.bringUp(usable);
    }
    const emu = this.emu;
    if (!emu) throw new BootError(`the machine for kernel ${this.kernel.id} did not come up`);
    // A terminal that saw no boot still gets the boot log once, as the snapshot recorded it.
    if (emu.restored && this.generation === 1 && snapshot) this.replayConsole(snapshot.bootConsole);
    this.options.onEvent?.({ type: 'ready', kernel: this.kernel.id, generation: this.generation, bootMs: emu.bootMs, release: emu.release, restored: emu.restored });
  }

  /** Replaces the machine with a clean one, as after a crash. */
  reset(): Promise<void> {
    return this.serial(() => this.start());
  }

  private async bringUp(snapshot: Snapshot | null): Promise<Emulator> {
    const opts = {
      bootTimeoutMs: this.bootTimeoutMs,
      tunings: this.tunings,
      keepJit: this.options.keepJit ?? false,
      ...(this.options.onConsole ? { onConsoleByte: this.options.onConsole } : {}),
    };
    if (snapshot) {
      try {
        return await Emulator.start(this.assets, opts, snapshot);
      } catch {
        await this.forget(snapshot);
      }
    }
    const emu = await Emulator.start(this.assets, opts, null);
    const cache = this.options.snapshots;
    if (cache) {
      const key = await snapshotKey(this.assets, this.tunings);
      await cache.put({ key, state: await emu.saveState(), release: emu.release, version: emu.version, bootConsole: emu.consoleText(), bootMs: emu.bootMs });
    }
    return emu;
  }

  private async snapshot(): Promise<Snapshot | null> {
    const cache = this.options.snapshots;
    return cache ? cache.get(await snapshotKey(this.assets, this.tunings)) : null;
  }

  private async forget(snapshot: Snapshot): Promise<false> {
    await this.options.snapshots?.drop(snapshot.key);
    return false;
  }

  private replayConsole(text: string): void {
    const onConsole = this.options.onConsole;
    if (!onConsole) return;
    for (let i = 0; i < text.length; i++) onConsole(text.charCodeAt(i));
  }

  private get live(): Emulator {
    if (!this.emu) throw new BootError(`the machine for kernel ${this.kernel.id} is not running`);
    return this.emu;
  }

  get release(): string {
    return this.live.release;
  }

  get bootMs(): number {
    return this.live.bootMs;
  }

  /** Whether the running machine came from a snapshot. */
  get restored(): boolean {
    return this.live.restored;
  }

  /** Runs `task` after every earlier one: calls never overlap on the guest. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  createModule(name: NameArg | string | null, size: number, options: CallOptions = {}): Promise<CallRecord> {
    return this.call({ call: 'create_module', name: toNameArg(name), size, uid: options.uid ?? 0 });
  }

  deleteModule(name: NameArg | string | null, options: CallOptions = {}): Promise<CallRecord> {
    return this.call({ call: 'delete_module', name: toNameArg(name), uid: options.uid ?? 0 });
  }

  /** Throws InputError, before anything reaches the guest, for a call modlab cannot make. */
  call(call: Call): Promise<CallRecord> {
    try {
      validateCall(call);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return this.serial(() => this.callNow(call));
  }

  /**
   * What insmod would have done before the call: a create_module sized by a
   * module's layout, an init_module whose image is a module linked for the
   * address its name was created at. The record shows the call as sent.
   */
  private async resolveModuleArgs(call: Call): Promise<{ call: Call; failed?: CallResult }> {
    const request = (base: number, module: ModuleName, name: string) =>
      this.live.link.request(FrameType.Link, encodeLink(base, MODULE_FILES[module], name), this.callTimeoutMs, `linking ${module}`).then((f) => decodeLinked(f.payload));
    if (call.call === 'create_module' && call.sizeOf) {
      const layout = await request(0, call.sizeOf, call.name.kind === 'string' ? call.name.text : call.sizeOf);
      if (!layout || layout.errno) return { call, failed: { kind: 'errno', errno: layout?.errno ?? 5, errnoName: errnoName(layout?.errno ?? 5), during: 'link' } };
      return { call: { ...call, size: layout.size } };
    }
    if (call.call === 'init_module' && call.image.kind === 'module') {
      const name = call.name.kind === 'string' ? call.name.text : '';
      // The address create_module gave: query_module(name, QM_INFO), as root.
      const q = toSyscall({ call: 'query_module', name: call.name, which: 'QM_INFO', bufsize: 16, uid: 0 });
      const info = await this.live.link.request(FrameType.Call, encodeCall(q.syscall, null, q.args), this.callTimeoutMs, 'query_module');
      const decoded = decodeResult(info.payload);
      const buf = decoded?.outcome === 'returned' && decoded.eax === 0 ? decoded.out[0] : undefined;
      // No module of that name (or no name): link for address 0 and let init_module give the kernel's answer.
      const base = buf && buf.length >= 4 ? new DataView(buf.buffer, buf.byteOffset, 4).getUint32(0, true) : 0;
      const linked = await request(base || 0x1000, call.image.module, name || call.image.module);
      if (!linked || linked.errno) return { call, failed: { kind: 'errno', errno: linked?.errno ?? 5, errnoName: errnoName(linked?.errno ?? 5), during: 'link' } };
      return { call: { ...call, image: { kind: 'bytes', bytes: linked.image } } };
    }
    return { call };
  }

  private async callNow(requested: Call): Promise<CallRecord> {
    const emu = this.live;
    const generation = this.generation;
    const consoleStart = emu.consoleLength;
    const t0 = performance.now();
    let call = requested;
    let result: CallResult;
    // After an oops the call may still come back (its process killed): give it a moment,
    // on a timer that goes away with the call so that it never holds the process open.
    let grace: ReturnType<typeof setTimeout> | undefined;
    let stopWaiting = (): void => undefined;
    const crashed = new Promise<never>((_, reject) => {
      stopWaiting = emu.onCrash((kind) => {
        const fail = () => reject(new CrashError(kind));
        if (kind === 'panic') fail();
        else grace = setTimeout(fail, CRASH_GRACE_MS);
      });
    });
    try {
      // Inside the try: a guest that stops answering while linking is a hang like any other.
      const resolved = await this.resolveModuleArgs(requested);
      call = resolved.call;
      if (resolved.failed) {
        return { call, kernel: this.kernel.id, machine: generation, result: resolved.failed, recovered: false, elapsedMs: 0, console: '' };
      }
      const { syscall, uid, args } = toSyscall(call);
      const reply = await Promise.race([emu.link.request(FrameType.Call, encodeCall(syscall, uid, args), this.callTimeoutMs, call.call), crashed]).finally(() => {
        stopWaiting();
        clearTimeout(grace);
      });
      const elapsed = performance.now() - t0;
      const decoded = reply.type === FrameType.Result ? decodeResult(reply.payload) : null;
      if (!decoded) throw new LinkError(`${call.call}: malformed reply from the guest`, 'agent');
      if (emu.crash) {
        result = await this.crashResult(emu, consoleStart, emu.crash.kind, describeOutcome(decoded));
      } else if (decoded.outcome === 'killed') {
        // Killed with no crash on the console yet: the oops text may still be on its way.
        await emu.consoleSettled(150, 1500);
        result = await this.crashResult(emu, consoleStart, emu.crashKind() ?? 'oops', `the calling process was killed by signal ${decoded.signal}`);
      } else if (decoded.outcome === 'setup-failed') {
        result = { kind: 'errno', errno: decoded.errno, errnoName: errnoName(decoded.errno), during: 'setuid' };
      } else {
        const out = decoded.out;
        result = resultFromEax(decoded.eax, (ok) => callData(call, out, ok));
      }
      if (result.kind !== 'crash') {
        // Messages the call printed (a module's printk) may trail its return by a moment.
        if (emu.consoleLength > consoleStart) await emu.consoleSettled(30, 300);
        return { call, kernel: this.kernel.id, machine: generation, result, recovered: false, elapsedMs: elapsed, console: emu.consoleSince(consoleStart) };
      }
    } catch (e) {
      if (e instanceof CrashError) {
        result = await this.crashResult(emu, consoleStart, e.crash, e.crash === 'panic' ? 'the kernel panicked during the call' : 'the kernel crashed and the call never returned');
      } else if (e instanceof LinkError && e.reason === 'timeout') {
        result = await this.crashResult(emu, consoleStart, emu.crashKind() ?? 'hang', e.message);
      } else {
        throw e;
      }
    } finally {
      stopWaiting();
      clearTimeout(grace);
    }
    const elapsedMs = performance.now() - t0;
    this.options.onEvent?.({ type: 'crashed', kernel: this.kernel.id, generation, crash: result.kind === 'crash' ? result.crash : '' });
    await this.start();
    this.options.onEvent?.({ type: 'recovered', kernel: this.kernel.id, generation: this.generation });
    return { call, kernel: this.kernel.id, machine: generation, result, recovered: true, elapsedMs, console: result.kind === 'crash' ? result.console : '' };
  }

  private async crashResult(emu: Emulator, consoleStart: number, crash: CrashKind | 'hang', detail: string): Promise<CallResult> {
    // Let the kernel finish printing its oops or panic before taking the excerpt.
    await emu.consoleSettled(150, 1500);
    return { kind: 'crash', crash, console: emu.consoleSince(consoleStart), detail };
  }

  /**
   * Asks the agent's minimal insmod to link the ELF object at `path` in the
   * guest as module `name` for kernel address `base` (0: only lay it out and
   * report the size create_module must reserve).
   */
  link(path: string, name: string, base: number): Promise<DecodedLink> {
    return this.serial(async () => {
      const frame = await this.live.link.request(FrameType.Link, encodeLink(base, path, name), this.callTimeoutMs, `linking ${path}`);
      const decoded = frame.type === FrameType.Linked ? decodeLinked(frame.payload) : null;
      if (!decoded) throw new LinkError(`linking ${path}: malformed reply from the guest`, 'agent');
      return decoded;
    });
  }

  /** The text of /proc/modules (empty on kernels where reading it fails). */
  readProcModules(): Promise<string> {
    return this.readFile('/proc/modules');
  }

  readFile(path: string): Promise<string> {
    return this.serial(async () => {
      const file = await this.live.link.readFile(path, this.callTimeoutMs);
      if (file.errno !== 0) throw new Error(`reading ${path} in the guest failed: ${errnoName(file.errno)}`);
      return new TextDecoder().decode(file.bytes);
    });
  }

  /** Bytes typed on the guest console (the agent's shell). */
  sendConsole(text: string): void {
    this.emu?.sendConsole(new TextEncoder().encode(text));
  }

  /**
   * Fault injection: init exits, so the kernel panics for real. Resolves with
   * the panic's console text once a clean machine has taken over.
   */
  panicInit(): Promise<{ crash: string; console: string }> {
    return this.serial(async () => {
      const emu = this.live;
      const start = emu.consoleLength;
      void emu.link.request(FrameType.Exit, new Uint8Array(0), this.callTimeoutMs, 'exit').catch(() => undefined);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const kind = await Promise.race([
        emu.crashed(),
        new Promise<'hang'>((r) => (timer = setTimeout(() => r('hang'), this.callTimeoutMs))),
      ]);
      clearTimeout(timer);
      await emu.consoleSettled(150, 1500);
      const text = emu.consoleSince(start);
      await this.start();
      return { crash: kind, console: text };
    });
  }

  async close(): Promise<void> {
    await this.queue;
    await this.emu?.destroy();
    this.emu = null;
  }
}

function toNameArg(name: NameArg | string | null): NameArg {
  if (name === null) return { kind: 'null' };
  if (typeof name === 'string') return { kind: 'string', text: name };
  return name;
}

function describeOutcome(d: NonNullable<ReturnType<typeof decodeResult>>): string {
  switch (d.outcome) {
    case 'returned':
      return `the call returned 0x${d.eax.toString(16)} but the kernel reported a crash meanwhile`;
    case 'killed':
      return `the calling process was killed by signal ${d.signal}`;
    case 'setup-failed':
      return `setting up the call failed with errno ${d.errno}`;
  }
}
