/**
 * host-unpack for relocatable bzImages (harness/machine/kernel-unpack.ts) and
 * the XZ decoder it uses (unxz/unxz.wasm through harness/machine/unxz.ts):
 * on synthetic images, gzip and XZ (made with the system's xz, x86 BCJ +
 * LZMA2 as the kernel's build does), and on the real 6.1 when the mirror has it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  placeElfKernel,
  placementStub,
  readRelocatableHeader,
  STUB_ROOM,
  unpackRelocatable,
  type PayloadDecoders,
} from '../../harness/machine/kernel-unpack.ts';
import { unpackKernel } from '../../harness/machine/v86-config.ts';
import { decompress } from '../../harness/compression.ts';
import { nodeUnxz } from '../../node/unxz.ts';
import { packagePath } from '../../node/package-root.ts';

const BASE = 0x1000000;
const SETUP_SECTS = 3;
const SETUP_END = (SETUP_SECTS + 1) * 512;

interface Segment {
  paddr: number;
  bytes: Uint8Array;
  memsz?: number;
}

/** An ELF32 i386 executable with the given PT_LOADs (and a PT_NOTE, which placement ignores), as vmlinux is. */
function vmlinux(segments: Segment[], entry = BASE, type = 2): Uint8Array {
  const phnum = segments.length + 1;
  let at = 52 + phnum * 32;
  const offsets = segments.map((s) => {
    const o = at;
    at += s.bytes.length;
    return o;
  });
  const elf = new Uint8Array(at);
  const v = new DataView(elf.buffer);
  elf.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  v.setUint16(16, type, true);
  v.setUint16(18, 3, true);
  v.setUint32(24, entry, true);
  v.setUint32(28, 52, true);
  v.setUint16(42, 32, true);
  v.setUint16(44, phnum, true);
  segments.forEach((s, i) => {
    const ph = 52 + i * 32;
    v.setUint32(ph, 1, true);
    v.setUint32(ph + 4, offsets[i] ?? 0, true);
    v.setUint32(ph + 8, s.paddr + 0xc0000000, true);
    v.setUint32(ph + 12, s.paddr, true);
    v.setUint32(ph + 16, s.bytes.length, true);
    v.setUint32(ph + 20, s.memsz ?? s.bytes.length, true);
    elf.set(s.bytes, offsets[i] ?? 0);
  });
  v.setUint32(52 + segments.length * 32, 4, true);
  return elf;
}

function pattern(length: number, seed: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (i * 13 + seed) & 0xff;
  return b;
}

const TEXT = pattern(5000, 1);
const DATA = pattern(3000, 7);
/** Text at the base, data one page-aligned gap later, with a bss beyond its file bytes. */
const SEGMENTS: Segment[] = [
  { paddr: BASE, bytes: TEXT },
  { paddr: BASE + 0x2000, bytes: DATA, memsz: 0x3000 },
];

/** A payload as the kernel's build appends it: the stream, then vmlinux's size as a little-endian word. */
function withSize(stream: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(stream.length + 4);
  out.set(stream);
  new DataView(out.buffer).setUint32(stream.length, size, true);
  return out;
}

/** A bzImage in the 2.08+ shape: setup, then a decompressor, the payload where payload_offset says. */
function relocatableImage(o: { payload: Uint8Array; protocol?: number; code32?: number; pref?: number; initSize?: number }): Uint8Array {
  const decompressor = new Uint8Array(200).fill(0x90);
  const img = new Uint8Array(SETUP_END + decompressor.length + o.payload.length + 100);
  const v = new DataView(img.buffer);
  img[0x1f1] = SETUP_SECTS;
  v.setUint32(0x202, 0x53726448, true);
  v.setUint16(0x206, o.protocol ?? 0x20f, true);
  v.setUint32(0x214, o.code32 ?? 0x100000, true);
  v.setUint32(0x248, decompressor.length, true);
  v.setUint32(0x24c, o.payload.length, true);
  v.setUint32(0x258, o.pref ?? BASE, true);
  v.setUint32(0x260, o.initSize ?? 0x10000, true);
  img.set(decompressor, SETUP_END);
  img.set(o.payload, SETUP_END + decompressor.length);
  return img;
}

const gunzipOnly: PayloadDecoders = { gunzip: (payload, max) => decompress(payload.slice(), 'gzip', max) };

const hasXz = ((): boolean => {
  try {
    execFileSync('xz', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** What the kernel's scripts/xz_wrap.sh makes for x86: BCJ x86 then LZMA2, CRC32 check. */
function kernelXz(data: Uint8Array): Uint8Array {
  return new Uint8Array(execFileSync('xz', ['--format=xz', '--check=crc32', '--x86', '--lzma2=preset=6,dict=1MiB', '-c'], { input: data }));
}

test('placeElfKernel puts each PT_LOAD at p_paddr from the base, gaps and the rest zero, the entry kept', () => {
  const r = placeElfKernel(vmlinux(SEGMENTS, BASE + 0x10), BASE, 0x10000);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  if (!r.ok) return;
  assert.equal(r.placed.base, BASE);
  assert.equal(r.placed.entry, BASE + 0x10);
  // File bytes only: the bss past the data's file bytes is the kernel's to clear.
  assert.equal(r.placed.span.length, (0x2000 + DATA.length + 3) & ~3);
  assert.deepEqual(r.placed.span.subarray(0, TEXT.length), TEXT);
  assert.ok(r.placed.span.subarray(TEXT.length, 0x2000).every((b) => b === 0), 'the gap between segments is zero');
  assert.deepEqual(r.placed.span.subarray(0x2000, 0x2000 + DATA.length), DATA);
});

test('placeElfKernel refuses a kernel that is not where its header says, or not an i386 executable', () => {
  const reason = (r: ReturnType<typeof placeElfKernel>): string => (r.ok ? 'placed' : r.reason);
  assert.match(reason(placeElfKernel(vmlinux(SEGMENTS), BASE + 0x1000, 0x10000)), /outside/);
  assert.match(reason(placeElfKernel(vmlinux(SEGMENTS), BASE, 0x4000)), /init_size/);
  assert.match(reason(placeElfKernel(vmlinux(SEGMENTS, BASE + 0x9000), BASE, 0x10000)), /entry point/);
  assert.match(reason(placeElfKernel(vmlinux(SEGMENTS, BASE, 1), BASE, 0x10000)), /not an i386 vmlinux/);
  assert.match(reason(placeElfKernel(vmlinux([]), BASE, 0x10000)), /no loadable segment/);
  // Past 64 MiB v86 has put the initrd.
  assert.match(reason(placeElfKernel(vmlinux([{ paddr: 0x3fff000, bytes: TEXT }], 0x3fff000), 0x3fff000, 0x100000)), /below the initrd/);
});

test('the stub copies the span from past itself to the base, zeroes the stale copy, and jumps to the entry with %esi kept, %ebx 0', () => {
  const placed = { base: BASE, span: new Uint8Array(0x3000), entry: BASE + 0x20 };
  const stub = [...placementStub(placed)];
  const le = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
  const src = 0x100000 + STUB_ROOM;
  // No overlap: forwards.
  assert.deepEqual(stub.slice(0, 2), [0x89, 0xf5], 'mov %esi, %ebp');
  assert.deepEqual(stub.slice(2, 20), [0xfc, 0xbe, ...le(src), 0xbf, ...le(BASE), 0xb9, ...le(0xc00), 0xf3, 0xa5], 'cld; rep movsl of 0xc00 dwords');
  assert.deepEqual(stub.slice(20, 34), [0x31, 0xc0, 0xbf, ...le(src), 0xb9, ...le(0xc00), 0xf3, 0xab], 'rep stosl over the copied-from bytes');
  assert.deepEqual(stub.slice(34), [0x89, 0xee, 0x31, 0xdb, 0xb8, ...le(BASE + 0x20), 0xff, 0xe0], 'restore %esi, %ebx = 0, jmp entry');
  // A span reaching past the base: backwards from the last dword, and only what lies below the base is zeroed.
  const big = { base: 0x200000, span: new Uint8Array(0x180000), entry: 0x200000 };
  const back = [...placementStub(big)];
  assert.deepEqual(back.slice(2, 21), [0xfd, 0xbe, ...le(src + 0x180000 - 4), 0xbf, ...le(0x200000 + 0x180000 - 4), 0xb9, ...le(0x60000), 0xf3, 0xa5, 0xfc]);
  assert.deepEqual(back.slice(23, 33), [0xbf, ...le(src), 0xb9, ...le((0x200000 - src) / 4)]);
  assert.ok(stub.length <= STUB_ROOM && back.length <= STUB_ROOM);
});

test('a gzip relocatable bzImage unpacks to setup + stub + placed kernel; code32_start and the setup stay as they were', async () => {
  const elf = vmlinux(SEGMENTS);
  const original = relocatableImage({ payload: new Uint8Array(gzipSync(elf)) });
  const r = await unpackRelocatable(original, gunzipOnly);
  assert.equal(r.kind, 'unpacked', r.kind === 'kept' ? r.reason : '');
  if (r.kind !== 'unpacked') return;
  assert.deepEqual(r.image.subarray(0, SETUP_END), original.subarray(0, SETUP_END));
  assert.equal(r.image.length % 4, 0, 'v86 wants a multiple of 4');
  const placed = placeElfKernel(elf, BASE, 0x10000);
  assert.ok(placed.ok);
  if (!placed.ok) return;
  assert.deepEqual(r.image.subarray(SETUP_END, SETUP_END + STUB_ROOM).subarray(0, placementStub(placed.placed).length), placementStub(placed.placed));
  assert.deepEqual(r.image.subarray(SETUP_END + STUB_ROOM), placed.placed.span);
});

test('relocatable unpack keeps, with a reason, every image it cannot place as the decompressor would', async () => {
  const elf = vmlinux(SEGMENTS);
  const gz = new Uint8Array(gzipSync(elf));
  const kept = async (img: Uint8Array, decoders: PayloadDecoders = gunzipOnly): Promise<string> => {
    const r = await unpackRelocatable(img, decoders);
    assert.equal(r.kind, 'kept');
    return r.kind === 'kept' ? r.reason : '';
  };
  assert.match(await kept(relocatableImage({ payload: gz, protocol: 0x207 })), /before 2\.08/);
  assert.match(await kept(relocatableImage({ payload: gz, code32: 0x1000000 })), /0x100000/);
  assert.match(await kept(relocatableImage({ payload: withSize(new Uint8Array([0x42, 0x5a, 0x68, 0x39, 1, 2, 3]), 9) })), /bzip2: only xz and gzip/);
  assert.match(await kept(relocatableImage({ payload: withSize(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 1]), 9) })), /zstd/);
  assert.match(await kept(relocatableImage({ payload: withSize(new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, 1]), 9) })), /no XZ decoder/);
  const damaged = gz.slice();
  damaged.fill(0xff, 12, 60);
  assert.match(await kept(relocatableImage({ payload: damaged })), /damaged|not an i386|size word/);
  assert.match(await kept(relocatableImage({ payload: gz, initSize: 0x1000 })), /init_size/);
  assert.match(await kept(relocatableImage({ payload: new Uint8Array(gzipSync(vmlinux([{ paddr: 0x100000, bytes: TEXT }], 0x100000))), pref: 0x100000 })), /where the stub/);
  assert.match(await kept(relocatableImage({ payload: new Uint8Array(gzipSync(new Uint8Array(5000))) })), /not an i386 vmlinux/);
  const header = readRelocatableHeader(new Uint8Array(0x300));
  assert.ok(!header.ok && /too short/.test(header.reason));
  // The 2.4/2.6 path keeps its own refusals; a relocatable image now gets this one's.
  const viaConfig = await unpackKernel(relocatableImage({ payload: gz, protocol: 0x205 }));
  assert.ok(viaConfig.kind === 'kept' && /before 2\.08/.test(viaConfig.reason));
});

test('an XZ payload (x86 BCJ + LZMA2, as the kernel packs it) decodes through unxz.wasm and is placed', { skip: !hasXz && 'no xz command to make the test stream' }, async () => {
  const elf = vmlinux([{ paddr: BASE, bytes: pattern(40_000, 3) }]);
  const img = relocatableImage({ payload: withSize(kernelXz(elf), elf.length) });
  const r = await unpackKernel(img, () => nodeUnxz());
  assert.equal(r.kind, 'unpacked', r.kind === 'kept' ? r.reason : '');
  if (r.kind === 'unpacked') assert.deepEqual(r.image.subarray(SETUP_END + STUB_ROOM), elf.subarray(52 + 2 * 32));
});

test('unxz.wasm names what is wrong with a stream: damaged, too big for the output, over the memory limit, not xz', { skip: !hasXz && 'no xz command to make the test stream' }, async () => {
  const data = pattern(100_000, 5);
  const xz = kernelXz(data);
  const decoder = await nodeUnxz();
  const good = await decoder.decode(withSize(xz, data.length), data.length, 64 << 20);
  assert.ok(good.ok);
  if (good.ok) {
    assert.deepEqual(good.output, data);
    assert.equal(good.consumed, xz.length, 'the size word after the stream is not taken');
  }
  const bad = xz.slice();
  const middle = Math.floor(bad.length / 2);
  bad[middle] = (bad[middle] ?? 0) ^ 0xff;
  const reason = async (input: Uint8Array, max: number, limit: number): Promise<string> => {
    const r = await decoder.decode(input, max, limit);
    return r.ok ? 'decoded' : r.reason;
  };
  assert.match(await reason(bad, data.length, 64 << 20), /damaged/);
  assert.match(await reason(xz, data.length - 1, 64 << 20), /cut short|more than allowed/);
  assert.match(await reason(xz, data.length, 4096), /more memory than the limit/);
  assert.match(await reason(new Uint8Array(gzipSync(data)), data.length, 64 << 20), /not an \.xz stream/);
});

test('node/unxz refuses a decoder file whose sha256 is not the committed one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'modlab-unxz-'));
  try {
    const copy = join(dir, 'unxz.wasm');
    copyFileSync(packagePath('unxz', 'unxz.wasm'), copy);
    assert.ok(await nodeUnxz(copy));
    const bytes = readFileSync(copy);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
    writeFileSync(copy, bytes);
    await assert.rejects(nodeUnxz(copy), /corrupt or from another build/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const mirror = process.env['MODLAB_IMAGE_MIRROR'];
const vmlinuz61 = mirror ? join(mirror, 'linux-6.1', 'vmlinuz') : '';

test("the real 6.1: its XZ payload unpacks to the vmlinux its header describes, placed at 16 MiB, entry startup_32 there", { skip: !(mirror && existsSync(vmlinuz61)) && 'MODLAB_IMAGE_MIRROR has no linux-6.1/vmlinuz' }, async () => {
  const bz = new Uint8Array(readFileSync(vmlinuz61));
  const header = readRelocatableHeader(bz);
  assert.ok(header.ok);
  if (!header.ok) return;
  assert.equal(header.header.format, 'xz');
  assert.equal(header.header.loadAddress, BASE);
  const r = await unpackKernel(bz, () => nodeUnxz());
  assert.equal(r.kind, 'unpacked', r.kind === 'kept' ? r.reason : '');
  if (r.kind !== 'unpacked') return;
  const setupEnd = header.header.setupEnd;
  assert.deepEqual(r.image.subarray(0, setupEnd), bz.subarray(0, setupEnd));
  const stub = r.image.subarray(setupEnd, setupEnd + STUB_ROOM);
  // The jump at the end: mov $0x1000000, %eax; jmp *%eax.
  assert.ok(Buffer.from(stub).includes(Buffer.from([0xb8, 0, 0, 0, 1, 0xff, 0xe0])), 'the stub jumps to startup_32 at 16 MiB');
  // Placed, the kernel reaches past 16 MiB + 12 MiB and stays inside init_size.
  const span = r.image.length - setupEnd - STUB_ROOM;
  assert.ok(span > 12 << 20 && span <= header.header.initSize, `span ${span}`);
});
