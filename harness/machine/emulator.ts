/**
 * One v86 instance running one kernel with the agent as init: wires the two
 * serial ports, keeps the console text, watches it for crashes, and brings the
 * agent up within a deadline, by booting or by restoring a snapshot.
 */
import { V86 } from 'v86';
import type { KernelImage } from '../../kernel-images/manifest.ts';
import type { BootAssets } from './assets.ts';
import { AgentClient } from '../agent/client.ts';
import { BootError, CrashError, TransportError, type CrashKind } from '../errors.ts';
import { detectCrash } from './crash.ts';
import type { Snapshot } from './snapshot.ts';
import { ALL_TUNINGS, applyDeviceTuning, clearSerialInput, setJit, v86Options, type Tuning } from './v86-config.ts';

/** Kernel messages are kept up to this many characters; crash excerpts come from the tail. */
const CONSOLE_KEEP = 256 * 1024;
/** A restored agent answers a ping in milliseconds; this only catches a snapshot that does not come back. */
const RESTORE_PING_MS = 5000;

export interface EmulatorOptions {
  bootTimeoutMs: number;
  onConsoleByte?: (byte: number) => void;
  /** Boot tuning to apply (default: all of it). */
  tunings?: readonly Tuning[];
  /** Keep v86's JIT on after the agent is ready (default off; see setJit). */
  keepJit?: boolean;
}

export class Emulator {
  agent = this.newAgent();
  release = '';
  version = '';
  /** Time from start() (or restore()) to a ready agent. */
  bootMs = 0;
  /** Whether the running state came from a snapshot rather than a boot. */
  restored = false;
  /** The first crash seen on the console, and the console offset where its line began. */
  crash: { kind: CrashKind; at: number } | null = null;
  private console = '';
  private consoleDropped = 0;
  private lineStart = 0;
  private lastConsoleAt = 0;
  private destroyed = false;
  // Who waits for the first crash. Calls subscribe and unsubscribe, so that a
  // long session leaves nothing behind (a .then on a promise that never
  // settles would keep every call's closure alive).
  private readonly crashWaiters = new Set<(kind: CrashKind) => void>();

  private constructor(
    readonly kernel: KernelImage,
    private readonly v86: V86,
    private readonly options: EmulatorOptions,
  ) {
    v86.add_listener('serial1-output-byte', (b) => this.agent.feedByte(b));
    v86.add_listener('serial0-output-byte', (b) => this.consoleByte(b));
  }

  private newAgent(): AgentClient {
    return new AgentClient((bytes) => this.v86.serial_send_bytes(1, bytes));
  }

  /** Brings up a new v86 instance: restored from `snapshot` when given, booted otherwise. */
  static async start(assets: BootAssets, options: EmulatorOptions, snapshot: Snapshot | null): Promise<Emulator> {
    const t0 = performance.now();
    const tunings = options.tunings ?? ALL_TUNINGS;
    const v86 = new V86(v86Options(assets, tunings));
    const emu = new Emulator(assets.kernel, v86, options);
    try {
      await emu.loaded(options.bootTimeoutMs);
      applyDeviceTuning(v86, tunings);
      if (snapshot) {
        await emu.restore(snapshot);
      } else {
        await emu.bootCold();
      }
      emu.bootMs = performance.now() - t0;
      return emu;
    } catch (e) {
      const tail = emu.consoleTail(1500);
      await emu.destroy();
      if (snapshot) throw e;
      const why = e instanceof CrashError ? `the kernel crashed while booting (${e.crash})` : e instanceof TransportError ? e.message : String(e);
      throw new BootError(`Kernel ${assets.kernel.id} did not boot to the agent: ${why}. Last console output:\n${tail}`);
    }
  }

  private loaded(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new BootError(`v86 did not load within ${timeoutMs} ms`)), timeoutMs);
      this.v86.add_listener('emulator-loaded', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async bootCold(): Promise<void> {
    const ready = this.agent.ready(this.options.bootTimeoutMs, `the agent's ready signal from kernel ${this.kernel.id}`);
    await this.v86.run();
    const { release, version } = await Promise.race([
      ready,
      this.crashed().then((kind) => {
        throw new CrashError(kind);
      }),
    ]);
    this.release = release;
    this.version = version;
    // A round trip leaves the agent waiting for input with nothing half-sent: the state to save.
    await this.agent.request('ping', {}, this.options.bootTimeoutMs, 'a ping after boot');
    if (!this.options.keepJit) setJit(this.v86, false);
  }

  /**
   * Replaces the running guest with a snapshot's state, in this same v86
   * instance, and waits for the agent to answer. Throws if it does not.
   */
  async restore(snapshot: Snapshot): Promise<void> {
    if (this.destroyed) throw new TransportError('the machine was shut down', 'closed');
    const t0 = performance.now();
    await this.v86.stop();
    this.agent.close(new TransportError('the machine was reset', 'closed'));
    this.agent = this.newAgent();
    this.console = '';
    this.consoleDropped = 0;
    this.lineStart = 0;
    this.crash = null;
    this.crashWaiters.clear();
    await this.v86.restore_state(snapshot.state);
    // Bytes the old guest never read would reach the restored agent as noise.
    clearSerialInput(this.v86);
    if (!this.options.keepJit) setJit(this.v86, false);
    await this.v86.run();
    await this.agent.request('ping', {}, RESTORE_PING_MS, 'the restored agent');
    this.release = snapshot.release;
    this.version = snapshot.version;
    this.restored = true;
    this.bootMs = performance.now() - t0;
  }

  /** The guest's whole state, taken now (between calls: the agent is idle). */
  async saveState(): Promise<ArrayBuffer> {
    return this.v86.save_state();
  }

  private consoleByte(b: number): void {
    this.lastConsoleAt = performance.now();
    this.options.onConsoleByte?.(b);
    this.console += String.fromCharCode(b);
    if (b !== 10) return;
    const line = this.console.slice(this.lineStart - this.consoleDropped);
    const kind = this.crash ? null : detectCrash(line);
    if (kind) {
      this.crash = { kind, at: this.lineStart };
      for (const w of [...this.crashWaiters]) w(kind);
    }
    if (this.console.length > CONSOLE_KEEP * 2) {
      const cut = this.console.length - CONSOLE_KEEP;
      this.console = this.console.slice(cut);
      this.consoleDropped += cut;
    }
    this.lineStart = this.consoleDropped + this.console.length;
  }

  /** The kind of the first crash seen so far, if any. */
  crashKind(): CrashKind | null {
    return this.crash?.kind ?? null;
  }

  /** Resolves with the first crash the console shows. */
  crashed(): Promise<CrashKind> {
    return new Promise((resolve) => this.onCrash(resolve));
  }

  /** Calls `f` once with the first crash (at once if there was one); returns the way to stop waiting. */
  onCrash(f: (kind: CrashKind) => void): () => void {
    if (this.crash) {
      const kind = this.crash.kind;
      queueMicrotask(() => f(kind));
      return () => undefined;
    }
    const once = (kind: CrashKind): void => {
      this.crashWaiters.delete(once);
      f(kind);
    };
    this.crashWaiters.add(once);
    return () => this.crashWaiters.delete(once);
  }

  /** Total console characters so far: an offset for consoleSince. */
  get consoleLength(): number {
    return this.consoleDropped + this.console.length;
  }

  consoleSince(offset: number, maxChars = 16 * 1024): string {
    const text = this.console.slice(Math.max(0, offset - this.consoleDropped));
    return text.length > maxChars ? text.slice(text.length - maxChars) : text;
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
    if (!this.destroyed) this.v86.serial_send_bytes(0, bytes);
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
