/**
 * A user's kernel image (--kernel-file, the lab's "Open a kernel image…"):
 * reading its boot header on synthetic images, what each unbootable kind is
 * told, and the boot-failure sentences.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImageError, TransportError, CrashError } from '../../harness/errors.ts';
import { bootFailure } from '../../harness/machine/emulator.ts';
import { kernelCommandLine } from '../../harness/machine/v86-config.ts';
import { headerVersionString, isUserKernelId, readUserKernel, refHasCreateModule, releaseOf, type BootKernel } from '../../kernel-images/user-kernel.ts';

interface Synthetic {
  setupSects?: number;
  /** Protected-mode bytes the header claims (syssize * 16). */
  kernelBytes?: number;
  protocol?: number;
  loadflags?: number;
  version?: string | null;
  ramWord?: number;
  /** The file's length, when it differs from what the header claims. */
  length?: number;
}

const VERSION_AT = 0x400;

/** A file with a Linux boot header as Documentation/x86/boot.rst lays it out, and filler where the kernel would be. */
function image(o: Synthetic = {}): Uint8Array {
  const setupSects = o.setupSects ?? 4;
  const kernelBytes = o.kernelBytes ?? 4096;
  const claimed = (setupSects + 1) * 512 + kernelBytes;
  const bytes = new Uint8Array(o.length ?? claimed).fill(0x90);
  const view = new DataView(bytes.buffer);
  bytes.fill(0, 0, Math.min(bytes.length, (setupSects + 1) * 512));
  bytes[0x1f1] = setupSects;
  view.setUint16(0x1f8, o.ramWord ?? 0, true);
  view.setUint32(0x1f4, Math.ceil(kernelBytes / 16), true);
  view.setUint16(0x1fe, 0xaa55, true);
  bytes.set(new TextEncoder().encode('HdrS'), 0x202);
  view.setUint16(0x206, o.protocol ?? 0x0203, true);
  const version = o.version === undefined ? '2.4.27-course (root@vm) #1 Tue Oct 27 2015' : o.version;
  if (version !== null) {
    view.setUint16(0x20e, VERSION_AT - 0x200, true);
    bytes.set(new TextEncoder().encode(`${version}\0`), VERSION_AT);
  }
  bytes[0x211] = o.loadflags ?? 1;
  return bytes;
}

async function refused(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  await assert.rejects(readUserKernel(bytes, 'my.img'), (e: unknown) => e instanceof ImageError && e.code === 'malformed' && pattern.test(e.message));
}

test('user kernel: a 2.4 bzImage is file:<release>, ext2, with create_module, keyed by the file sha256', async () => {
  const bytes = image();
  const k = await readUserKernel(bytes, 'my.img');
  assert.equal(k.id, 'file:2.4.27-course');
  assert.equal(k.kind, 'user');
  assert.equal(k.version, '2.4.27-course (root@vm) #1 Tue Oct 27 2015');
  assert.equal(k.series, '2.4');
  assert.equal(k.initrd, 'ext2');
  assert.equal(k.hasCreateModule, true);
  assert.equal(k.format, 'bzImage');
  assert.equal(k.protocol, 0x0203);
  assert.deepEqual(k.initrdBootArgs, []);
  assert.match(k.sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(k.bzimage, bytes);
});

test('user kernel: the version picks the initrd (2.6 and later: cpio, no create_module)', async () => {
  for (const [version, series, initrd] of [
    ['2.2.26 (x@y) #1', '2.4', 'ext2'],
    ['2.6.17.14-rtr (root@slack-dev) #1', '2.6', 'cpio'],
    ['3.16.0-4-586 (debian-kernel@lists.debian.org) #1', '6.1', 'cpio'],
    ['6.1.0-50-686 (debian-kernel@lists.debian.org) #1 SMP', '6.1', 'cpio'],
  ] as const) {
    const k = await readUserKernel(image({ version }), 'my.img');
    assert.equal(k.series, series, version);
    assert.equal(k.initrd, initrd, version);
    assert.equal(k.hasCreateModule, series === '2.4', version);
    assert.equal(kernelCommandLine(k).includes('rdinit=/sbin/init'), initrd === 'cpio');
  }
});

test('user kernel: a boot floppy is cut at its bzImage, and its ram-disk word gets ramdisk_start=0', async () => {
  const floppy = image({ setupSects: 5, kernelBytes: 43518 * 16, length: 1_474_560, ramWord: 0x4000 | 683 });
  const k = await readUserKernel(floppy, 'linux.img');
  assert.equal(k.format, 'floppy');
  assert.equal(k.bzimage.length, 699_360);
  assert.deepEqual(k.initrdBootArgs, ['ramdisk_start=0']);
  assert.ok(kernelCommandLine(k).includes('ramdisk_start=0'));
  // A bzImage that is merely long (a stale syssize, as 2.4.18's) is booted whole.
  const long = await readUserKernel(image({ kernelBytes: 1024, length: 1_100_288 }), 'bzImage');
  assert.equal(long.format, 'bzImage');
  assert.equal(long.bzimage.length, 1_100_288);
});

test('user kernel: a length that is not a multiple of 4 is padded (v86 throws a RangeError otherwise)', async () => {
  const k = await readUserKernel(image({ kernelBytes: 4093 }), 'odd.img');
  assert.equal(k.bzimage.length % 4, 0);
  assert.equal(k.bzimage.length, 5 * 512 + 4096);
});

test('user kernel: each image v86 cannot boot gets its own sentence', async () => {
  await refused(new Uint8Array(100), /too short to be a Linux kernel/);
  const random = new Uint8Array(65536);
  for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24;
  random[0x1fe] = 0;
  await refused(random, /is not a Linux boot image: the boot signature at 0x1FE/);
  const noHdrS = image();
  noHdrS.set([0, 0, 0, 0], 0x202);
  await refused(noHdrS, /no "HdrS" boot-protocol header/);
  await refused(image({ protocol: 0x0201 }), /boot protocol 2\.01, but v86 needs 2\.02 or newer/);
  await refused(image({ loadflags: 0 }), /zImage loaded low/);
  await refused(image({ kernelBytes: 400_000, length: 200_000 }), /is cut short: its boot header says the kernel spans 402,560 bytes, but the file has only 200,000/);
  await refused(image({ version: null }), /carries no kernel version string/);
  await refused(image({ version: 'not a version' }), /carries no kernel version string/);
});

test('user kernel: the id keeps only characters safe in a file name, a link and a terminal', async () => {
  const k = await readUserKernel(image({ version: '2.4.27-a/b:c (x@y) #1' }), 'my.img');
  assert.equal(k.id, 'file:2.4.27-a_b_c');
  // A control character means the pointer does not point at a version string.
  await refused(image({ version: '2.4.27\u0007 (x@y)' }), /carries no kernel version string/);
});

test('user kernel ids: the version in the id says whether create_module exists', () => {
  assert.equal(isUserKernelId('file:2.4.27-x'), true);
  assert.equal(isUserKernelId('file:'), false);
  assert.equal(isUserKernelId('2.4.27'), false);
  assert.equal(refHasCreateModule('2.4.27'), true);
  assert.equal(refHasCreateModule('6.1'), false);
  assert.equal(refHasCreateModule('file:2.4.20'), true);
  assert.equal(refHasCreateModule('file:2.6.17.14-rtr'), false);
  assert.equal(refHasCreateModule('file:junk'), false);
  assert.equal(releaseOf('  2.4.20 (kristen@aldebaran) #2'), '2.4.20');
  assert.equal(headerVersionString(new Uint8Array(10)), null);
});

const USER: BootKernel = { id: 'file:2.4.27-course', version: '2.4.27-course', series: '2.4', hasCreateModule: true, initrd: 'ext2', initrdBootArgs: [] };

test('boot failure: silence, no agent, a crash and a v86 fault each get their sentence', () => {
  const timeout = new TransportError('the ready signal did not arrive within 60000 ms', 'timeout');
  const silent = bootFailure(USER, timeout, '', 60_000);
  assert.match(silent, /^Kernel file:2\.4\.27-course did not boot to the agent: it printed nothing on the serial console \(ttyS0\) within 60 s; the kernel may lack a built-in serial console/);
  const noAgent = bootFailure(USER, timeout, 'Linux version 2.4.27\nFreeing unused kernel memory: 120k freed\n', 60_000);
  assert.match(noAgent, /it booted, but modlab's agent never came up within 60 s; the kernel may lack initrd support \(CONFIG_BLK_DEV_INITRD with ext2/);
  assert.match(noAgent, /Last console lines:\nLinux version 2\.4\.27\nFreeing unused kernel memory: 120k freed$/);
  const crash = bootFailure(USER, new CrashError('panic'), 'Kernel panic: VFS: Unable to mount root fs on 01:00\n', 60_000);
  assert.match(crash, /the kernel crashed while booting \(panic\); the kernel may lack initrd support/);
  const fault = bootFailure(USER, new TransportError('v86 stopped the machine: the guest ran into something v86 does not emulate (unreachable)', 'closed'), '', 60_000);
  assert.match(fault, /v86 stopped the machine.*; the image may be damaged or built for another machine.*The serial console \(ttyS0\) stayed silent\.$/);
  // A manifest kernel gets the same facts without the hints about how it was built.
  const manifest = bootFailure({ ...USER, id: '2.4.27' }, timeout, 'Linux version 2.4.27\n', 120_000);
  assert.doesNotMatch(manifest, /may lack/);
  assert.match(manifest, /^Kernel 2\.4\.27 did not boot to the agent: it booted, but modlab's agent never came up within 120 s\. Last console lines:/);
});
