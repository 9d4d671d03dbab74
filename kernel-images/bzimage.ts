/**
 * Turns a verified kernel file into the bytes v86 boots as `bzimage`, using
 * the x86 Linux boot header (Documentation/x86/boot.rst). Environment-free.
 */

import { ImageError } from '../harness/errors.ts';
import type { KernelImage } from './manifest.ts';

export type KernelFormat = KernelImage['format'];

// Boot header offsets.
const SETUP_SECTS = 0x1f1; // u8: setup sectors after the boot sector; 0 means 4
const SYSSIZE = 0x1f4; // u32: protected-mode part, in 16-byte paragraphs
const BOOT_FLAG = 0x1fe; // u16: 0xAA55
const HEADER_MAGIC = 0x202; // "HdrS"
const VERSION = 0x206; // u16: boot protocol, e.g. 0x0203
const LOADFLAGS = 0x211; // u8: bit 0 = loaded high (a bzImage)
const HEADER_END = LOADFLAGS + 1;

const SECTOR = 512;
const PARAGRAPH = 16;
/** v86 boots only kernels that speak boot protocol 2.02 or newer. */
const MIN_PROTOCOL = 0x0202;

export interface BootHeader {
  setupSects: number;
  syssize: number;
  protocol: number;
  loadedHigh: boolean;
}

/** Reads and checks the boot header; throws an ImageError saying what is wrong. */
export function readBootHeader(bytes: Uint8Array, label = 'Kernel image'): BootHeader {
  if (bytes.length < HEADER_END) {
    throw malformed(
      `${label} is too short to be a Linux kernel: it has ${count(bytes.length)} bytes, ` +
        `but the boot header alone ends at byte ${count(HEADER_END)}; fetch the file again.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bootFlag = view.getUint16(BOOT_FLAG, true);
  if (bootFlag !== 0xaa55) {
    throw malformed(
      `${label} is not a Linux boot image: the boot signature at 0x1FE is ${hex16(bootFlag)}, ` +
        'not 0xAA55; check that the file is a kernel.',
    );
  }
  const magic = String.fromCharCode(...bytes.subarray(HEADER_MAGIC, HEADER_MAGIC + 4));
  if (magic !== 'HdrS') {
    throw malformed(
      `${label} has no "HdrS" boot-protocol header at 0x202 (found ${JSON.stringify(magic)}), ` +
        'so it is not a kernel v86 can boot.',
    );
  }
  const rawSetup = view.getUint8(SETUP_SECTS);
  return {
    setupSects: rawSetup === 0 ? 4 : rawSetup,
    syssize: view.getUint32(SYSSIZE, true),
    protocol: view.getUint16(VERSION, true),
    loadedHigh: (view.getUint8(LOADFLAGS) & 1) === 1,
  };
}

/** The boot protocol version (0x0203 is 2.03); throws if there is no header. */
export function bootProtocolVersion(bytes: Uint8Array): number {
  return readBootHeader(bytes).protocol;
}

/**
 * The bytes v86 can boot, as a fresh copy: v86 takes an ArrayBuffer, so a view
 * into the larger floppy would hand it the whole floppy.
 *
 * 'floppy': the bzImage is the start of the disk, (setup_sects+1)*512 +
 * syssize*16 bytes long. 'bzImage': the whole file, since some builds (2.4.18)
 * carry a syssize that does not match. Either way the length is padded with
 * zeros to a multiple of 4, because v86 throws a RangeError otherwise.
 */
export function bootableKernel(bytes: Uint8Array, format: KernelFormat, label = 'Kernel image'): Uint8Array {
  const header = readBootHeader(bytes, label);
  if (header.protocol < MIN_PROTOCOL) {
    throw malformed(
      `${label} speaks boot protocol ${protocolText(header.protocol)}, but v86 needs ` +
        `${protocolText(MIN_PROTOCOL)} or newer; use a newer kernel.`,
    );
  }
  if (!header.loadedHigh) {
    throw malformed(`${label} is a zImage loaded low (loadflags bit 0 at 0x211 is clear), but v86 boots only bzImages.`);
  }
  const setupEnd = (header.setupSects + 1) * SECTOR;
  let length: number;
  if (format === 'floppy') {
    if (header.syssize === 0) {
      throw malformed(`${label} has a syssize of 0 at 0x1F4, so the bzImage's length on the floppy is unknown.`);
    }
    length = setupEnd + header.syssize * PARAGRAPH;
    if (length > bytes.length) {
      throw malformed(
        `${label} is cut short: its boot header says the bzImage spans ${count(length)} bytes ` +
          `((${header.setupSects}+1)*512 + ${header.syssize}*16), but the file has only ${count(bytes.length)}; fetch it again.`,
      );
    }
  } else {
    length = bytes.length;
    if (length <= setupEnd) {
      throw malformed(
        `${label} is cut short: its ${header.setupSects} setup sectors end at byte ${count(setupEnd)}, ` +
          `but the file has only ${count(bytes.length)}, leaving no kernel; fetch it again.`,
      );
    }
  }
  const padded = new Uint8Array(Math.ceil(length / 4) * 4);
  padded.set(bytes.subarray(0, length));
  return padded;
}

function malformed(message: string): ImageError {
  return new ImageError(message, { code: 'malformed' });
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function hex16(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;
}

function protocolText(version: number): string {
  return `${version >> 8}.${String(version & 0xff).padStart(2, '0')}`;
}
