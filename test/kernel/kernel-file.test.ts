/**
 * `--kernel-file`: a user's own kernel image, read by modlab itself. The
 * mirror's 2.4.27 bzImage answers as `--kernel 2.4.27` does, on a snapshot of
 * its own; the 2.4.20 boot floppy boots from its first part; random bytes and
 * a truncated bzImage are refused with a sentence (exit 3); an image that
 * boots to nothing is exit 4 with what the console showed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BootError } from '../../harness/errors.ts';
import type { StepReport } from '../../harness/reports/step-report.ts';
import { readUserKernel } from '../../kernel-images/user-kernel.ts';
import { boot } from '../../node/boot.ts';
import { LONG } from './man-page.ts';
import { modlab } from './run-cli.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const MIRROR = resolve(REPO, process.env.MODLAB_IMAGE_MIRROR ?? '../shared/kernel-images');
const BZIMAGE_2427 = join(MIRROR, 'linux-2.4.27/bzImage');
const FLOPPY_2420 = join(MIRROR, 'linux-2.4.20-bel/linux.img');
const SCENARIO = fileURLToPath(new URL('../../scenarios/man-page-errors.json', import.meta.url));

const work = mkdtempSync(join(tmpdir(), 'modlab-kernel-file-'));
// A cache of its own, so that the snapshots these runs make can be counted (the children inherit it).
process.env.MODLAB_CACHE_DIR = join(work, 'cache');
after(() => rmSync(work, { recursive: true, force: true }));

function reports(stdout: string): StepReport[] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as StepReport);
}

function answers(stdout: string): string[] {
  return reports(stdout).map((r) => r.crash ?? (r.ok ? 'ok' : (r.errnoName as string)));
}

test('--kernel-file with the 2.4.27 bzImage answers the man-page scenario as --kernel 2.4.27 does, on a snapshot of its own', LONG, async () => {
  const mine = await modlab(['run', SCENARIO, '--kernel-file', BZIMAGE_2427, '--json']);
  assert.equal(mine.code, 0, mine.stderr);
  const theirs = await modlab(['run', SCENARIO, '--kernel', '2.4.27', '--json']);
  assert.equal(theirs.code, 0, theirs.stderr);
  assert.deepEqual(answers(mine.stdout), answers(theirs.stdout));
  assert.deepEqual(answers(mine.stdout), ['ok', 'EEXIST', 'EFAULT', 'EFAULT', 'EINVAL', 'EINVAL', 'EPERM', 'ENOMEM', 'ok']);
  for (const r of reports(mine.stdout)) assert.equal(r.kernel, 'file:2.4.27-rudefault');
  const snaps = readdirSync(join(work, 'cache', 'snapshots'));
  assert.ok(snaps.some((f) => f.startsWith('file_2.4.27-rudefault-') && f.endsWith('.snap')), snaps.join(', '));
  assert.ok(snaps.some((f) => f.startsWith('2.4.27-') && f.endsWith('.snap')), snaps.join(', '));
  // A second run comes back from that snapshot and answers the same.
  const again = await modlab(['call', 'create_module', 'hello', '1024', '--kernel-file', BZIMAGE_2427]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^kernel file:2\.4\.27-rudefault: Linux 2\.4\.27-rudefault, ready in /);
  assert.match(again.stdout, /create_module\("hello", 1024\)\s+= 0xc8/);
});

test('--kernel-file with the 2.4.20 boot floppy boots the bzImage at its start', LONG, async () => {
  const r = await modlab(['call', 'create_module', 'hello', '1024', '--kernel-file', FLOPPY_2420, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const [step] = reports(r.stdout);
  assert.equal(step?.kernel, 'file:2.4.20');
  assert.equal(step?.ok, true);
});

test('compare --kernel-file: the user kernel is one more column, and answers as its manifest twin', LONG, async () => {
  const r = await modlab(['compare', SCENARIO, '--kernels', '2.4.20', '--kernel-file', FLOPPY_2420, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(rows.length, 9);
  for (const row of rows) {
    assert.ok('2.4.20' in row && 'file:2.4.20' in row, JSON.stringify(row));
    assert.equal(row['differs'], false, JSON.stringify(row));
  }
});

test('--kernel-file with random bytes: exit 3, not a Linux boot image', LONG, async () => {
  const file = join(work, 'random.bin');
  const bytes = new Uint8Array(256 * 1024);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[0x1fe] = 0x12; // not 0xAA55 by chance
  writeFileSync(file, bytes);
  const r = await modlab(['call', 'create_module', 'hello', '1024', '--kernel-file', file]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^modlab: .*random\.bin is not a Linux boot image: the boot signature at 0x1FE is 0x[0-9A-F]{4}, not 0xAA55; check that the file is a kernel\.\n$/);
  assert.equal(r.stdout, '');
});

test('--kernel-file with a truncated bzImage: exit 3, cut short, before anything boots', LONG, async () => {
  const file = join(work, 'bzImage.truncated');
  writeFileSync(file, readFileSync(BZIMAGE_2427).subarray(0, 600_000));
  const r = await modlab(['call', 'create_module', 'hello', '1024', '--kernel-file', file]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /bzImage\.truncated is cut short: its boot header says the kernel spans 948,000 bytes, but the file has only 600,000; copy or download it again\.\n$/);
  const missing = await modlab(['lifecycle', '--kernel-file', join(work, 'no-such-file')]);
  assert.equal(missing.code, 3, missing.stderr);
  assert.match(missing.stderr, /no-such-file/);
  const both = await modlab(['lifecycle', '--kernel', '2.4.27', '--kernel-file', BZIMAGE_2427]);
  assert.equal(both.code, 2, both.stderr);
});

/** 2.4.27's real setup code and header (version string included), then `kernel` where the kernel should be. */
function fakeKernel(name: string, kernel: Uint8Array): string {
  const real = readFileSync(BZIMAGE_2427);
  const setupEnd = 11 * 512;
  const bytes = new Uint8Array(setupEnd + 64 * 1024);
  bytes.set(real.subarray(0, setupEnd));
  bytes.set(kernel, setupEnd);
  new DataView(bytes.buffer).setUint32(0x1f4, (64 * 1024) / 16, true);
  const file = join(work, name);
  writeFileSync(file, bytes);
  return file;
}

test('--kernel-file with an image v86 cannot run: exit 4 at once, not a process crash', LONG, async () => {
  // Zeros at 1 MiB: v86 meets a #GP with no handler and stops; modlab reports it instead of dying with v86.
  const r = await modlab(['call', 'create_module', 'hello', '1024', '--kernel-file', fakeKernel('zeros.bzImage', new Uint8Array(0))]);
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /modlab: Kernel file:2\.4\.27-rudefault did not boot to the agent: (v86 stopped the machine.*The serial console \(ttyS0\) stayed silent\.|it printed nothing on the serial console)/);
});

test('--kernel-file with an image that prints nothing: exit 4 at the 60 s deadline, naming the serial console', { timeout: 150_000 }, async () => {
  // The "kernel" is `jmp .` (EB FE): it runs for ever and never writes to the serial port.
  const t0 = performance.now();
  const r = await modlab(['call', 'create_module', 'hello', '1024', '--kernel-file', fakeKernel('silent.bzImage', Uint8Array.of(0xeb, 0xfe))]);
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /^modlab: Kernel file:2\.4\.27-rudefault did not boot to the agent: it printed nothing on the serial console \(ttyS0\) within 60 s; the kernel may lack a built-in serial console/m);
  assert.ok(performance.now() - t0 < 100_000);
});

test('a user kernel that cannot mount its initrd: the boot panic is reported with the initrd hint', LONG, async () => {
  const k = await readUserKernel(readFileSync(BZIMAGE_2427), 'bzImage');
  // Told it is a 2.6 kernel, 2.4.27 gets a cpio initramfs it cannot use, as a kernel without initrd support would fail.
  const wrong = { ...k, series: '2.6' as const, initrd: 'cpio' as const, hasCreateModule: false };
  await assert.rejects(boot({ kernel: wrong, snapshots: null }), (e: unknown) => {
    assert.ok(e instanceof BootError, String(e));
    assert.match(e.message, /^Kernel file:2\.4\.27-rudefault did not boot to the agent: the kernel crashed while booting \(panic\); the kernel may lack initrd support \(CONFIG_BLK_DEV_INITRD\)/);
    assert.match(e.message, /Last console lines:\n[\s\S]*Kernel panic/);
    return true;
  });
});
