/**
 * host-unpack for relocatable bzImages (boot protocol 2.08 and later, such as
 * Debian's 6.1): the host decodes the payload (XZ through unxz/, or gzip) to
 * the vmlinux ELF it is, and builds an image whose protected-mode part is a
 * small stub followed by the kernel's loadable segments. v86 loads that part
 * at 0x100000 as always; the setup code jumps to the stub, which moves the
 * segments to the kernel's link-time physical address (pref_address,
 * LOAD_PHYSICAL_ADDR) and jumps to the ELF entry, as the kernel's own
 * extract_kernel() leaves it when it does not randomise the address:
 *   - parse_elf(): each PT_LOAD's file bytes at its p_paddr; nothing else is
 *     written (head_32.S clears the kernel's bss itself);
 *   - handle_relocations(): nothing to do, the kernel runs where it is linked;
 *   - choose_random_location(): KASLR_FLAG stays clear in loadflags, so the
 *     kernel knows it was not moved (what `nokaslr` gives);
 *   - the decompressor's head_32.S: jumps with %esi = boot_params and %ebx = 0.
 * Anything else is kept, with the reason. Environment-free.
 */
import { elfHeaderProblem, ET_EXEC } from '../elf.ts';
import type { XzDecoder } from './unxz.ts';

/** What became of a bzImage offered to host-unpack. */
export type UnpackResult = { kind: 'unpacked'; image: Uint8Array } | { kind: 'kept'; reason: string };

/** Where v86 puts the protected-mode part (and where a bzImage's code32_start points). */
export const KERNEL_LOAD = 0x100000;
/** v86 puts the initrd here; the placed kernel and its init_size must stay below. */
export const INITRD_ADDRESS = 64 * 1024 * 1024;
/** Far beyond any kernel modlab boots; the decoder never writes more. */
export const MAX_VMLINUX = 48 * 1024 * 1024;
/** The decoder's memory limit: the kernel's XZ uses a 32 MiB dictionary (scripts/xz_wrap.sh). */
const XZ_MEMLIMIT = 64 * 1024 * 1024;
/** Boot protocol 2.08 added payload_offset/length, and the payload became an ELF vmlinux. */
const FIRST_ELF_PAYLOAD_PROTOCOL = 0x208;

const SETUP_SECTS = 0x1f1;
const HEADER_MAGIC = 0x202;
const BOOT_PROTOCOL = 0x206;
const CODE32_START = 0x214;
const PAYLOAD_OFFSET = 0x248;
const PAYLOAD_LENGTH = 0x24c;
const PREF_ADDRESS = 0x258;
const INIT_SIZE = 0x260;
const PT_LOAD = 1;

export type PayloadFormat = 'xz' | 'gzip';

export interface RelocatableHeader {
  /** The protected-mode part's offset in the file. */
  setupEnd: number;
  protocol: number;
  /** The payload, a view of the file, with its 4-byte size word at the end. */
  payload: Uint8Array;
  format: PayloadFormat;
  /** The vmlinux size the build appended after the stream. */
  unpackedSize: number;
  /** Where the kernel is linked to run (LOAD_PHYSICAL_ADDR). */
  loadAddress: number;
  /** The memory from loadAddress the kernel needs until it sets up its own. */
  initSize: number;
}

/** The name a payload's first bytes give (the formats a bzImage may carry): xz and gzip are unpacked, the rest named in the refusal. */
function payloadFormat(bytes: Uint8Array): string {
  const starts = (...magic: number[]): boolean => magic.every((b, i) => bytes[i] === b);
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (starts(0x1f, 0x8b)) return 'gzip';
  if (starts(0x42, 0x5a, 0x68)) return 'bzip2';
  if (starts(0x5d, 0x00)) return 'lzma';
  if (starts(0x89, 0x4c, 0x5a, 0x4f)) return 'lzo';
  if (starts(0x02, 0x21, 0x4c, 0x18)) return 'lz4';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  return 'of an unknown format';
}

/** The header fields host-unpack needs from a relocatable bzImage, or why it does not apply. */
export function readRelocatableHeader(bzimage: Uint8Array): { ok: true; header: RelocatableHeader } | { ok: false; reason: string } {
  if (bzimage.length < 0x400) return { ok: false, reason: 'too short for a bzImage' };
  const view = new DataView(bzimage.buffer, bzimage.byteOffset, bzimage.byteLength);
  if (view.getUint32(HEADER_MAGIC, true) !== 0x53726448) return { ok: false, reason: 'no HdrS header' };
  const protocol = view.getUint16(BOOT_PROTOCOL, true);
  if (protocol < FIRST_ELF_PAYLOAD_PROTOCOL) return { ok: false, reason: `boot protocol ${protocol.toString(16)}: before 2.08 the payload is not an ELF kernel the header locates` };
  if (view.getUint32(CODE32_START, true) !== KERNEL_LOAD) return { ok: false, reason: 'the protected-mode part does not start at 0x100000' };
  if (view.getUint32(PREF_ADDRESS + 4, true) !== 0) return { ok: false, reason: 'the kernel is linked above 4 GiB' };
  const setupEnd = ((bzimage[SETUP_SECTS] || 4) + 1) * 512;
  const offset = view.getUint32(PAYLOAD_OFFSET, true);
  const length = view.getUint32(PAYLOAD_LENGTH, true);
  const start = setupEnd + offset;
  if (length < 8 || start + length > bzimage.length) return { ok: false, reason: 'the payload lies outside the file' };
  const payload = bzimage.subarray(start, start + length);
  const format = payloadFormat(payload);
  if (format !== 'xz' && format !== 'gzip') return { ok: false, reason: `the payload is ${format}: only xz and gzip are unpacked on the host` };
  const unpackedSize = view.getUint32(start + length - 4, true);
  if (unpackedSize > MAX_VMLINUX) return { ok: false, reason: `the kernel would unpack to ${unpackedSize} bytes` };
  return { ok: true, header: { setupEnd, protocol, payload, format, unpackedSize, loadAddress: view.getUint32(PREF_ADDRESS, true), initSize: view.getUint32(INIT_SIZE, true) } };
}

/** The kernel's loadable bytes as one block from its load address (gaps zero), and where it starts. */
export interface PlacedKernel {
  /** Physical address of span[0]: the load address. */
  base: number;
  span: Uint8Array;
  /** The ELF entry: physical startup_32. */
  entry: number;
}

/**
 * parse_elf() done on the host: every PT_LOAD's file bytes at p_paddr,
 * relative to `base`. Refused unless each segment lies within
 * [base, base + initSize) and below the initrd, and the entry is in the span.
 */
export function placeElfKernel(vmlinux: Uint8Array, base: number, initSize: number): { ok: true; placed: PlacedKernel } | { ok: false; reason: string } {
  const problem = elfHeaderProblem(vmlinux, ET_EXEC, 'EXEC');
  if (problem !== undefined) return { ok: false, reason: `the payload is not an i386 vmlinux: ${problem}` };
  const view = new DataView(vmlinux.buffer, vmlinux.byteOffset, vmlinux.byteLength);
  const entry = view.getUint32(24, true);
  const phoff = view.getUint32(28, true);
  const phentsize = view.getUint16(42, true);
  const phnum = view.getUint16(44, true);
  if (phentsize < 32 || phoff + phnum * phentsize > vmlinux.length) return { ok: false, reason: 'the vmlinux program headers lie outside it' };
  const limit = Math.min(base + initSize, INITRD_ADDRESS);
  const loads: { offset: number; paddr: number; filesz: number }[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (view.getUint32(at, true) !== PT_LOAD) continue;
    const offset = view.getUint32(at + 4, true);
    const paddr = view.getUint32(at + 12, true);
    const filesz = view.getUint32(at + 16, true);
    const memsz = view.getUint32(at + 20, true);
    if (offset + filesz > vmlinux.length) return { ok: false, reason: `a loadable segment at 0x${paddr.toString(16)} reaches past the vmlinux file` };
    if (paddr < base || paddr + memsz > limit) {
      return { ok: false, reason: `a loadable segment at 0x${paddr.toString(16)} (0x${memsz.toString(16)} bytes) lies outside 0x${base.toString(16)}..0x${limit.toString(16)} (the kernel's init_size, below the initrd)` };
    }
    loads.push({ offset, paddr, filesz });
  }
  if (loads.length === 0) return { ok: false, reason: 'the vmlinux has no loadable segment' };
  const end = Math.max(...loads.map((l) => l.paddr + l.filesz));
  if (entry < base || entry >= end) return { ok: false, reason: `the entry point 0x${entry.toString(16)} is not in the kernel's loaded bytes` };
  // A multiple of 4: the stub copies dwords.
  const span = new Uint8Array((end - base + 3) & ~3);
  for (const l of loads) span.set(vmlinux.subarray(l.offset, l.offset + l.filesz), l.paddr - base);
  return { ok: true, placed: { base, span, entry } };
}

/** The stub's room at the start of the protected-mode part; the span follows it. */
export const STUB_ROOM = 64;

const le32 = (n: number): number[] => [0, 8, 16, 24].map((shift) => (n >>> shift) & 0xff);

/**
 * The code the setup code jumps to (flat segments, interrupts off, %esi =
 * boot_params, as it leaves them): copy the span from just past this stub to
 * `base` (backwards where the two overlap), zero the stale copy below `base`
 * so it costs nothing in a snapshot, and jump to the entry with %esi as it
 * came and %ebx = 0, as the decompressor's head_32.S does.
 */
export function placementStub(placed: PlacedKernel): Uint8Array {
  const src = KERNEL_LOAD + STUB_ROOM;
  const length = placed.span.length;
  const overlap = placed.base < src + length;
  const copy = overlap
    ? [
        0xfd, // std: from the top down, as memmove does when the destination is above
        0xbe, ...le32(src + length - 4), // mov $last_src_dword, %esi
        0xbf, ...le32(placed.base + length - 4), // mov $last_dst_dword, %edi
        0xb9, ...le32(length / 4), // mov $dwords, %ecx
        0xf3, 0xa5, // rep movsl
        0xfc, // cld
      ]
    : [
        0xfc, // cld
        0xbe, ...le32(src), // mov $src, %esi
        0xbf, ...le32(placed.base), // mov $base, %edi
        0xb9, ...le32(length / 4), // mov $dwords, %ecx
        0xf3, 0xa5, // rep movsl
      ];
  // The stale bytes below the kernel: from src up to the lower of the copy's end and base.
  const zeroEnd = Math.min(src + length, placed.base);
  const stub = [
    0x89, 0xf5, // mov %esi, %ebp: boot_params, kept across the copy
    ...copy,
    0x31, 0xc0, // xor %eax, %eax
    0xbf, ...le32(src), // mov $src, %edi
    0xb9, ...le32((zeroEnd - src) >>> 2), // mov $dwords, %ecx
    0xf3, 0xab, // rep stosl
    0x89, 0xee, // mov %ebp, %esi
    0x31, 0xdb, // xor %ebx, %ebx
    0xb8, ...le32(placed.entry), // mov $entry, %eax
    0xff, 0xe0, // jmp *%eax
  ];
  if (stub.length > STUB_ROOM) throw new Error(`the placement stub is ${stub.length} bytes, more than its ${STUB_ROOM}`);
  return new Uint8Array(stub);
}

/** The bzImage's setup part, then the stub and the placed kernel as its protected-mode part. */
export function placedImage(bzimage: Uint8Array, setupEnd: number, placed: PlacedKernel): Uint8Array {
  const image = new Uint8Array(setupEnd + STUB_ROOM + placed.span.length);
  image.set(bzimage.subarray(0, setupEnd));
  image.set(placementStub(placed), setupEnd);
  image.set(placed.span, setupEnd + STUB_ROOM);
  return image;
}

/** How the payload is decoded: gzip through the platform, XZ through the target's unxz (loaded only when asked). */
export interface PayloadDecoders {
  gunzip(payload: Uint8Array, maxOutput: number): Promise<Uint8Array | null>;
  unxz?: () => Promise<XzDecoder>;
}

/** host-unpack for a relocatable bzImage: the placed image, or the file kept with the reason. */
export async function unpackRelocatable(bzimage: Uint8Array, decoders: PayloadDecoders): Promise<UnpackResult> {
  const read = readRelocatableHeader(bzimage);
  if (!read.ok) return { kind: 'kept', reason: read.reason };
  const h = read.header;
  let vmlinux: Uint8Array;
  if (h.format === 'xz') {
    if (!decoders.unxz) return { kind: 'kept', reason: 'the payload is xz and no XZ decoder was given' };
    let decoded;
    try {
      decoded = await (await decoders.unxz()).decode(h.payload, h.unpackedSize, XZ_MEMLIMIT);
    } catch (e) {
      return { kind: 'kept', reason: `the XZ decoder did not load (${e instanceof Error ? e.message : String(e)})` };
    }
    if (!decoded.ok) return { kind: 'kept', reason: `the xz payload does not decode: ${decoded.reason}` };
    vmlinux = decoded.output;
  } else {
    const inflated = await decoders.gunzip(h.payload, MAX_VMLINUX).catch(() => null);
    if (!inflated) return { kind: 'kept', reason: 'the gzip payload is damaged' };
    vmlinux = inflated;
  }
  if (vmlinux.length !== h.unpackedSize) return { kind: 'kept', reason: `the payload unpacked to ${vmlinux.length} bytes, not the ${h.unpackedSize} its size word gives` };
  const placed = placeElfKernel(vmlinux, h.loadAddress, h.initSize);
  if (!placed.ok) return { kind: 'kept', reason: placed.reason };
  // Below that the copy would run over the stub doing it.
  if (h.loadAddress < KERNEL_LOAD + STUB_ROOM) return { kind: 'kept', reason: `the kernel is linked at 0x${h.loadAddress.toString(16)}, where the stub that places it runs` };
  if (KERNEL_LOAD + STUB_ROOM + placed.placed.span.length > INITRD_ADDRESS) return { kind: 'kept', reason: 'the placed kernel would reach the initrd' };
  return { kind: 'unpacked', image: placedImage(bzimage, h.setupEnd, placed.placed) };
}
