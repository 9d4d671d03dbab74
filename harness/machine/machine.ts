/**
 * The harness's public face: a machine running one kernel, on which calls are
 * made one at a time. When the kernel crashes (or stops answering), the
 * machine reports the crash with the console text and brings up a clean
 * machine by itself; `generation` counts them. Clean machines come from a
 * snapshot of the first one taken at agent-ready (see snapshot.ts), so a
 * reset costs milliseconds rather than a boot.
 */
import { DEFAULT_KERNEL, findKernel, KERNEL_IDS, type KernelImage } from '../../kernel-images/manifest.ts';
import { isUserKernelId, type BootKernel, type KernelRef, type UserKernel } from '../../kernel-images/user-kernel.ts';
import type { ModuleName, NameArg } from '../calls/args.ts';
import { callData } from '../calls/buffers.ts';
import { errnoName } from '../calls/errno.ts';
import { parseLinkReport } from '../calls/link-report.ts';
import { checkCall, toWire, type Call } from '../calls/model.ts';
import { resultFromEax, type CallRecord, type CallResult, type ExecRecord, type ExecResult, type LinkRecord } from '../calls/record.ts';
import { BootError, CrashError, InputError, TransportError, type CrashKind } from '../errors.ts';
import type { AssetProvider, BootAssets, KernelSource, MachineAssets } from './assets.ts';
import { CRASH_GRACE_MS, Emulator, type PreparedV86 } from './emulator.ts';
import { execResult, planExec, programsLine, runProgram, type ExecOptions, type ExecPlan } from './exec.ts';
import { linkModule, linkObject, moduleNameProblem, objectProblem, resolveModuleArgs, userObjectPath, writeObject } from './insmod.ts';
import type { ExitedReply } from '../protocol.ts';
import { snapshotKey, type Snapshot, type SnapshotCache } from './snapshot.ts';
import { ALL_TUNINGS, type Tuning } from './v86-config.ts';

export interface BootOptions {
  /** A manifest kernel's id (checked here), or a user's image read by readUserKernel. */
  kernel?: string | UserKernel;
  assets: AssetProvider;
  /** Deadline for a boot to reach the agent (default 120 s: 6.1 alone takes ~15 s; a user's kernel 60 s). */
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
  /** Boot with v86's JIT on (default off: see setJit in v86-config.ts). */
  jitDuringBoot?: boolean;
  /**
   * A snapshot is most likely there: the first machine sets up its v86 while
   * the snapshot is still being looked up, not once it is found. One that
   * boots instead discards it. Default off: a store that is often empty (a
   * test's, a first run's) would pay for a v86 it never uses.
   */
  expectSnapshot?: boolean;
}

export type MachineEvent =
  | { type: 'booting'; kernel: KernelRef; generation: number }
  /** `saved`: this boot's machine was kept in the snapshot store for next time (never for a restore). */
  | { type: 'ready'; kernel: KernelRef; generation: number; bootMs: number; release: string; restored: boolean; saved: boolean }
  | { type: 'crashed'; kernel: KernelRef; generation: number; crash: string }
  | { type: 'recovered'; kernel: KernelRef; generation: number };

/**
 * How long the agent's end-of-call mark may trail its reply: the two leave on
 * different ports. Only a deadline; the mark comes within milliseconds.
 */
const END_MARK_MS = 500;

/** How long a ping may take when the console read like a crash but the call answered. */
const PROBE_MS = 1000;

export interface CallOptions {
  uid?: number;
}

function kernelById(id: string): KernelImage {
  const k = findKernel(id);
  if (!k) throw new InputError(`unknown kernel ${JSON.stringify(id)}; choose one of ${KERNEL_IDS.join(', ')}`);
  return k;
}

/**
 * A user's kernel gets less time than the manifest's slowest (6.1, ~15 s): one
 * that prints nothing, or never starts the agent, is told so within a minute.
 */
export const USER_KERNEL_BOOT_MS = 60_000;

export async function boot(options: BootOptions): Promise<Machine> {
  const source: KernelSource = typeof options.kernel === 'object' ? options.kernel : kernelById(options.kernel ?? DEFAULT_KERNEL).id;
  // A restore needs no file: they are loaded (and checked) only if this machine boots.
  const assets = await (options.assets.describe ? options.assets.describe(source) : options.assets.load(source));
  const machine = new Machine(assets.kernel, assets, options, () => options.assets.load(source));
  await machine.reset();
  return machine;
}

/**
 * A machine running one kernel. It keeps the queue (one request at a time),
 * the deadlines and crash recovery; what the requests mean is the agent
 * client's (harness/agent/client.ts), what a call is the call model's.
 */
export class Machine {
  /** How many clean machines have come up: 1 after boot, one more after each reset or recovery. */
  generation = 0;
  private emu: Emulator | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly bootTimeoutMs: number;
  private readonly callTimeoutMs: number;
  private readonly tunings: readonly Tuning[];

  constructor(
    readonly kernel: BootKernel,
    private readonly assets: MachineAssets,
    private readonly options: BootOptions,
    /** The kernel, initrd and BIOS, read and checked: only a boot asks. */
    private readonly bootFiles: () => Promise<BootAssets>,
  ) {
    this.bootTimeoutMs = options.bootTimeoutMs ?? (isUserKernelId(kernel.id) ? USER_KERNEL_BOOT_MS : 120_000);
    this.callTimeoutMs = options.callTimeoutMs ?? 15_000;
    this.tunings = options.tunings ?? ALL_TUNINGS;
  }

  /** Brings up a clean machine (the first one, or a replacement), after every earlier request. */
  reset(): Promise<void> {
    return this.serial(() => this.bringUpClean());
  }

  /**
   * The snapshot restored into the running emulator when there is one, else
   * a new emulator restored from the snapshot, else a boot (which then saves
   * the snapshot). Runs inside the queue.
   */
  private async bringUpClean(): Promise<void> {
    this.generation++;
    this.options.onEvent?.({ type: 'booting', kernel: this.kernel.id, generation: this.generation });
    // A first machine sets up its v86 while the snapshot it found is checked and inflated (see Emulator.prepare), or earlier, while it is looked up.
    const setUp = (): PreparedV86 => Emulator.prepare(this.assets);
    let prepared = this.emu || !this.options.expectSnapshot || !this.options.snapshots ? null : setUp();
    const snapshot = await this.snapshot(this.emu || prepared ? undefined : () => (prepared = setUp()));
    let usable = snapshot;
    let emu: Emulator | null = null;
    if (snapshot && this.emu) {
      try {
        await this.emu.restore(snapshot);
        emu = this.emu;
      } catch (e) {
        // A shut-down emulator says nothing about the snapshot; a restore that failed does.
        if (!(e instanceof TransportError && e.reason === 'closed')) {
          await this.forget(snapshot);
          usable = null;
        }
      }
    }
    if (!emu) {
      await this.emu?.destroy();
      this.emu = null;
      emu = await this.startEmulator(usable, prepared);
      this.emu = emu;
    }
    // A terminal that saw no boot still gets the boot log once, as the snapshot recorded it.
    if (emu.restored && this.generation === 1 && snapshot) this.replayConsole(snapshot.bootConsole);
    this.options.onEvent?.({ type: 'ready', kernel: this.kernel.id, generation: this.generation, bootMs: emu.bootMs, release: emu.release, restored: emu.restored, saved: this.savedThisBoot });
  }

  /** Whether the last machine started was booted and kept in the snapshot store (the 'ready' event says so). */
  private savedThisBoot = false;

  private async startEmulator(snapshot: Snapshot | null, prepared: PreparedV86 | null = null): Promise<Emulator> {
    this.savedThisBoot = false;
    const opts = {
      bootTimeoutMs: this.bootTimeoutMs,
      tunings: this.tunings,
      keepJit: this.options.keepJit ?? false,
      jitDuringBoot: this.options.jitDuringBoot ?? false,
      ...(this.options.onConsole ? { onConsoleByte: this.options.onConsole } : {}),
    };
    if (snapshot) {
      try {
        return await Emulator.start(this.assets, opts, { snapshot }, prepared);
      } catch {
        await this.forget(snapshot);
      }
    }
    let files: BootAssets;
    try {
      files = await this.bootFiles();
    } catch (e) {
      // A v86 set up for a restore that will not come is freed, not left behind.
      void prepared?.discard();
      throw e;
    }
    const emu = await Emulator.start(this.assets, opts, { boot: files }, prepared);
    const cache = this.options.snapshots;
    if (cache) {
      const key = await snapshotKey(this.assets, this.tunings);
      this.savedThisBoot = await cache.put({ key, state: await emu.saveState(), release: emu.release, version: emu.version, bootConsole: emu.consoleText(), bootMs: emu.bootMs });
    }
    return emu;
  }

  private async snapshot(onFound?: () => void): Promise<Snapshot | null> {
    const cache = this.options.snapshots;
    return cache ? cache.get(await snapshotKey(this.assets, this.tunings), onFound) : null;
  }

  private async forget(snapshot: Snapshot): Promise<void> {
    await this.options.snapshots?.drop(snapshot.key);
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

  /** Runs `task` after every earlier one: requests never overlap on the guest. */
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
    let checked: Call;
    try {
      checked = checkCall(call);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return this.serial(() => this.callNow(checked));
  }

  private async callNow(requested: Call): Promise<CallRecord> {
    const emu = this.live;
    const generation = this.generation;
    const consoleStart = emu.consoleLength;
    const t0 = performance.now();
    const record = (call: Call, result: CallResult, recovered: boolean, console: string): CallRecord => ({
      kind: 'call',
      call,
      kernel: this.kernel.id,
      machine: generation,
      result,
      recovered,
      elapsedMs: performance.now() - t0,
      console,
    });
    let call = requested;
    let result: CallResult;
    // Console text that reads like a crash only starts a deadline: the agent's
    // reply (or its silence past the deadline) decides, and the text explains.
    const crash = emu.silenceAfterCrashText(CRASH_GRACE_MS);
    try {
      // Inside the try: a guest that stops answering while linking is a hang like any other.
      const resolved = await Promise.race([resolveModuleArgs(emu.agent, this.callTimeoutMs, requested), crash.failed]);
      if ('failed' in resolved) return record(call, resolved.failed, false, '');
      call = resolved.call;
      const reply = await Promise.race([emu.agent.request('call', toWire(call), this.callTimeoutMs, call.call), crash.failed]);
      const elapsed = performance.now() - t0;
      // Requests are serial: the latest one sent is this call, whose end-of-call mark ends its console text.
      const callId = emu.agent.channel.lastRequestId;
      crash.stop();
      if (reply.outcome === 'killed') {
        // The agent saw its child die by a signal: the kernel killed it (an oops, or the OOM killer).
        await emu.consoleSettled(150, 1500);
        result = await this.crashResult(emu, consoleStart, emu.crashTextSince(consoleStart) ?? 'oops', `the calling process was killed by signal ${reply.signal}`);
      } else if (reply.outcome === 'setup-failed') {
        result = { kind: 'errno', errno: reply.errno, errnoName: errnoName(reply.errno), during: 'setuid' };
      } else {
        const out = reply.out;
        const sent = call;
        result = resultFromEax(reply.eax, (ok) => callData(sent, out, ok));
      }
      if (result.kind !== 'crash') {
        // What the call printed (a module's printk) is complete at the agent's end-of-call mark.
        await emu.endMark(callId, END_MARK_MS);
        const done = { ...record(call, result, false, emu.callConsole(callId, consoleStart)), elapsedMs: elapsed };
        // The call answered; if the console also read like a crash, make sure the agent still does.
        if (emu.crashTextSince(consoleStart) && !(await this.agentAnswers(emu))) {
          await this.recover(generation, 'hang');
          return { ...done, recovered: true };
        }
        return done;
      }
    } catch (e) {
      if (e instanceof CrashError) {
        const kind = emu.crashTextSince(consoleStart) ?? e.crash;
        result = await this.crashResult(emu, consoleStart, kind, `the guest stopped answering after its console reported ${kind === 'panic' ? 'a panic' : 'a crash'}`);
      } else if (e instanceof TransportError && e.reason === 'timeout') {
        result = await this.crashResult(emu, consoleStart, emu.crashTextSince(consoleStart) ?? 'hang', e.message);
      } else {
        throw e;
      }
    } finally {
      crash.stop();
    }
    const done = record(call, result, true, result.kind === 'crash' ? result.console : '');
    await this.recover(generation, result.kind === 'crash' ? result.crash : 'hang');
    return done;
  }

  /**
   * Runs a user's static i386 program on the guest: the agent writes it into
   * WRITE_DIR, runs it in a child (as `uid`, killed at `timeoutMs`) with its
   * stdout and stderr captured and echoed to the console, reports how it
   * ended and deletes it. A program killed by a signal while the kernel
   * reports an oops is a crash, after which a clean machine takes over, as
   * for a call. Throws InputError, before anything reaches the guest, for an
   * executable or options modlab cannot use.
   */
  exec(executable: Uint8Array, options: ExecOptions = {}): Promise<ExecRecord> {
    let plan: ExecPlan;
    try {
      plan = planExec(executable, options);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return this.serial(() => this.execNow(plan));
  }

  private async execNow(plan: ExecPlan): Promise<ExecRecord> {
    const emu = this.live;
    const generation = this.generation;
    const consoleStart = emu.consoleLength;
    const t0 = performance.now();
    const decoder = new TextDecoder();
    const record = (result: ExecResult, recovered: boolean, console: string, reply?: ExitedReply): ExecRecord => ({
      kind: 'exec',
      program: plan.name,
      args: plan.args,
      uid: plan.uid,
      kernel: this.kernel.id,
      machine: generation,
      result,
      stdout: reply ? decoder.decode(reply.stdout) : '',
      stderr: reply ? decoder.decode(reply.stderr) : '',
      stdoutTruncated: reply?.stdoutTruncated ?? false,
      stderrTruncated: reply?.stderrTruncated ?? false,
      console,
      recovered,
      elapsedMs: performance.now() - t0,
      guestMs: reply ? reply.guestUs / 1000 : 0,
    });
    let reply: ExitedReply | undefined;
    let result: ExecResult;
    try {
      const errno = await writeObject(emu.agent, this.callTimeoutMs, plan.path, plan.executable);
      if (errno !== 0) return record({ kind: 'not-run', errno, errnoName: errnoName(errno), during: 'write' }, false, '');
      // No racing against crash-like console text here: the program's own output is echoed to the
      // console and may read like a crash. A guest that died is found at the reply's deadline.
      reply = await runProgram(emu.agent, plan, plan.limitMs + this.callTimeoutMs);
      // The program's echoed output and what the kernel printed meanwhile are complete at the end-of-call mark.
      const execId = emu.agent.channel.lastRequestId;
      await emu.endMark(execId, END_MARK_MS);
      const output = decoder.decode(reply.stdout) + decoder.decode(reply.stderr);
      const kernelSays = emu.crashLinesSince(consoleStart).filter((c) => !programsLine(c.line, output));
      if (reply.end === 'signaled' && kernelSays.length > 0) {
        // The kernel killed it in the middle of a system call (an oops) or its OOM killer did: the kernel's state is suspect.
        await emu.consoleSettled(150, 1500);
        const crash = kernelSays.some((c) => c.kind === 'panic') ? 'panic' : (kernelSays[0]?.kind ?? 'oops');
        result = { kind: 'crash', crash, console: emu.consoleSince(consoleStart), detail: `the program was killed by signal ${reply.signal} while the kernel reported ${crash === 'oom' ? 'running out of memory' : 'a crash'}` };
      } else {
        const done = record(execResult(reply, plan.limitMs), false, emu.callConsole(execId, consoleStart), reply);
        // It ended by itself, but the kernel printed crash-like lines: make sure the agent still answers.
        if (kernelSays.length > 0 && !(await this.agentAnswers(emu))) {
          await this.recover(generation, 'hang');
          return { ...done, recovered: true };
        }
        return done;
      }
    } catch (e) {
      if (!(e instanceof TransportError && e.reason === 'timeout')) throw e;
      result = await this.crashResult(emu, consoleStart, emu.crashTextSince(consoleStart) ?? 'hang', e.message);
    }
    const done = record(result, true, result.kind === 'crash' ? result.console : '', reply);
    await this.recover(generation, result.kind === 'crash' ? result.crash : 'hang');
    return done;
  }

  /** Whether the agent answers a ping promptly (the machine is alive). */
  private async agentAnswers(emu: Emulator): Promise<boolean> {
    try {
      await emu.agent.request('ping', {}, PROBE_MS, 'a ping after crash-like console text');
      return true;
    } catch (e) {
      if (e instanceof TransportError) return false;
      throw e;
    }
  }

  /** Replaces the machine that crashed with a clean one, telling the listener. */
  private async recover(generation: number, crash: string): Promise<void> {
    this.options.onEvent?.({ type: 'crashed', kernel: this.kernel.id, generation, crash });
    await this.bringUpClean();
    this.options.onEvent?.({ type: 'recovered', kernel: this.kernel.id, generation: this.generation });
  }

  private async crashResult(emu: Emulator, consoleStart: number, crash: CrashKind | 'hang', detail: string): Promise<Extract<CallResult, { kind: 'crash' }>> {
    // Let the kernel finish printing its oops or panic before taking the excerpt.
    await emu.consoleSettled(150, 1500);
    return { kind: 'crash', crash, console: emu.consoleSince(consoleStart), detail };
  }

  /**
   * The agent links `module`'s object as module `name` for kernel address
   * `base` (0: only lays it out, reporting the size create_module must reserve).
   */
  link(module: ModuleName, name: string, base: number): Promise<LinkRecord> {
    return this.linkWith(module, name, base, (agent) => linkModule(agent, this.callTimeoutMs, module, name, base));
  }

  /**
   * The agent links the object at `path` in the guest (a user's, written by
   * putObject) as module `name` for kernel address `base`, as link() does.
   */
  linkObject(path: string, name: string, base: number): Promise<LinkRecord> {
    return this.linkWith(path, name, base, (agent) => linkObject(agent, this.callTimeoutMs, path, name, base));
  }

  /**
   * Writes a user's module object into the guest for module `name`, after
   * checking both here; resolves with its path there, for linkObject. Throws
   * InputError for an object or name modlab cannot use, Error when the guest
   * could not store it (ENOSPC on the 2.4 initrd's ~75 KiB).
   */
  putObject(name: string, object: Uint8Array): Promise<string> {
    const problem = moduleNameProblem(name) ?? objectProblem(object, `the object for ${name}`);
    if (problem) return Promise.reject(new InputError(problem));
    const path = userObjectPath(name);
    return this.serial(async () => {
      const errno = await writeObject(this.live.agent, this.callTimeoutMs, path, object);
      if (errno !== 0) throw new Error(`writing ${path} (${object.length} bytes) in the guest failed: ${errnoName(errno)}`);
      return path;
    });
  }

  private linkWith(module: LinkRecord['module'], name: string, base: number, link: (agent: Emulator['agent']) => ReturnType<typeof linkModule>): Promise<LinkRecord> {
    return this.serial(async () => {
      const t0 = performance.now();
      const reply = await link(this.live.agent);
      return {
        kind: 'link',
        module,
        name,
        base,
        size: reply.size,
        result: reply.errno === 0 ? { kind: 'linked', image: reply.image } : { kind: 'errno', errno: reply.errno, errnoName: errnoName(reply.errno) },
        report: parseLinkReport(reply.report),
        kernel: this.kernel.id,
        machine: this.generation,
        elapsedMs: performance.now() - t0,
      };
    });
  }

  /** The text of /proc/modules. */
  readProcModules(): Promise<string> {
    return this.readFile('/proc/modules');
  }

  readFile(path: string): Promise<string> {
    return this.serial(async () => {
      const file = await this.live.agent.request('read', { path }, this.callTimeoutMs, `reading ${path}`);
      if (file.errno !== 0) throw new Error(`reading ${path} in the guest failed: ${errnoName(file.errno)}`);
      return new TextDecoder().decode(file.bytes);
    });
  }

  /** Text (as UTF-8) or raw bytes typed on the guest console (the agent's shell). */
  sendConsole(input: string | Uint8Array): void {
    this.emu?.sendConsole(typeof input === 'string' ? new TextEncoder().encode(input) : input);
  }

  /**
   * Fault injection: init exits, so the kernel panics for real. Resolves with
   * the panic's console text once a clean machine has taken over.
   */
  panicInit(): Promise<{ crash: string; console: string }> {
    return this.serial(async () => {
      const emu = this.live;
      const start = emu.consoleLength;
      emu.agent.exit();
      // The kernel says it panicked; a ping that goes unanswered proves it.
      let timer: ReturnType<typeof setTimeout> | undefined;
      let stop = (): void => undefined;
      await new Promise<void>((resolve) => {
        stop = emu.onCrashText(() => resolve());
        timer = setTimeout(resolve, this.callTimeoutMs);
      });
      stop();
      clearTimeout(timer);
      if (await this.agentAnswers(emu)) throw new Error('init was told to exit, but the agent still answers');
      await emu.consoleSettled(150, 1500);
      const text = emu.consoleSince(start);
      const kind = emu.crashTextSince(start) ?? 'hang';
      await this.bringUpClean();
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
