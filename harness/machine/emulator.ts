/**
 * One v86 instance running one kernel with the agent as init: wires the two
 * serial ports, keeps the console text, watches it for crashes, and brings the
 * agent up within a deadline, by booting or by restoring a snapshot.
 */
import { V86 } from 'v86';
import { isUserKernelId, type BootKernel } from '../../kernel-images/user-kernel.ts';
import type { BootAssets } from './assets.ts';
import { AgentClient } from '../agent/client.ts';
import { BootError, CrashError, TransportError, type CrashKind } from '../errors.ts';
import { detectCrash } from './crash.ts';
import type { Snapshot } from './snapshot.ts';
import { ALL_TUNINGS, applyDeviceTuning, catchEmulatorFault, clearSerialInput, hasBulkWindow, setJit, v86Options, type Tuning } from './v86-config.ts';

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
}

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

  private constructor(
    readonly kernel: BootKernel,
    private readonly v86: V86,
    private readonly options: EmulatorOptions,
  ) {
    v86.add_listener('serial1-output-byte', (b) => this.agent.feedByte(b));
    v86.add_listener('serial0-output-byte', (b) => this.consoleByte(b));
  }

  /** The guest did something v86 cannot emulate: whoever waits on the agent hears it at once, not at a deadline. */
  private onFault(e: unknown): void {
    const what = e instanceof Error ? e.message : String(e);
    this.agent.close(new TransportError(`v86 stopped the machine: the guest ran into something v86 does not emulate (${what})`, 'closed'));
  }

  private newAgent(): AgentClient {
    return new AgentClient(
      (bytes) => this.v86.serial_send_bytes(1, bytes),
      // Large call arguments go straight into guest memory, once openWindow has found room for them.
      (bytes, phys) => this.v86.write_memory(bytes, phys),
    );
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
      // Only now: v86 builds its CPU once the wasm has loaded.
      catchEmulatorFault(v86, (e) => emu.onFault(e));
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
      throw new BootError(bootFailure(assets.kernel, e, tail, options.bootTimeoutMs));
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
    const crash = this.silenceAfterCrashText(CRASH_GRACE_MS);
    const { release, version } = await Promise.race([ready, crash.failed]).finally(crash.stop);
    this.release = release;
    this.version = version;
    // A round trip leaves the agent waiting for input with nothing half-sent: the state to save.
    await this.agent.request('ping', {}, this.options.bootTimeoutMs, 'a ping after boot');
    if (hasBulkWindow(this.kernel)) await this.agent.openWindow(this.options.bootTimeoutMs);
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
    this.crashText = [];
    this.crashTextWaiters.clear();
    await this.v86.restore_state(snapshot.state);
    // Bytes the old guest never read would reach the restored agent as noise.
    clearSerialInput(this.v86);
    if (!this.options.keepJit) setJit(this.v86, false);
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

  private consoleByte(b: number): void {
    this.lastConsoleAt = performance.now();
    this.options.onConsoleByte?.(b);
    this.console += String.fromCharCode(b);
    if (b !== 10) return;
    const line = this.console.slice(this.lineStart - this.consoleDropped);
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
