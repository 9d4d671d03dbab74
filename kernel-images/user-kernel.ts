/**
 * A kernel a user brings as a file (a course's build, a distribution's old
 * kernel) rather than one from the manifest. modlab reads what it needs from
 * the image's own boot header: the version string picks the initrd (ext2 for
 * 2.4, cpio for 2.6 and later) and the id (`file:<version>`), and the sha256
 * of the file names it. Environment-free: the bytes come from a target.
 */
import { ImageError } from '../harness/errors.ts';
import { bootableKernel, readBootHeader, type KernelFormat } from './bzimage.ts';
import { findKernel, type KernelId, type KernelImage } from './manifest.ts';
import { sha256Hex } from './sha256.ts';

/** A user's kernel is named by the version its image reports, so a link or a column says what it is. */
export type UserKernelId = `file:${string}`;

/** Whatever names a machine's kernel: one of the manifest's, or a user's image. */
export type KernelRef = KernelId | UserKernelId;

/**
 * What booting a kernel needs to know of it, whichever way it came: the
 * manifest's KernelImage has all of it, and so does a UserKernel.
 */
export interface BootKernel {
  id: KernelRef;
  version: string;
  series: KernelImage['series'];
  hasCreateModule: boolean;
  initrd: KernelImage['initrd'];
  initrdBootArgs: readonly string[];
}

export interface UserKernel extends BootKernel {
  id: UserKernelId;
  /** Discriminates it from a manifest id where either may be passed. */
  kind: 'user';
  /** Of the whole file as given: what a share link names and the user re-opens. */
  sha256: string;
  /** How the bzImage was found in the file. */
  format: KernelFormat;
  /** The boot protocol from the header, e.g. 0x0203. */
  protocol: number;
  /** The bytes v86 boots (cut from a floppy, padded to a multiple of 4). */
  bzimage: Uint8Array;
  /** The file's name, for messages. */
  label: string;
}

/** The largest image modlab reads: a current distribution bzImage is 6-12 MB; a floppy is 1.44 or 2.88 MB. */
export const MAX_USER_KERNEL_BYTES = 64 * 1024 * 1024;

const USER_PREFIX = 'file:';
const KERNEL_VERSION_PTR = 0x20e; // u16: the version string's offset from 0x200 (protocol 2.00+)
const RAM_SIZE = 0x1f8; // u16: the ram-disk word (start block in bits 0-10) a floppy kernel carries
const RAMDISK_START_MASK = 0x07ff;
const SETUP_BASE = 0x200;
const MAX_VERSION_CHARS = 256;
/** Boot floppies come in these sizes; a file of one of them holding a shorter bzImage is a floppy. */
const FLOPPY_SIZES: readonly number[] = [368_640, 737_280, 1_228_800, 1_474_560, 1_720_320, 2_949_120];
/** syssize counts 16-byte paragraphs, so a complete file may end up to 15 bytes before it. */
const PARAGRAPH_SLACK = 15;

export function isUserKernelId(id: string): id is UserKernelId {
  return id.startsWith(USER_PREFIX) && id.length > USER_PREFIX.length;
}

/** The version (as the header gives it) a user kernel's id carries. */
export function userKernelVersion(id: UserKernelId): string {
  return id.slice(USER_PREFIX.length);
}

/**
 * Whether create_module(2) exists in a kernel named by `ref`: the manifest
 * says for its own; a user's id carries its version (the call left in 2.6).
 */
export function refHasCreateModule(ref: string): boolean {
  const known = findKernel(ref);
  if (known) return known.hasCreateModule;
  if (!isUserKernelId(ref)) return false;
  const v = parseVersion(userKernelVersion(ref));
  return v !== null && seriesOf(v) === '2.4';
}

/** The release a version string starts with: "2.4.27-rudefault (root@osvm) #15 …" gives 2.4.27-rudefault. */
export function releaseOf(versionString: string): string {
  return versionString.trim().split(/\s+/)[0] ?? '';
}

interface Version {
  major: number;
  minor: number;
}

function parseVersion(release: string): Version | null {
  const m = /^(\d{1,3})\.(\d{1,3})/.exec(release);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : null;
}

/**
 * 2.4 and older boot from an ext2 initrd and have create_module; 2.5/2.6
 * and later use an initramfs. '6.1' stands for every kernel from 3.0 on:
 * only 2.4-or-not changes how a machine is set up (v86-config.ts).
 */
function seriesOf(v: Version): KernelImage['series'] {
  if (v.major < 2 || (v.major === 2 && v.minor <= 4)) return '2.4';
  if (v.major === 2) return '2.6';
  return '6.1';
}

/** The header's kernel_version string, or null when the image has none. */
export function headerVersionString(bytes: Uint8Array): string | null {
  if (bytes.length < KERNEL_VERSION_PTR + 2) return null;
  const ptr = (bytes[KERNEL_VERSION_PTR] ?? 0) | ((bytes[KERNEL_VERSION_PTR + 1] ?? 0) << 8);
  if (ptr === 0) return null;
  const start = SETUP_BASE + ptr;
  let text = '';
  for (let i = start; i < bytes.length && i < start + MAX_VERSION_CHARS; i++) {
    const b = bytes[i] ?? 0;
    if (b === 0) return text === '' ? null : text;
    // A real version string is printable ASCII; anything else means the pointer is not one.
    if (b < 0x20 || b > 0x7e) return null;
    text += String.fromCharCode(b);
  }
  return null;
}

/** A floppy when the file is a floppy's size and its bzImage (by the header) ends well before. */
function formatOf(bytes: Uint8Array, setupSects: number, syssize: number): KernelFormat {
  const end = (setupSects + 1) * 512 + syssize * 16;
  return FLOPPY_SIZES.includes(bytes.length) && syssize > 0 && end + 512 <= bytes.length ? 'floppy' : 'bzImage';
}

/**
 * Reads a user's kernel image: a bzImage, or a boot floppy with the bzImage
 * at its start. Throws an ImageError (code 'malformed') with one sentence for
 * anything v86 cannot boot: not a Linux boot image, a boot protocol older
 * than 2.02 or a zImage, a file cut short, no version string.
 */
export async function readUserKernel(bytes: Uint8Array, label: string): Promise<UserKernel> {
  const header = readBootHeader(bytes, label);
  const format = formatOf(bytes, header.setupSects, header.syssize);
  // Checks the protocol and loaded-high bit, cuts a floppy, pads to a multiple of 4 (v86 throws a RangeError otherwise).
  const bzimage = bootableKernel(bytes, format, label);
  const expected = (header.setupSects + 1) * 512 + header.syssize * 16;
  // A bzImage shorter than its header says was cut short (a longer one is fine: some builds' syssize is stale, as 2.4.18's).
  if (format === 'bzImage' && expected > bytes.length + PARAGRAPH_SLACK) {
    throw new ImageError(
      `${label} is cut short: its boot header says the kernel spans ${count(expected)} bytes, but the file has only ${count(bytes.length)}; copy or download it again.`,
      { code: 'malformed' },
    );
  }
  const versionString = headerVersionString(bytes);
  const release = versionString === null ? '' : releaseOf(versionString);
  const version = parseVersion(release);
  if (versionString === null || version === null) {
    throw new ImageError(
      `${label} is a bzImage, but its boot header carries no kernel version string (at 0x20E), so modlab cannot tell whether it needs an ext2 initrd (2.4) or an initramfs (2.6 and later).`,
      { code: 'malformed' },
    );
  }
  const series = seriesOf(version);
  const ramWord = (bytes[RAM_SIZE] ?? 0) | ((bytes[RAM_SIZE + 1] ?? 0) << 8);
  return {
    kind: 'user',
    // Only characters safe in a file name, a URL and a terminal: the id keys the snapshot file.
    id: `${USER_PREFIX}${release.replace(/[^A-Za-z0-9._+-]/g, '_').slice(0, 64)}`,
    version: versionString,
    series,
    hasCreateModule: series === '2.4',
    initrd: series === '2.4' ? 'ext2' : 'cpio',
    // A floppy kernel's ram-disk word points into its own floppy (2.4.20's at block 683); the initrd modlab passes starts at 0.
    initrdBootArgs: series === '2.4' && (ramWord & RAMDISK_START_MASK) !== 0 ? ['ramdisk_start=0'] : [],
    sha256: await sha256Hex(bytes),
    format,
    protocol: header.protocol,
    bzimage,
    label,
  };
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
