/**
 * The machine modlab asks v86 for, and the boot tuning that brings a 2.4
 * kernel to the agent in about a second instead of five (and 2.6.17 in
 * roughly half its untuned time). Each tuning is named so that the benchmark
 * can boot without it and show what it saves.
 */
import type { V86, V86Options } from 'v86';
import type { BootKernel } from '../../kernel-images/user-kernel.ts';
import { WINDOW_PHYS, WINDOW_SIZE } from '../protocol.ts';
import { exactBuffer, type BootAssets } from './assets.ts';

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
  'no-isapnp': 'kernel command line noisapnp: 2.4.18 otherwise spends ~0.7 s looking for ISA Plug and Play cards',
  'no-vga-bios': 'no VGA option ROM: its initialisation costs ~0.4 s of BIOS time, and the lab reads the serial console only',
  'quick-rtc':
    "the RTC's update-in-progress flag pulses every 10 ms instead of once per host second: 2.4's get_cmos_time() waits for that edge at boot (0-1 s)",
  'no-vga16fb':
    'kernel command line video=vga16fb:off: 2.6.17 otherwise draws its whole boot log a second time, pixel by pixel, on a VGA16 frame buffer',
  'preset-lpj': 'kernel command line lpj=30000000: 2.6.17 otherwise calibrates its delay loop against the timer at boot',
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
  'no-isapnp': ['2.4'],
  'no-vga-bios': ['2.4', '2.6', '6.1'],
  'quick-rtc': ['2.4', '2.6', '6.1'],
  'no-vga16fb': ['2.6'],
  'preset-lpj': ['2.6'],
};

/** Whether booting `kernel` without `tuning` would differ (the benchmark skips the rest). */
export function tuningApplies(kernel: BootKernel, tuning: Tuning): boolean {
  if (tuning === 'preset-lpj') return kernel.id === '2.6.17';
  return TUNED_SERIES[tuning].includes(kernel.series);
}

export function kernelCommandLine(kernel: BootKernel, tunings: readonly Tuning[] = ALL_TUNINGS): string {
  // 6.1's line stays as it was measured (and as its snapshots are keyed).
  if (kernel.series === '6.1') return 'console=ttyS0 rdinit=/sbin/init';
  const uses = (t: Tuning): boolean => tunings.includes(t) && tuningApplies(kernel, t);
  const words =
    kernel.initrd === 'cpio'
      ? ['console=ttyS0', 'rdinit=/sbin/init', ...kernel.initrdBootArgs]
      : ['console=ttyS0', 'root=/dev/ram0', 'rw', 'init=/sbin/init', ...kernel.initrdBootArgs];
  if (hasBulkWindow(kernel)) words.push(`mem=${GUEST_MEMORY / (1024 * 1024)}M`);
  if (uses('ide-noprobe')) {
    for (let i = 0; i < 6; i++) words.push(`ide${i}=noprobe`);
  }
  if (uses('no-isapnp')) words.push('noisapnp');
  if (uses('no-vga16fb')) words.push('video=vga16fb:off');
  if (uses('preset-lpj')) words.push(`lpj=${PRESET_LPJ}`);
  return words.join(' ');
}

export function v86Options(assets: BootAssets, tunings: readonly Tuning[] = ALL_TUNINGS): V86Options {
  return {
    wasm_path: assets.wasmPath,
    bios: { buffer: exactBuffer(assets.bios) },
    ...(tunings.includes('no-vga-bios') || !assets.vgaBios ? {} : { vga_bios: { buffer: exactBuffer(assets.vgaBios) } }),
    bzimage: { buffer: exactBuffer(assets.bzimage) },
    initrd: { buffer: exactBuffer(assets.initrd) },
    cmdline: kernelCommandLine(assets.kernel, tunings),
    memory_size: emulatedMemory(assets.kernel),
    // Started by hand, after the device tuning below is in place.
    autostart: false,
    uart1: true,
    disable_keyboard: true,
    disable_mouse: true,
    disable_speaker: true,
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
 * a little more on average and no longer stalls. Boots keep the JIT.
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
