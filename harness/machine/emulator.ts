/**
 * One v86 instance running one kernel with the agent as init: wires the two
 * serial ports, keeps the console text, watches it for crashes, and brings the
 * agent up within a deadline, by booting or by restoring a snapshot.
 */
import type { V86Options } from 'v86';
// v86 patched (v86-patches.ts): the Node target's loader, or in the page libv86.mjs patched by the build (package.json imports).
import { V86 } from '#v86';
import { isUserKernelId, type BootKernel } from '../../kernel-images/user-kernel.ts';
import type { BootAssets, MachineAssets } from './assets.ts';
import { AgentClient } from '../agent/client.ts';
import { BootError, CrashError, TransportError, type CrashKind } from '../errors.ts';
import { detectCrash } from './crash.ts';
import { CallMarkFilter } from './call-marks.ts';
import type { Snapshot } from './snapshot.ts';
import { ALL_TUNINGS, applyDeviceTuning, bootFiles, catchEmulatorFault, clearSerialInput, hasBulkWindow, jitWindowSwitch, restoreOptions, setJit, v86Options, type Tuning } from './v86-config.ts';

/** Kernel messages are kept up to this many characters; crash excerpts come from the tail. */
const CONSOLE_KEEP = 256 * 1024;
/** How long the guest may stay silent after its console showed a crash before the crash is taken as real. */
export const CRASH_GRACE_MS = 3000;
/** Crash-like lines remembered (a long oops has several). */
const MAX_CRASH_TEXT = 64;
/** A restored agent answers a ping in milliseconds; this only catches a snapshot that does not come back. */
const RESTORE_PING_MS = 5000;

export interface EmulatorOptions {
  bootTimeoutMs: number;
  onConsoleByte?: (byte: number) => void;
  /** Boot tuning to apply (default: all of it). */
  tunings?: readonly Tuning[];
  /** Keep v86's JIT on after the agent is ready (default off; see setJit). */
  keepJit?: boolean;
  /** Boot with v86's JIT on (default off; see setJit): only worth it where V8 compiles wasm with Liftoff alone. */
  jitDuringBoot?: boolean;
}

/** The part of v86's run loop (its inner emulator object) that decides how it yields between slices. */
interface YieldInternals {
  worker: unknown;
  idle: boolean;
  running: boolean;
  tick_counter: number;
  yield: (delayMs: number, tick: number) => void;
  yield_callback: (tick: number) => void;
  unregister_yield: () => void;
}

/**
 * v86 runs the guest in slices and yields between them. Under Node it goes
 * on with setImmediate; in a browser it asks a helper Worker, by postMessage
 * there and back, even when it means to go on at once. A request to a halted
 * guest wakes it that way too, and on the page's thread that wake-up waits
 * behind whatever the page does after a click (style, layout, paint): 4–12 ms
 * measured, for a call the guest then answers within one slice of ~1 ms —
 * why the page's round trip was many times Node's. So in a browser the slice
 * that serves a request runs at once, in the task that sent the request
 * (the returned `kick`), and other slices yield on this same thread: a
 * MessageChannel task, or a timer when the halted guest waits for one, never
 * set from a timer's callback (no 4 ms clamping of nested timers). Returns
 * null under Node, whose yield already does this.
 */
function yieldOnThisThread(v86: V86): (() => void) | null {
  const inner = (v86 as unknown as { v86?: YieldInternals }).v86;
  if (!inner?.worker) return null;
  inner.unregister_yield();
  const channel = new MessageChannel();
  channel.port1.onmessage = (event) => inner.yield_callback(event.data as number);
  inner.yield = (delayMs, tick) => {
    if (delayMs < 1) channel.port2.postMessage(tick);
    else setTimeout(() => channel.port2.postMessage(tick), delayMs);
  };
  inner.unregister_yield = () => channel.port1.close();
  // Only from outside a slice (v86 marks itself idle between them): a slice never runs inside another.
  return () => {
    if (inner.running && inner.idle) inner.yield_callback(inner.tick_counter);
  };
}

/** What a new v86 starts from: a saved machine's state, or a boot of the kernel from its files. */
export type StartFrom = { snapshot: Snapshot } | { boot: BootAssets };

export class Emulator {
  agent = this.newAgent();
  release = '';
  version = '';
  /** Time from start() (or restore()) to a ready agent. */
  bootMs = 0;
  /** Whether the running state came from a snapshot rather than a boot. */
  restored = false;
  /**
   * Console lines that read like a crash, with the offset where each began.
   * Only a hint: the console also carries the tty's echo and names users
   * chose, so such text never decides a crash; the agent's answer (or its
   * silence) does, and the text explains it.
   */
  private crashText: Array<{ kind: CrashKind; at: number; line: string }> = [];
  private console = '';
  private consoleDropped = 0;
  private lineStart = 0;
  private lastConsoleAt = 0;
  private destroyed = false;
  // Who is told of crash-like console lines. Waiters subscribe and unsubscribe,
  // so that a long session leaves nothing behind.
  private readonly crashTextWaiters = new Set<(kind: CrashKind) => void>();
  // The console without the agent's call marks; where the latest start mark was; the id of the latest end mark seen; who waits for one.
  private readonly marks = new CallMarkFilter(
    (b) => this.consoleByte(b),
    (id, kind) => {
      if (kind === 'start') {
        this.lastStart = { id, at: this.consoleLength };
        return;
      }
      this.lastEnd = { id, at: this.consoleLength };
      this.lastMark = id;
      for (const w of [...this.markWaiters]) w();
    },
  );
  private lastStart = { id: -1, at: 0 };
  private lastEnd = { id: -1, at: 0 };
  private lastMark = -1;
  /** Runs the guest now if it is idle, to serve bytes just sent (browser only; see yieldOnThisThread). */
  private kick = (): void => undefined;
  /** Told each console line of a cold boot, until the agent is ready. */
  private onBootLine: ((line: string) => void) | null = null;
  private readonly markWaiters = new Set<() => void>();

  private constructor(
    readonly kernel: BootKernel,
    private readonly v86: V86,
    private readonly options: EmulatorOptions,
  ) {
    v86.add_listener('serial1-output-byte', (b) => this.agent.feedByte(b));
    v86.add_listener('serial0-output-byte', (b) => this.marks.push(b));
  }

  /** The guest did something v86 cannot emulate: whoever waits on the agent hears it at once, not at a deadline. */
  private onFault(e: unknown): void {
    const what = e instanceof Error ? e.message : String(e);
    this.agent.close(new TransportError(`v86 stopped the machine: the guest ran into something v86 does not emulate (${what})`, 'closed'));
  }

  private newAgent(): AgentClient {
    return new AgentClient(
      (bytes) => {
        this.v86.serial_send_bytes(1, bytes);
        this.kick();
      },
      // Large call arguments go straight into guest memory, once openWindow has found room for them.
      (bytes, phys) => this.v86.write_memory(bytes, phys),
    );
  }

  /**
   * Starts setting up a v86 for a restore (no kernel, initrd or BIOS: see
   * restoreOptions) for start() to take once the snapshot is in hand:
   * called when a snapshot has been found, its set-up (wasm instantiated,
   * CPU and devices built: ~0.1 s of the main thread, more than the rest of
   * a restore) overlaps the snapshot's hashing and inflating, which run off
   * it, instead of following them. One not taken must be discarded.
   */
  static prepare(assets: MachineAssets): PreparedV86 {
    return new PreparedV86(setUpV86(restoreOptions(assets), assets));
  }

  /**
   * Brings up a new v86 instance: restored from a snapshot, or booted from
   * the files. A `prepared` v86 (prepare() with the same assets)
   * serves the restore; for a boot it is discarded.
   */
  static async start(assets: MachineAssets, options: EmulatorOptions, from: StartFrom, prepared: PreparedV86 | null = null): Promise<Emulator> {
    const t0 = performance.now();
    const tunings = options.tunings ?? ALL_TUNINGS;
    const snapshot = 'snapshot' in from ? from.snapshot : null;
    const ahead = snapshot ? (prepared?.take() ?? null) : null;
    if (!ahead) void prepared?.discard();
    // A restore overwrites memory: copying the kernel and initrd in first would only cost time (see zeroFirmwareOnly).
    const { v86, loaded } = ahead ?? setUpV86('boot' in from ? v86Options(from.boot, tunings, await bootFiles(from.boot, tunings)) : restoreOptions(assets), assets);
    const emu = new Emulator(assets.kernel, v86, options);
    try {
      await withDeadline(loaded, options.bootTimeoutMs, () => new BootError(`v86 did not load within ${options.bootTimeoutMs} ms`));
      applyDeviceTuning(v86, tunings);
      setJit(v86, options.jitDuringBoot === true);
      emu.kick = yieldOnThisThread(v86) ?? emu.kick;
      // Only now: v86 builds its CPU once the wasm has loaded.
      catchEmulatorFault(v86, (e) => emu.onFault(e));
      if (snapshot) {
        await emu.restore(snapshot, true);
      } else {
        await emu.bootCold();
      }
      emu.bootMs = performance.now() - t0;
      return emu;
    } catch (e) {
      const tail = emu.consoleTail(1500);
      // A v86 that never loaded has nothing to destroy and throws when asked: the failure to report is `e`.
      await emu.destroy().catch(() => undefined);
      if (snapshot) throw e;
      throw new BootError(bootFailure(assets.kernel, e, tail, options.bootTimeoutMs));
    }
  }

  private async bootCold(): Promise<void> {
    const ready = this.agent.ready(this.options.bootTimeoutMs, `the agent's ready signal from kernel ${this.kernel.id}`);
    // An interpreted boot turns the JIT on for its hot stretches only (jitWindowSwitch).
    if (this.options.jitDuringBoot !== true) this.onBootLine = jitWindowSwitch(this.kernel, this.options.tunings ?? ALL_TUNINGS, (on) => setJit(this.v86, on));
    await this.v86.run();
    const crash = this.silenceAfterCrashText(CRASH_GRACE_MS);
    const { release, version } = await Promise.race([ready, crash.failed]).finally(() => {
      crash.stop();
      this.onBootLine = null;
    });
    this.release = release;
    this.version = version;
    // A round trip leaves the agent waiting for input with nothing half-sent: the state to save.
    await this.agent.request('ping', {}, this.options.bootTimeoutMs, 'a ping after boot');
    if (hasBulkWindow(this.kernel)) await this.agent.openWindow(this.options.bootTimeoutMs);
    setJit(this.v86, this.options.keepJit === true);
  }

  /**
   * Replaces the running guest with a snapshot's state, in this same v86
   * instance, and waits for the agent to answer. Throws if it does not.
   */
  async restore(snapshot: Snapshot, neverRun = false): Promise<void> {
    if (this.destroyed) throw new TransportError('the machine was shut down', 'closed');
    const t0 = performance.now();
    await this.v86.stop();
    this.agent.close(new TransportError('the machine was reset', 'closed'));
    this.agent = this.newAgent();
    this.console = '';
    this.consoleDropped = 0;
    this.lineStart = 0;
    this.crashText = [];
    this.crashTextWaiters.clear();
    this.marks.reset();
    this.lastStart = { id: -1, at: 0 };
    this.lastEnd = { id: -1, at: 0 };
    this.lastMark = -1;
    const undo = neverRun ? zeroFirmwareOnly(this.v86) : null;
    try {
      await this.v86.restore_state(snapshot.state);
    } finally {
      undo?.();
    }
    // Bytes the old guest never read would reach the restored agent as noise.
    clearSerialInput(this.v86);
    setJit(this.v86, this.options.keepJit === true);
    await this.v86.run();
    await this.agent.request('ping', {}, RESTORE_PING_MS, 'the restored agent');
    // The snapshot's agent has its window mapped already; this client learns of it.
    if (hasBulkWindow(this.kernel)) await this.agent.openWindow(RESTORE_PING_MS);
    this.release = snapshot.release;
    this.version = snapshot.version;
    this.restored = true;
    this.bootMs = performance.now() - t0;
  }

  /** The guest's whole state, taken now (between calls: the agent is idle). */
  async saveState(): Promise<ArrayBuffer> {
    return this.v86.save_state();
  }

  /**
   * Resolves true once the agent's end-of-call mark for request `id` has come
   * (it may have come already), false when `maxMs` passed without it.
   */
  endMark(id: number, maxMs: number): Promise<boolean> {
    if (this.lastMark === id) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (seen: boolean): void => {
        clearTimeout(timer);
        this.markWaiters.delete(check);
        resolve(seen);
      };
      const check = (): void => {
        if (this.lastMark === id) finish(true);
      };
      const timer = setTimeout(() => finish(false), maxMs);
      this.markWaiters.add(check);
    });
  }

  private consoleByte(b: number): void {
    this.lastConsoleAt = performance.now();
    this.options.onConsoleByte?.(b);
    this.console += String.fromCharCode(b);
    if (b !== 10) return;
    const line = this.console.slice(this.lineStart - this.consoleDropped);
    this.onBootLine?.(line);
    const kind = detectCrash(line);
    if (kind) {
      this.crashText.push({ kind, at: this.lineStart, line });
      if (this.crashText.length > MAX_CRASH_TEXT) this.crashText.shift();
      for (const w of [...this.crashTextWaiters]) w(kind);
    }
    if (this.console.length > CONSOLE_KEEP * 2) {
      const cut = this.console.length - CONSOLE_KEEP;
      this.console = this.console.slice(cut);
      this.consoleDropped += cut;
    }
    this.lineStart = this.consoleDropped + this.console.length;
  }

  /** What the console's crash-like lines since `offset` say happened (a panic outranks an oops), to explain a crash the agent reported. */
  crashTextSince(offset: number): CrashKind | null {
    const kinds = this.crashText.filter((c) => c.at >= offset).map((c) => c.kind);
    return kinds.includes('panic') ? 'panic' : (kinds[0] ?? null);
  }

  /** The crash-like console lines since `offset` with their text, for telling a program's own output from the kernel's. */
  crashLinesSince(offset: number): Array<{ kind: CrashKind; line: string }> {
    return this.crashText.filter((c) => c.at >= offset).map(({ kind, line }) => ({ kind, line }));
  }

  /** Calls `f` with the kind of each crash-like console line from now on; returns the way to stop. */
  onCrashText(f: (kind: CrashKind) => void): () => void {
    this.crashTextWaiters.add(f);
    return () => this.crashTextWaiters.delete(f);
  }

  /**
   * A promise that fails with a CrashError once the console has shown a crash
   * and the guest has then stayed silent for `graceMs`; racing it with the
   * awaited reply lets the reply (the agent alive after all) win. `stop`
   * ends the watch and its timer.
   */
  silenceAfterCrashText(graceMs: number): { failed: Promise<never>; stop: () => void } {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let unsubscribe = (): void => undefined;
    const failed = new Promise<never>((_, reject) => {
      unsubscribe = this.onCrashText((kind) => {
        timer ??= setTimeout(() => reject(new CrashError(kind)), graceMs);
      });
    });
    // Nobody may be left listening when the reply wins.
    failed.catch(() => undefined);
    return {
      failed,
      stop: () => {
        unsubscribe();
        clearTimeout(timer);
      },
    };
  }

  /**
   * Request `id`'s console text: between its start and end marks, so that a
   * prompt the agent printed for console input it read just before or after
   * the request is not the request's. From `sent` (the offset when the
   * request went out) and to now where a mark never came.
   */
  callConsole(id: number, sent: number): string {
    const from = this.lastStart.id === id ? Math.max(sent, this.lastStart.at) : sent;
    const to = this.lastEnd.id === id && this.lastEnd.at >= from ? this.lastEnd.at : this.consoleLength;
    return this.consoleBetween(from, to);
  }

  consoleSince(offset: number, maxChars = 16 * 1024): string {
    return this.consoleBetween(offset, this.consoleLength, maxChars);
  }

  /** The console from offset `from` to `to`, its last `maxChars` when longer (what went before may be dropped already). */
  private consoleBetween(from: number, to: number, maxChars = 16 * 1024): string {
    const text = this.console.slice(Math.max(0, from - this.consoleDropped), Math.max(0, to - this.consoleDropped));
    return text.length > maxChars ? text.slice(text.length - maxChars) : text;
  }

  /** Total console characters so far: an offset for consoleSince. */
  get consoleLength(): number {
    return this.consoleDropped + this.console.length;
  }

  consoleTail(chars: number): string {
    return this.console.slice(-chars);
  }

  /**
   * Waits until the console has been quiet for `quietMs` (no byte since), or
   * `maxMs` has passed: each wake-up is when the quiet period would end.
   */
  async consoleSettled(quietMs: number, maxMs: number): Promise<void> {
    const end = performance.now() + maxMs;
    for (;;) {
      const now = performance.now();
      const quietAt = this.lastConsoleAt + quietMs;
      if (now >= quietAt || now >= end) return;
      await new Promise<void>((r) => setTimeout(() => r(), Math.min(quietAt, end) - now));
    }
  }

  sendConsole(bytes: Uint8Array): void {
    if (this.destroyed) return;
    this.v86.serial_send_bytes(0, bytes);
    this.kick();
  }

  /** All console text kept so far (the boot log, right after a boot). */
  consoleText(): string {
    return this.console;
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.agent.close(new TransportError('the machine was shut down', 'closed'));
    await this.v86.destroy();
  }
}

/** Console lines quoted when a boot fails: enough for the last messages, not the whole log. */
const FAILURE_LINES = 20;

/**
 * The sentence for a boot that did not reach the agent. A deadline passed in
 * silence and one passed after kernel messages are different failures; for a
 * user's kernel each says what its build may lack.
 */
export function bootFailure(kernel: BootKernel, e: unknown, consoleTail: string, timeoutMs: number): string {
  const lines = consoleTail.split(/\r?\n/).filter((l) => l.trim() !== '').slice(-FAILURE_LINES).join('\n');
  const user = isUserKernelId(kernel.id);
  const head = `Kernel ${kernel.id} did not boot to the agent`;
  if (e instanceof TransportError && e.reason === 'timeout') {
    const secs = `${Math.round(timeoutMs / 1000)} s`;
    if (lines === '') {
      return `${head}: it printed nothing on the serial console (ttyS0) within ${secs}` + (user ? '; the kernel may lack a built-in serial console (CONFIG_SERIAL_CONSOLE, an 8250/16550 driver compiled in, not a module) or initrd support (CONFIG_BLK_DEV_INITRD).' : '.');
    }
    const hint = user
      ? `; the kernel may lack initrd support (CONFIG_BLK_DEV_INITRD${kernel.initrd === 'ext2' ? ' with ext2 and the RAM disk built in' : ', an initramfs'}) or a built-in serial driver for ttyS1, where the agent talks`
      : '';
    return `${head}: it booted, but modlab's agent never came up within ${secs}${hint}. Last console lines:\n${lines}`;
  }
  const why = e instanceof CrashError ? `the kernel crashed while booting (${e.crash})` : e instanceof TransportError ? e.message : String(e);
  let hint = '';
  if (user && e instanceof CrashError) hint = `; the kernel may lack initrd support (CONFIG_BLK_DEV_INITRD${kernel.initrd === 'ext2' ? ' with ext2 and the RAM disk built in' : ''}) or need options modlab does not give`;
  else if (user && e instanceof TransportError) hint = '; the image may be damaged or built for another machine (modlab boots i386 kernels)';
  return `${head}: ${why}${hint}. ${lines === '' ? 'The serial console (ttyS0) stayed silent.' : `Last console lines:\n${lines}`}`;
}

/** Below this, a v86 given its BIOS writes it into RAM; a restore's v86 is given no file and writes nothing (test/unit/fresh-memory.test.ts). */
export const FIRMWARE_END = 0x100000;

interface CpuMemory {
  zero_memory: (addr: number, length: number) => void;
}

/**
 * restore_state zeroes all of RAM before it copies in the saved pages: for a
 * 2.4 machine 144 MB, ~100 ms, mostly the host committing pages that are
 * zero already. In a v86 that has not run and was given no kernel or initrd,
 * nothing above FIRMWARE_END was written, so only what is below needs it.
 * Returns the way to put v86's own zeroing back.
 */
function zeroFirmwareOnly(v86: V86): () => void {
  const cpu = (v86 as unknown as { v86: { cpu: CpuMemory } }).v86.cpu;
  const zero = cpu.zero_memory;
  cpu.zero_memory = (addr, length) => {
    const end = Math.min(addr + length, FIRMWARE_END);
    if (end > addr) zero.call(cpu, addr, end - addr);
  };
  return () => {
    cpu.zero_memory = zero;
  };
}

/** A v86 instance and the promise of its having loaded (its wasm instantiated, its CPU and devices built). */
interface LoadingV86 {
  v86: V86;
  loaded: Promise<void>;
}

/**
 * Constructs a v86 and starts it loading. With the target's compiled wasm
 * (assets.v86Wasm) it only instantiates that; a failure there rejects
 * `loaded`, where v86 itself would leave it an unhandled rejection.
 */
function setUpV86(options: V86Options, assets: MachineAssets): LoadingV86 {
  let wasmFailed = (_e: unknown): void => undefined;
  const failure = new Promise<never>((_, reject) => (wasmFailed = reject));
  const instantiate = assets.v86Wasm;
  const v86 = new V86(
    instantiate
      ? {
          ...options,
          wasm_fn: (imports) =>
            instantiate.then((f) => f(imports)).catch((e: unknown) => {
              wasmFailed(new BootError(`v86 could not load its WebAssembly: ${e instanceof Error ? e.message : String(e)}`));
              // v86 is left waiting; `loaded` has failed already.
              return new Promise<never>(() => undefined);
            }),
        }
      : options,
  );
  const ready = new Promise<void>((resolve) => v86.add_listener('emulator-loaded', () => resolve()));
  const loaded = Promise.race([ready, failure]);
  // Whoever takes it hears the failure; an instance nobody took must not report it as unhandled.
  loaded.catch(() => undefined);
  return { v86, loaded };
}

function withDeadline<T>(p: Promise<T>, ms: number, timeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(timeout()), ms)));
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}

/** A v86 set up ahead of its snapshot (Emulator.prepare): taken once by Emulator.start, or discarded. */
export class PreparedV86 {
  private state: 'waiting' | 'taken' | 'discarded' = 'waiting';

  constructor(private readonly loading: LoadingV86) {}

  take(): LoadingV86 | null {
    if (this.state !== 'waiting') return null;
    this.state = 'taken';
    return this.loading;
  }

  /** Frees it once it has loaded (a v86 half set up cannot be destroyed); nothing to do once taken. */
  async discard(): Promise<void> {
    if (this.state !== 'waiting') return;
    this.state = 'discarded';
    try {
      await this.loading.loaded;
      await this.loading.v86.destroy();
    } catch {
      // Nobody waits on a discard: a v86 that failed to load holds nothing, and one that will not go is left to the collector.
    }
  }
}
