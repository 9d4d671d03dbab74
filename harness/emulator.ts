/**
 * One v86 instance running one kernel with the agent as init: wires the two
 * serial ports, keeps the console text, watches it for crashes, and boots to
 * the agent's READY frame within a deadline.
 */
import { V86 } from 'v86';
import type { KernelImage } from '../kernel-images/manifest.ts';
import { exactBuffer, type BootAssets } from './assets.ts';
import { detectCrash, type CrashKind } from './crash.ts';
import { FrameType } from './protocol.ts';
import { LinkError, SerialLink } from './serial.ts';

/** Kernel messages are kept up to this many characters; crash excerpts come from the tail. */
const CONSOLE_KEEP = 256 * 1024;
const GUEST_MEMORY = 128 * 1024 * 1024;

export function kernelCommandLine(kernel: KernelImage): string {
  if (kernel.initrd === 'cpio') return 'console=ttyS0 rdinit=/sbin/init';
  return ['console=ttyS0', 'root=/dev/ram0', 'rw', 'init=/sbin/init', ...kernel.initrdBootArgs].join(' ');
}

export class CrashError extends Error {
  override name = 'CrashError';
  constructor(readonly crash: CrashKind) {
    super(`the kernel crashed (${crash})`);
  }
}

export class BootError extends Error {
  override name = 'BootError';
}

export interface EmulatorOptions {
  bootTimeoutMs: number;
  onConsoleByte?: (byte: number) => void;
}

export class Emulator {
  readonly link: SerialLink;
  release = '';
  version = '';
  bootMs = 0;
  /** The first crash seen on the console, and the console offset where its line began. */
  crash: { kind: CrashKind; at: number } | null = null;
  private console = '';
  private consoleDropped = 0;
  private lineStart = 0;
  private lastConsoleAt = 0;
  private destroyed = false;
  // One promise for the machine's first crash: every call awaits it, so listeners never pile up.
  private resolveCrash: (kind: CrashKind) => void = () => undefined;
  private readonly firstCrash = new Promise<CrashKind>((resolve) => (this.resolveCrash = resolve));

  private constructor(
    readonly kernel: KernelImage,
    private readonly v86: V86,
    private readonly options: EmulatorOptions,
  ) {
    this.link = new SerialLink((bytes) => this.v86.serial_send_bytes(1, bytes));
    v86.add_listener('serial1-output-byte', (b) => this.link.feedByte(b));
    v86.add_listener('serial0-output-byte', (b) => this.consoleByte(b));
  }

  static async start(assets: BootAssets, options: EmulatorOptions): Promise<Emulator> {
    const t0 = performance.now();
    const v86 = new V86({
      wasm_path: assets.wasmPath,
      bios: { buffer: exactBuffer(assets.bios) },
      vga_bios: { buffer: exactBuffer(assets.vgaBios) },
      bzimage: { buffer: exactBuffer(assets.bzimage) },
      initrd: { buffer: exactBuffer(assets.initrd) },
      cmdline: kernelCommandLine(assets.kernel),
      memory_size: GUEST_MEMORY,
      autostart: true,
      uart1: true,
      disable_keyboard: true,
      disable_mouse: true,
      disable_speaker: true,
    });
    const emu = new Emulator(assets.kernel, v86, options);
    try {
      const ready = await Promise.race([
        emu.link.waitFor(FrameType.Ready, options.bootTimeoutMs, `the agent's ready signal from kernel ${assets.kernel.id}`),
        emu.crashed().then((kind) => {
          throw new CrashError(kind);
        }),
      ]);
      const [release = '', version = ''] = new TextDecoder().decode(ready.payload).split('\0');
      emu.release = release;
      emu.version = version;
      emu.bootMs = performance.now() - t0;
      return emu;
    } catch (e) {
      const tail = emu.consoleTail(1500);
      await emu.destroy();
      const why = e instanceof CrashError ? `the kernel crashed while booting (${e.crash})` : e instanceof LinkError ? e.message : String(e);
      throw new BootError(`Kernel ${assets.kernel.id} did not boot to the agent: ${why}. Last console output:\n${tail}`);
    }
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
      this.resolveCrash(kind);
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
    return this.firstCrash;
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

  /** Waits until the console has been quiet for `quietMs`, or `maxMs` has passed. */
  async consoleSettled(quietMs: number, maxMs: number): Promise<void> {
    const end = performance.now() + maxMs;
    while (performance.now() < end && performance.now() - this.lastConsoleAt < quietMs) {
      await new Promise((r) => setTimeout(r, quietMs / 2));
    }
  }

  sendConsole(bytes: Uint8Array): void {
    if (!this.destroyed) this.v86.serial_send_bytes(0, bytes);
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.link.close(new LinkError('the machine was shut down', 'closed'));
    await this.v86.destroy();
  }
}
