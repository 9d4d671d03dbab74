/**
 * The boot tuning that is pure code: the kernel command line each kernel gets
 * and host-unpack's rewriting of a bzImage (on synthetic images, and on the
 * real ones when the mirror has them).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { findKernel } from '../../kernel-images/manifest.ts';
import { ALL_TUNINGS, bootFiles, kernelCommandLine, unpackKernel, type Tuning } from '../../harness/machine/v86-config.ts';
import { NodeAssets } from '../../node/assets.ts';

const SETUP_SECTS = 4;
const SETUP_END = (SETUP_SECTS + 1) * 512;

/** A bare kernel as the 2.4/2.6 decompressor would inflate it: startup_32 begins with cld. */
function bareKernel(length = 9000): Uint8Array {
  const k = new Uint8Array(length);
  for (let i = 0; i < length; i++) k[i] = (i * 7 + 3) & 0xff;
  k[0] = 0xfc;
  return k;
}

/** A bzImage laid out as a 2.4/2.6 build makes it: setup, decompressor, then piggy.o (length word, gzip stream). */
function bzImage(o: { protocol?: number; code32?: number; payload?: Uint8Array } = {}): Uint8Array {
  const gz = o.payload ?? gzipSync(bareKernel());
  const decompressor = new Uint8Array(300).fill(0x90);
  const img = new Uint8Array(SETUP_END + decompressor.length + 4 + gz.length + 64);
  const view = new DataView(img.buffer);
  img[0x1f1] = SETUP_SECTS;
  view.setUint32(0x202, 0x53726448, true);
  view.setUint16(0x206, o.protocol ?? 0x203, true);
  view.setUint32(0x214, o.code32 ?? 0x100000, true);
  img.set(decompressor, SETUP_END);
  view.setUint32(SETUP_END + decompressor.length, gz.length, true);
  img.set(gz, SETUP_END + decompressor.length + 4);
  return img;
}

test('host-unpack puts the bare kernel right after the setup code and points code32_start at a stub that goes on to 0x100000', async () => {
  const original = bzImage();
  const r = await unpackKernel(original);
  assert.equal(r.kind, 'unpacked');
  if (r.kind !== 'unpacked') return;
  const image = r.image;
  assert.equal(image.length % 4, 0, 'v86 wants a multiple of 4');
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const code32 = view.getUint32(0x214, true);
  // The setup code is untouched but for the jump target.
  for (let i = 0; i < SETUP_END; i++) if (i < 0x214 || i >= 0x218) assert.equal(image[i], original[i], `setup byte ${i}`);
  assert.deepEqual(image.subarray(SETUP_END, SETUP_END + 9000), bareKernel());
  const stubAt = SETUP_END + (code32 - 0x100000);
  assert.ok(code32 >= 0x100000 + 9000, 'the stub lies past the kernel');
  const stub = [...image.subarray(stubAt, stubAt + 24)];
  assert.deepEqual(stub.slice(0, 5), [0xb8, 0x18, 0, 0, 0], 'mov $0x18, %eax');
  assert.deepEqual(stub.slice(5, 15), [0x8e, 0xd8, 0x8e, 0xc0, 0x8e, 0xe0, 0x8e, 0xe8, 0x8e, 0xd0], '%ds %es %fs %gs %ss');
  assert.deepEqual(stub.slice(15, 22), [0xb9, 0, 0, 0x10, 0, 0xff, 0xe1], 'mov $0x100000, %ecx; jmp *%ecx');
});

test('host-unpack keeps every image that is not exactly a fixed-address gzip kernel', async () => {
  const kept = async (img: Uint8Array): Promise<string> => {
    const r = await unpackKernel(img);
    assert.equal(r.kind, 'kept');
    return r.kind === 'kept' ? r.reason : '';
  };
  // Relocatable (2.05+) images go to kernel-unpack.ts, which needs 2.08's payload fields.
  assert.match(await kept(bzImage({ protocol: 0x205 })), /before 2\.08/);
  assert.match(await kept(bzImage({ code32: 0x1000000 })), /0x100000/);
  const xz = new Uint8Array(200).fill(0x37);
  assert.match(await kept(bzImage({ payload: xz })), /no gzip payload/);
  const damaged = gzipSync(bareKernel());
  damaged.fill(0xff, 12, 40);
  assert.match(await kept(bzImage({ payload: damaged })), /damaged|not a bare/);
  assert.match(await kept(bzImage({ payload: gzipSync(new Uint8Array(5000)) })), /not a bare i386 kernel/);
  assert.match(await kept(new Uint8Array(100)), /too short/);
});

const mirror = process.env['MODLAB_IMAGE_MIRROR'];
const haveMirror = !!mirror && existsSync(mirror);

test('the real kernels: 2.4.20 unpacks to its 1,465,456-byte kernel and an inflated initrd, 6.1 (xz, relocatable) through the target\'s XZ decoder only', { skip: !haveMirror && 'MODLAB_IMAGE_MIRROR not set' }, async () => {
  const assets = new NodeAssets({ download: false });
  const a24 = await assets.load('2.4.20');
  const r24 = await unpackKernel(a24.bzimage);
  assert.equal(r24.kind, 'unpacked');
  const setupEnd = ((a24.bzimage[0x1f1] ?? 4) + 1) * 512;
  if (r24.kind === 'unpacked') assert.equal(new DataView(r24.image.buffer).getUint32(0x214, true), 0x100000 + ((1465456 + 15) & ~15));
  assert.ok(r24.kind === 'unpacked' && r24.image.length - setupEnd >= 1465456);
  const tuned = await bootFiles(a24);
  assert.ok(tuned.bzimage.length > a24.bzimage.length, 'host-unpack: the bare kernel is bigger than the gzipped one');
  // raw-initrd: the ext2 image itself (superblock magic 0xef53 at 1024 + 56), where the file is gzip.
  assert.deepEqual([a24.initrd[0], a24.initrd[1]], [0x1f, 0x8b]);
  assert.equal(new DataView(tuned.initrd.buffer, tuned.initrd.byteOffset).getUint16(1024 + 56, true), 0xef53);
  const plain = await bootFiles(a24, ALL_TUNINGS.filter((t) => t !== 'host-unpack' && t !== 'raw-initrd'));
  assert.equal(plain.bzimage, a24.bzimage, 'without the tunings the files are the assets');
  assert.equal(plain.initrd, a24.initrd);
  const a61 = await assets.load('6.1');
  const bare61 = await unpackKernel(a61.bzimage);
  assert.ok(bare61.kind === 'kept' && /no XZ decoder/.test(bare61.reason), 'without a decoder the XZ kernel boots packed');
  const files61 = await bootFiles(a61);
  assert.notEqual(files61.bzimage, a61.bzimage, 'NodeAssets gives the decoder: host-unpack applies to 6.1');
  assert.equal((await bootFiles(a61, ALL_TUNINGS.filter((t) => t !== 'host-unpack'))).bzimage, a61.bzimage);
  assert.equal(files61.initrd, a61.initrd, 'the cpio initramfs is not an ext2 initrd: left gzipped');
});

test("6.1's command line: untuned as it always was; tuned, no crypto self-tests, no ISA PnP probe, freed pages zeroed", () => {
  const k61 = findKernel('6.1');
  const k24 = findKernel('2.4.20');
  assert.ok(k61 && k24);
  assert.equal(kernelCommandLine(k61, []), 'console=ttyS0 rdinit=/sbin/init');
  const tuned = kernelCommandLine(k61).split(' ');
  for (const w of ['cryptomgr.notests', 'noisapnp', 'init_on_free=1']) assert.ok(tuned.includes(w), `${w} in ${tuned.join(' ')}`);
  // host-unpack places 6.1 at its link address without telling it: KASLR_FLAG stays clear, as with the decompressor's nokaslr.
  assert.ok(!tuned.includes('nokaslr'));
  const without = (t: Tuning): string[] => kernelCommandLine(k61, ALL_TUNINGS.filter((x) => x !== t)).split(' ');
  assert.ok(!without('zero-freed').includes('init_on_free=1'));
  assert.ok(!without('no-crypto-selftests').includes('cryptomgr.notests'));
  const line24 = kernelCommandLine(k24);
  assert.ok(!line24.includes('init_on_free') && !line24.includes('cryptomgr'), line24);
});

test("6.1's skipped initcalls: one initcall_blacklist= word with each tuning's initcalls, and none without them", () => {
  const k61 = findKernel('6.1');
  const k26 = findKernel('2.6.17');
  assert.ok(k61 && k26);
  const blacklist = (tunings: readonly Tuning[] = ALL_TUNINGS): string[] => {
    const words = kernelCommandLine(k61, tunings).split(' ').filter((w) => w.startsWith('initcall_blacklist='));
    assert.ok(words.length <= 1, words.join(' '));
    return words[0]?.slice('initcall_blacklist='.length).split(',') ?? [];
  };
  assert.deepEqual(blacklist(), ['tracer_init_tracefs', 'trace_eval_init', 'ftrace_check_for_weak_functions', 'blake2s_mod_init', 'slab_sysfs_init']);
  // The tracefs set-up is skipped whole or not at all: without its queue, tracer_init_tracefs would do the work in init.
  assert.deepEqual(blacklist(ALL_TUNINGS.filter((t) => t !== 'no-tracefs-setup')), ['ftrace_check_for_weak_functions', 'blake2s_mod_init', 'slab_sysfs_init']);
  assert.deepEqual(blacklist(['no-blake2s-selftest']), ['blake2s_mod_init']);
  assert.deepEqual(blacklist(ALL_TUNINGS.filter((t) => !['no-tracefs-setup', 'no-ftrace-weak-check', 'no-blake2s-selftest', 'no-slab-sysfs'].includes(t))), []);
  // Measured on Debian's 6.1 only: other kernels boot without the list.
  assert.ok(!kernelCommandLine(k26).includes('initcall_blacklist'));
  const user = { ...k61, id: 'file:other-6.x' as const };
  assert.ok(!kernelCommandLine(user).includes('initcall_blacklist'), "a user's modern kernel keeps its initcalls");
  assert.ok(kernelCommandLine(user).includes('cryptomgr.notests'));
});
