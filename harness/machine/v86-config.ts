/**
 * The machine modlab asks v86 for, and the boot tuning that brings a 2.4
 * kernel to the agent in about a second instead of five (and 2.6.17 in
 * roughly half its untuned time). Each tuning is named so that the benchmark
 * can boot without it and show what it saves.
 */
import type { V86, V86Options } from 'v86';
import type { BootKernel } from '../../kernel-images/user-kernel.ts';
import { WINDOW_PHYS, WINDOW_SIZE } from '../protocol.ts';
import { exactBuffer, type BootAssets, type MachineAssets } from './assets.ts';
import { decompress } from '../compression.ts';
import { KERNEL_LOAD, MAX_VMLINUX, unpackRelocatable, type UnpackResult } from './kernel-unpack.ts';
import type { XzDecoder } from './unxz.ts';

export type { UnpackResult } from './kernel-unpack.ts';

/**
 * v86 puts the initrd at 64 MiB, so the guest needs more than that. 128 MiB
 * keeps the vmalloc area where the documented answers were measured
 * (high_memory 0xc8000000); smaller sizes saved no measurable boot time.
 */
export const GUEST_MEMORY = 128 * 1024 * 1024;

/**
 * The bulk window (see protocol.ts) sits in emulated memory past the guest's
 * RAM: kernels that get it are told mem= GUEST_MEMORY, so their RAM, their
 * vmalloc area and the addresses create_module answers stay exactly as with
 * 128 MiB, and nothing of theirs lives where the host writes.
 */
const WINDOW_ROOM = 8 * 1024 * 1024;
export const EMULATED_MEMORY = GUEST_MEMORY + WINDOW_ROOM;

/**
 * v86's VGA memory, at the smallest v86 allows (its default is 8 MiB). The
 * kernels run in text mode with no VGA BIOS and the lab reads the serial
 * console; but every saved machine carries the whole VGA memory, so each
 * restore inflated and copied 8 MiB of it. The guest sees a smaller BAR on
 * the VGA card's PCI function, nothing else.
 */
export const VGA_MEMORY = 256 * 1024;

/** Whether `kernel` boots with the window reserved (2.4: measured; 6.1 keeps the serial path). */
export function hasBulkWindow(kernel: BootKernel): boolean {
  return kernel.series === '2.4' && WINDOW_PHYS >= GUEST_MEMORY && WINDOW_PHYS + WINDOW_SIZE <= EMULATED_MEMORY;
}

/** The memory v86 emulates for `kernel`: its RAM, plus the window's room where it has one. */
export function emulatedMemory(kernel: BootKernel): number {
  return hasBulkWindow(kernel) ? EMULATED_MEMORY : GUEST_MEMORY;
}

export const TUNINGS = {
  'ide-noprobe':
    'kernel command line ide0..ide5=noprobe: 2.4 otherwise probes six IDE interfaces and waits ~2-3.5 s on the absent ones',
  'no-isapnp':
    'kernel command line noisapnp: 2.4.18 otherwise spends ~0.7 s looking for ISA Plug and Play cards; 6.1 too (isapnp_init took 2.5 s of guest time in an initcall_debug boot)',
  'no-vga-bios': 'no VGA option ROM: its initialisation costs ~0.4 s of BIOS time, and the lab reads the serial console only',
  'quick-rtc':
    "the RTC's update-in-progress flag pulses every 10 ms instead of once per host second: 2.4's get_cmos_time() waits for that edge at boot (0-1 s)",
  'no-vga16fb':
    'kernel command line video=vga16fb:off: 2.6.17 otherwise draws its whole boot log a second time, pixel by pixel, on a VGA16 frame buffer',
  'preset-lpj': 'kernel command line lpj=30000000: 2.6.17 otherwise calibrates its delay loop against the timer at boot',
  'no-crypto-selftests':
    "kernel command line cryptomgr.notests: 6.1 otherwise runs its crypto algorithms' self-tests at boot, the largest part of its initcalls in v86",
  'zero-freed':
    'kernel command line init_on_free=1: 6.1 zeroes each page it frees, so the memory it is done with (the unpacked initramfs, init code) saves as zeros and the snapshot compresses',
  'no-tracefs-setup':
    "kernel command line initcall_blacklist=tracer_init_tracefs,trace_eval_init: 6.1 otherwise fills /sys/kernel/tracing with a directory for each of its trace events, in a worker that holds up init (58 of its 256 million emulated instructions to the agent); nothing here traces",
  'no-ftrace-weak-check':
    "kernel command line initcall_blacklist=ftrace_check_for_weak_functions: 6.1 otherwise looks up each of its 36,953 traceable call sites in kallsyms at boot, so that the function tracer, which nothing here uses, skips stale ones (59 million emulated instructions)",
  'no-blake2s-selftest':
    "kernel command line initcall_blacklist=blake2s_mod_init: that initcall only runs BLAKE2s's self-test (5 million emulated instructions); the hash itself stays built in, for the random pool",
  'raw-initrd':
    "the host inflates the gzipped ext2 initrd: 2.4's rd_load copies its 128 blocks instead of running inflate in the emulated CPU, where that code is new to the JIT",
  'host-unpack':
    "the host unpacks the kernel's payload and v86 starts the bare kernel where the kernel's own decompressor would have put it: 2.4/2.6 skip 65-115 million emulated instructions of inflate; 6.1 skips its XZ decompressor, 2.3 of its 2.6 billion instructions to the agent (host-side XZ through unxz/, ~1 s)",
  'jit-key-check':
    "v86's JIT on while 6.1 loads its built-in X.509 certificate (from the console line that announces it to the one that reports it loaded): checking the key's self-signature is RSA arithmetic, ~20 of its 134 million instructions to the agent in a few tight loops, ~1.0 s of the emulator's thread interpreted, ~0.2 s with the JIT (medians of 4 boots each, alternated)",
  'jit-init-free':
    "v86's JIT on from 6.1's last initcalls to its freeing of init memory (console line 'clk: Disabling unused clocks' to 'Freeing unused kernel image'): ftrace_free_init_mem drops the records of init code from ftrace's 36,953, a binary search and a memmove each (~10 million instructions), ~0.5 s of the emulator's thread interpreted, ~0.2 s with the JIT",
  'jit-early-boot':
    "kernel command line earlycon=uart8250,io,0x3f8,115200, so that 6.1 prints to the serial port from its first message (five lines more in the boot log: the early console's start, and its hand-over to ttyS0, which both print), and v86's JIT on for the two hot stretches of its early boot that those lines now mark: from power-on to its banner, where setup_arch sorts its jump-label entries (~6 of the 9 million instructions there), and from 'rcu: Adjusting geometry' to 'NR_IRQS:', where trace_init matches each system call's name against the syscall trace metadata, strcmp over ~450x450 pairs (~32 million instructions). Of the emulator's thread: ~0.55 s -> ~0.3 s and ~1.4 s -> ~0.45 s",
  'no-slab-sysfs':
    "kernel command line initcall_blacklist=slab_sysfs_init: 6.1 otherwise gives each of its slab caches a directory of statistics files in /sys/kernel/slab (6.5 of its 134 million emulated instructions, ~0.3 s), which nothing here reads; caches made later skip theirs as they do before that initcall",
} as const;

export type Tuning = keyof typeof TUNINGS;
export const ALL_TUNINGS = Object.keys(TUNINGS) as Tuning[];

/**
 * 2.6.17's delay loop as it calibrates itself in v86 (30.8-34.1 million
 * here; it counts v86's TSC, which runs faster the more often it is read).
 * A little under what it measures: delays come out a little short, which
 * emulated devices, answering at once, do not mind. Measured on that image
 * only, so a user's 2.6 kernel calibrates its own.
 */
const PRESET_LPJ = 30_000_000;

/** The series each tuning means something to; the rest of a kernel's boot ignores it. */
const TUNED_SERIES: Record<Tuning, readonly BootKernel['series'][]> = {
  'ide-noprobe': ['2.4', '2.6'],
  'no-isapnp': ['2.4', '6.1'],
  'no-vga-bios': ['2.4', '2.6', '6.1'],
  'quick-rtc': ['2.4', '2.6', '6.1'],
  'no-vga16fb': ['2.6'],
  'preset-lpj': ['2.6'],
  'host-unpack': ['2.4', '2.6', '6.1'],
  'no-crypto-selftests': ['6.1'],
  'zero-freed': ['6.1'],
  'raw-initrd': ['2.4'],
  'no-tracefs-setup': ['6.1'],
  'no-ftrace-weak-check': ['6.1'],
  'no-blake2s-selftest': ['6.1'],
  'jit-key-check': ['6.1'],
  'jit-init-free': ['6.1'],
  'jit-early-boot': ['6.1'],
  'no-slab-sysfs': ['6.1'],
};

/**
 * The initcalls each tuning has 6.1 skip (initcall_blacklist=). Each only
 * sets up tracing or tests code at boot; none is on the path of a system
 * call modlab makes, so the answers are those of an untuned boot. Named for
 * Debian's 6.1 build only: another kernel's initcalls of the same name need
 * not be as idle.
 */
const BLACKLISTED_INITCALLS: Partial<Record<Tuning, readonly string[]>> = {
  // Both, or the tracefs set-up runs in init itself when its worker queue is missing.
  'no-tracefs-setup': ['tracer_init_tracefs', 'trace_eval_init'],
  'no-ftrace-weak-check': ['ftrace_check_for_weak_functions'],
  'no-blake2s-selftest': ['blake2s_mod_init'],
  'no-slab-sysfs': ['slab_sysfs_init'],
};

/** A stretch of a boot between two console lines where v86's JIT pays for itself (see setJit). */
interface JitWindow {
  /** null: from power-on. */
  opens: string | null;
  closes: string;
}

/**
 * The boot's stretches run with the JIT on. Most of a boot runs once and is
 * cheaper interpreted; these are hot loops run millions of times, where
 * compiling them costs far less than it saves. Opened and closed by the
 * console lines on either side, which the kernel prints as it goes.
 */
const JIT_WINDOWS: Partial<Record<Tuning, readonly JitWindow[]>> = {
  'jit-key-check': [{ opens: 'Loading compiled-in X.509 certificates', closes: 'Loaded X.509 cert' }],
  'jit-init-free': [{ opens: 'clk: Disabling unused clocks', closes: 'Freeing unused kernel image' }],
  // With the early console (EARLY_CONSOLE) these lines come out as they are printed, not all at once when the console starts.
  'jit-early-boot': [
    { opens: null, closes: 'Linux version' },
    { opens: 'rcu: Adjusting geometry for rcu_fanout_leaf', closes: 'NR_IRQS:' },
  ],
};

/** The 8250 UART v86 puts at ttyS0's port, as the kernel's early console. */
const EARLY_CONSOLE = 'earlycon=uart8250,io,0x3f8,115200';

/**
 * What switches the JIT on and off as a boot's console lines come in, for
 * the JIT windows `tunings` give `kernel`; null when there are none. A
 * window that opens at power-on switches the JIT on at once.
 */
export function jitWindowSwitch(kernel: BootKernel, tunings: readonly Tuning[], setJitOn: (on: boolean) => void): ((line: string) => void) | null {
  const windows = tunings.filter((t) => tuningApplies(kernel, t)).flatMap((t) => JIT_WINDOWS[t] ?? []);
  if (windows.length === 0) return null;
  if (windows.some((w) => w.opens === null)) setJitOn(true);
  return (line) => {
    for (const w of windows) {
      if (w.opens !== null && line.includes(w.opens)) setJitOn(true);
      else if (line.includes(w.closes)) setJitOn(false);
    }
  };
}

/** Whether booting `kernel` without `tuning` would differ (the benchmark skips the rest). */
export function tuningApplies(kernel: BootKernel, tuning: Tuning): boolean {
  if (tuning === 'preset-lpj') return kernel.id === '2.6.17';
  // Measured on Debian's 6.1 only: its initcalls and the console lines around its hot stretches.
  if (BLACKLISTED_INITCALLS[tuning] || JIT_WINDOWS[tuning]) return kernel.id === '6.1';
  return TUNED_SERIES[tuning].includes(kernel.series);
}

export function kernelCommandLine(kernel: BootKernel, tunings: readonly Tuning[] = ALL_TUNINGS): string {
  const uses = (t: Tuning): boolean => tunings.includes(t) && tuningApplies(kernel, t);
  const words =
    kernel.initrd === 'cpio'
      ? ['console=ttyS0', 'rdinit=/sbin/init', ...kernel.initrdBootArgs]
      : ['console=ttyS0', 'root=/dev/ram0', 'rw', 'init=/sbin/init', ...kernel.initrdBootArgs];
  if (hasBulkWindow(kernel)) words.push(`mem=${GUEST_MEMORY / (1024 * 1024)}M`);
  if (uses('ide-noprobe')) {
    for (let i = 0; i < 6; i++) words.push(`ide${i}=noprobe`);
  }
  const skipped = ALL_TUNINGS.filter(uses).flatMap((t) => BLACKLISTED_INITCALLS[t] ?? []);
  // One word: the kernel keeps every initcall_blacklist= it is given, but one list reads plainer in the boot log.
  if (skipped.length > 0) words.push(`initcall_blacklist=${skipped.join(',')}`);
  if (uses('no-isapnp')) words.push('noisapnp');
  if (uses('no-crypto-selftests')) words.push('cryptomgr.notests');
  if (uses('zero-freed')) words.push('init_on_free=1');
  if (uses('jit-early-boot')) words.push(EARLY_CONSOLE);
  if (uses('no-vga16fb')) words.push('video=vga16fb:off');
  if (uses('preset-lpj')) words.push(`lpj=${PRESET_LPJ}`);
  return words.join(' ');
}

const SETUP_SECTS = 0x1f1;
const HEADER_MAGIC = 0x202;
const BOOT_PROTOCOL = 0x206;
const CODE32_START = 0x214;
/** Boot protocol 2.05 brought relocatable kernels, whose decompressor may move them (kernel-unpack.ts); up to 2.04 the kernel runs where it is inflated. */
const LAST_FIXED_PROTOCOL = 0x204;
/** Far beyond any 2.4 or 2.6 kernel, and below the initrd v86 puts at 64 MiB. */
const MAX_UNPACKED = MAX_VMLINUX;
const CLD = 0xfc;
/** The flat data segment in the setup code's GDT, which both the 2.4 and the 2.6 decompressor load before anything else. */
const BOOT_DS = 0x18;

/**
 * What the decompressor did first and the setup code does not: the data
 * segments flat (2.6's startup_32 reads its GDT descriptor through %ds before
 * loading it), then on to the kernel at 0x100000. %esi and %ebx, which the
 * kernel reads, pass through as the setup code left them.
 */
function segmentStub(): Uint8Array {
  const mov = (sreg: number): number[] => [0x8e, 0xc0 | (sreg << 3)];
  return new Uint8Array([
    0xb8, BOOT_DS, 0, 0, 0, // mov $BOOT_DS, %eax
    ...mov(3), ...mov(0), ...mov(4), ...mov(5), ...mov(2), // %ds %es %fs %gs %ss
    0xb9, ...[0, 8, 16, 24].map((shift) => (KERNEL_LOAD >>> shift) & 0xff), // mov $KERNEL_LOAD, %ecx
    0xff, 0xe1, // jmp *%ecx
  ]);
}

/**
 * The same kernel with its compressed part replaced by the bare kernel the
 * part inflates to. Up to boot protocol 2.04 the setup code jumps to
 * 0x100000, where the decompressor inflates the kernel and jumps on to
 * 0x100000 with the same registers; v86 loads the protected-mode part at
 * 0x100000, so the setup code now jumps straight to the kernel. Later
 * (relocatable) kernels go to kernel-unpack.ts, XZ payloads through `unxz`.
 * Anything not exactly a shape handled is kept, and boots as it always did.
 */
export async function unpackKernel(bzimage: Uint8Array, unxz?: () => Promise<XzDecoder>): Promise<UnpackResult> {
  if (bzimage.length < 0x400) return { kind: 'kept', reason: 'too short for a bzImage' };
  const view = new DataView(bzimage.buffer, bzimage.byteOffset, bzimage.byteLength);
  if (view.getUint32(HEADER_MAGIC, true) !== 0x53726448) return { kind: 'kept', reason: 'no HdrS header' };
  const protocol = view.getUint16(BOOT_PROTOCOL, true);
  if (protocol > LAST_FIXED_PROTOCOL) {
    return unpackRelocatable(bzimage, { gunzip: (payload, max) => decompress(payload.slice(), 'gzip', max), ...(unxz ? { unxz } : {}) });
  }
  if (view.getUint32(CODE32_START, true) !== KERNEL_LOAD) return { kind: 'kept', reason: 'the kernel does not start at 0x100000' };
  const setupEnd = ((bzimage[SETUP_SECTS] || 4) + 1) * 512;
  // The 2.4/2.6 piggy.o: the gzip stream's length as a 32-bit word, then the stream.
  let at = setupEnd + 4;
  while (at + 3 < bzimage.length && !(bzimage[at] === 0x1f && bzimage[at + 1] === 0x8b && bzimage[at + 2] === 8)) at++;
  if (at + 3 >= bzimage.length) return { kind: 'kept', reason: 'no gzip payload' };
  const length = view.getUint32(at - 4, true);
  if (length < 18 || at + length > bzimage.length) return { kind: 'kept', reason: 'the gzip payload has no length word before it' };
  const expected = view.getUint32(at + length - 4, true);
  if (expected > MAX_UNPACKED) return { kind: 'kept', reason: `the kernel would inflate to ${expected} bytes` };
  let kernel: Uint8Array | null;
  try {
    kernel = await decompress(bzimage.slice(at, at + length), 'gzip', MAX_UNPACKED);
  } catch (e) {
    return { kind: 'kept', reason: `the gzip payload is damaged (${e instanceof Error ? e.message : String(e)})` };
  }
  // The kernel's startup_32 begins with cld, as the decompressor's own does.
  if (!kernel || kernel.length !== expected || kernel[0] !== CLD) return { kind: 'kept', reason: 'the payload is not a bare i386 kernel' };
  // The stub sits past the kernel's file bytes, in what becomes its bss (cleared by the kernel once the stub has run).
  const stubOffset = (kernel.length + 15) & ~15;
  const stub = segmentStub();
  // v86 wants the image's length a multiple of 4.
  const image = new Uint8Array((setupEnd + stubOffset + stub.length + 3) & ~3);
  image.set(bzimage.subarray(0, setupEnd));
  image.set(kernel, setupEnd);
  image.set(stub, setupEnd + stubOffset);
  // The setup code jumps to code32_start: the stub, which goes on to the kernel.
  new DataView(image.buffer).setUint32(CODE32_START, KERNEL_LOAD + stubOffset, true);
  return { kind: 'unpacked', image };
}

/** The two files v86 is given to boot: BootAssets' own, or what the host-unpack and raw-initrd tunings made of them. */
export interface BootFiles {
  bzimage: Uint8Array;
  initrd: Uint8Array;
}

/** An initrd a 2.4 kernel reads as well unpacked: 16 MiB is far past modlab's (128 KiB) and within the ramdisk's reach. */
const MAX_RAW_INITRD = 16 * 1024 * 1024;

/** The gzipped initrd inflated, or the file as it is when it is not gzip or does not inflate. */
async function rawInitrd(initrd: Uint8Array): Promise<Uint8Array> {
  if (initrd[0] !== 0x1f || initrd[1] !== 0x8b) return initrd;
  const raw = await decompress(initrd.slice(), 'gzip', MAX_RAW_INITRD).catch(() => null);
  return raw ?? initrd;
}

const preparedFiles = new WeakMap<BootAssets, Map<string, Promise<BootFiles>>>();

/** The files v86 boots with `tunings`, made once per assets and tuning set. */
export function bootFiles(assets: BootAssets, tunings: readonly Tuning[] = ALL_TUNINGS): Promise<BootFiles> {
  const uses = (t: Tuning): boolean => tunings.includes(t) && tuningApplies(assets.kernel, t);
  const unpack = uses('host-unpack');
  const raw = uses('raw-initrd');
  if (!unpack && !raw) return Promise.resolve(assets);
  let perAssets = preparedFiles.get(assets);
  if (!perAssets) {
    perAssets = new Map();
    preparedFiles.set(assets, perAssets);
  }
  const id = `${unpack}/${raw}`;
  let files = perAssets.get(id);
  if (!files) {
    files = Promise.all([
      unpack ? unpackKernel(assets.bzimage, assets.unxz).then((r) => (r.kind === 'unpacked' ? r.image : assets.bzimage)) : assets.bzimage,
      raw ? rawInitrd(assets.initrd) : assets.initrd,
    ]).then(([bzimage, initrd]) => ({ bzimage, initrd }));
    perAssets.set(id, files);
  }
  return files;
}

/**
 * The machine v86 emulates, without firmware, kernel or initrd: what a
 * restore gets, whose state brings the whole of memory (the BIOS's copy below
 * FIRMWARE_END too), so none of the three is read for it.
 */
export function restoreOptions(assets: MachineAssets): V86Options {
  return {
    wasm_path: assets.wasmPath,
    memory_size: emulatedMemory(assets.kernel),
    vga_memory_size: VGA_MEMORY,
    // Started by hand, after the device tuning below is in place.
    autostart: false,
    uart1: true,
    disable_keyboard: true,
    disable_mouse: true,
    disable_speaker: true,
  };
}

/** A boot's: the machine with its BIOS, and `files`, the kernel and initrd v86 loads (the assets' own, or what bootFiles made of them). */
export function v86Options(assets: BootAssets, tunings: readonly Tuning[] = ALL_TUNINGS, files: BootFiles = assets): V86Options {
  return {
    ...restoreOptions(assets),
    bios: { buffer: exactBuffer(assets.bios) },
    ...(tunings.includes('no-vga-bios') || !assets.vgaBios ? {} : { vga_bios: { buffer: exactBuffer(assets.vgaBios) } }),
    bzimage: { buffer: exactBuffer(files.bzimage) },
    initrd: { buffer: exactBuffer(files.initrd) },
    cmdline: kernelCommandLine(assets.kernel, tunings),
  };
}

/** The few v86 internals reached here; v86 keeps these names in its release build. */
interface RtcInternals {
  cmos_index: number;
  cmos_a: number;
  cmos_port_read: (this: RtcInternals) => number;
}
interface CpuInternals {
  set_jit_config: (index: number, value: number) => void;
  devices: { rtc?: RtcInternals; uart0?: { input: number[] }; uart1?: { input: number[] } };
  io: { register_read(port: number, device: object, read8: (this: RtcInternals) => number): void };
}

const CMOS_DATA_PORT = 0x71;
const CMOS_REG_A = 0x0a;
const UIP = 0x80;
const UIP_PERIOD_MS = 10;

/** Device tuning that must be applied once the emulator is loaded and before it runs. */
export function applyDeviceTuning(v86: V86, tunings: readonly Tuning[] = ALL_TUNINGS): void {
  if (!tunings.includes('quick-rtc')) return;
  const cpu = (v86 as unknown as { v86?: { cpu?: CpuInternals } }).v86?.cpu;
  const rtc = cpu?.devices.rtc;
  if (!cpu || !rtc) return;
  const read = rtc.cmos_port_read;
  // Only register A's update flag changes; the time of day still comes from the host clock.
  cpu.io.register_read(CMOS_DATA_PORT, rtc, function (this: RtcInternals) {
    if (this.cmos_index !== CMOS_REG_A) return read.call(this);
    return performance.now() % UIP_PERIOD_MS >= UIP_PERIOD_MS - 1 ? this.cmos_a | UIP : this.cmos_a;
  });
}

/** Drops bytes queued for the guest on both serial ports (v86 does not save them with the state). */
export function clearSerialInput(v86: V86): void {
  const devices = (v86 as unknown as { v86?: { cpu?: CpuInternals } }).v86?.cpu?.devices;
  for (const uart of [devices?.uart0, devices?.uart1]) if (uart) uart.input.length = 0;
}

const JIT_DISABLED = 0;

/**
 * Switches v86's JIT compiler off (or on). Once the agent is up the lab runs
 * short, rarely repeated kernel paths: V8's background threads optimising
 * the wasm v86 generates for them took the only other core and stalled the
 * emulator 4-8 ms at a time (p95 of a call ~5 ms). Interpreted, a call costs
 * a little more on average and no longer stalls. Boots are interpreted too:
 * most of a boot's code runs once or a few times, and with V8's default
 * tiering, compiling what the JIT emits cost more than it saved (Node, 4 boots
 * each, this 2-core machine: 2.4.20 1.75 -> 1.36 s, 2.6.17 5.0 -> 2.6 s). Under
 * Liftoff alone (the CLI) v86's own interpreter runs slower and the JIT pays.
 */
export function setJit(v86: V86, enabled: boolean): void {
  (v86 as unknown as { v86?: { cpu?: CpuInternals } }).v86?.cpu?.set_jit_config(JIT_DISABLED, enabled ? 0 : 1);
}

interface TickInternals {
  do_tick: () => void;
  running: boolean;
  stopping: boolean;
  bus: { send(name: string): void };
}

/**
 * Calls `onFault` instead of letting an exception out of v86's run loop. v86
 * panics on what it does not emulate (a #GP with no handler, which a garbage
 * or foreign kernel reaches at once); unwrapped, that ends the whole process
 * or page. The machine stops, and the caller reports it.
 */
export function catchEmulatorFault(v86: V86, onFault: (error: unknown) => void): void {
  const inner = (v86 as unknown as { v86?: TickInternals }).v86;
  if (!inner) return;
  const tick = inner.do_tick;
  // v86 calls this.do_tick() on each tick, so the instance's own property takes over.
  inner.do_tick = function (this: TickInternals): void {
    try {
      tick.call(this);
    } catch (e) {
      this.running = false;
      this.stopping = false;
      // As a normal stop announces itself: V86.stop() and destroy() wait for this, and would wait forever.
      this.bus.send('emulator-stopped');
      onFault(e);
    }
  };
}
