/**
 * The machine modlab asks v86 for, and the boot tuning that brings a 2.4
 * kernel to the agent in about a second instead of five. Each tuning is named
 * so that the benchmark can boot without it and show what it saves.
 */
import type { V86, V86Options } from 'v86';
import type { KernelImage } from '../../kernel-images/manifest.ts';
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
export function hasBulkWindow(kernel: KernelImage): boolean {
  return kernel.series === '2.4' && WINDOW_PHYS >= GUEST_MEMORY && WINDOW_PHYS + WINDOW_SIZE <= EMULATED_MEMORY;
}

/** The memory v86 emulates for `kernel`: its RAM, plus the window's room where it has one. */
export function emulatedMemory(kernel: KernelImage): number {
  return hasBulkWindow(kernel) ? EMULATED_MEMORY : GUEST_MEMORY;
}

export const TUNINGS = {
  'ide-noprobe':
    'kernel command line ide0..ide5=noprobe: 2.4 otherwise probes six IDE interfaces and waits ~2-3.5 s on the absent ones',
  'no-isapnp': 'kernel command line noisapnp: 2.4.18 otherwise spends ~0.7 s looking for ISA Plug and Play cards',
  'no-vga-bios': 'no VGA option ROM: its initialisation costs ~0.4 s of BIOS time, and the lab reads the serial console only',
  'quick-rtc':
    "the RTC's update-in-progress flag pulses every 10 ms instead of once per host second: 2.4's get_cmos_time() waits for that edge at boot (0-1 s)",
} as const;

export type Tuning = keyof typeof TUNINGS;
export const ALL_TUNINGS = Object.keys(TUNINGS) as Tuning[];

export function kernelCommandLine(kernel: KernelImage, tunings: readonly Tuning[] = ALL_TUNINGS): string {
  if (kernel.initrd === 'cpio') return 'console=ttyS0 rdinit=/sbin/init';
  const words = ['console=ttyS0', 'root=/dev/ram0', 'rw', 'init=/sbin/init', ...kernel.initrdBootArgs];
  if (hasBulkWindow(kernel)) words.push(`mem=${GUEST_MEMORY / (1024 * 1024)}M`);
  if (kernel.series === '2.4' && tunings.includes('ide-noprobe')) {
    for (let i = 0; i < 6; i++) words.push(`ide${i}=noprobe`);
  }
  if (kernel.series === '2.4' && tunings.includes('no-isapnp')) words.push('noisapnp');
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
