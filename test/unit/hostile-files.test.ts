/**
 * Hostile files (issue 12): a FIFO or a link to /dev/zero where a kernel
 * image or a snapshot should be, temp files left by a killed save, and a
 * read-only cache. Each case is refused or carried past in a sentence, and
 * finishes in well under a second (a FIFO used to hang for ever).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ImageError } from '../../harness/errors.ts';
import { SnapshotCache, type Snapshot } from '../../harness/machine/snapshot.ts';
import { findKernel } from '../../kernel-images/manifest.ts';
import { boundedBody, kernelAvailability, MAX_KERNEL_FILE_BYTES, readRegularFile, readRegularFileNow, RefusedFile, removeStaleTemps, resolveKernelFile, STALE_TEMP_MS } from '../../node/image-resolver.ts';
import { FileSnapshotStore } from '../../node/snapshot-store.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MIRROR = path.resolve(REPO_ROOT, process.env.MODLAB_IMAGE_MIRROR ?? '../shared/kernel-images');
const NO_MIRROR = existsSync(MIRROR) ? false : `mirror folder ${MIRROR} is absent (set MODLAB_IMAGE_MIRROR to it)`;
/** Above the system's pid_max (at most 2^22), so no process can have it. */
const DEAD_PID = 4_194_305;
/** Every case here must finish well inside this; a FIFO read would block for ever. */
const FAST = { timeout: 5_000 };

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'modlab-files-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function mkfifo(file: string): void {
  execFileSync('mkfifo', [file]);
}

async function timed<T>(work: Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await work;
  assert.ok(performance.now() - start < 1000, 'finished in under a second');
  return result;
}

const image = findKernel('2.4.20');
assert.ok(image);
const MIRROR_PATH = image.file.mirrorPath;

/** A cache or mirror folder with `make` putting something at 2.4.20's image path. */
async function withImage(t: TestContext, make: (file: string) => Promise<void>): Promise<{ dir: string; file: string }> {
  const dir = await tempDir(t);
  const file = path.join(dir, ...MIRROR_PATH.split('/'));
  await mkdir(path.dirname(file), { recursive: true });
  await make(file);
  return { dir, file };
}

function sample(key: string): Snapshot {
  return { key, state: new Uint8Array(64).fill(7).buffer, release: '2.4.20', version: '#1', bootConsole: '', bootMs: 1 };
}

test('readRegularFile and readRegularFileNow refuse a FIFO, /dev/zero through a symlink, a directory and a file over its size, each in a sentence', FAST, async (t) => {
  const dir = await tempDir(t);
  const fifo = path.join(dir, 'fifo');
  mkfifo(fifo);
  const zero = path.join(dir, 'zero');
  await symlink('/dev/zero', zero);
  const big = path.join(dir, 'big');
  await writeFile(big, '');
  await truncate(big, 2048);
  const cases: Array<[string, number, string]> = [
    [fifo, 1024, `${fifo} is not a regular file but a FIFO`],
    [zero, 1024, `${zero} is not a regular file but a character device`],
    [dir, 1024, `${dir} is not a regular file but a directory`],
    [big, 1024, `${big} is larger than 1024 bytes (2048 bytes)`],
  ];
  for (const [file, max, message] of cases) {
    const refused = (e: unknown): boolean => e instanceof RefusedFile && e.message === message;
    await timed(assert.rejects(readRegularFile(file, max), refused));
    await timed(Promise.resolve().then(() => assert.throws(() => readRegularFileNow(file, max), refused)));
  }
  // A symlink to a regular file is followed.
  const real = path.join(dir, 'real');
  await writeFile(real, 'abc');
  await symlink(real, path.join(dir, 'link'));
  assert.deepEqual([...(await readRegularFile(path.join(dir, 'link'), 3))], [0x61, 0x62, 0x63]);
  assert.deepEqual([...readRegularFileNow(path.join(dir, 'link'), 3)], [0x61, 0x62, 0x63]);
});

test('a FIFO as the mirror\'s kernel image is reported, not waited on (modlab kernels, modlab run)', FAST, async (t) => {
  const { dir: mirrorDir, file } = await withImage(t, (f) => Promise.resolve(mkfifo(f)));
  const options = { cacheDir: await tempDir(t), mirrorDir, download: false };
  const a = await timed(kernelAvailability('2.4.20', options));
  assert.equal(a.available, false);
  assert.ok(a.detail.includes(`${file} (not a regular file but a FIFO)`), a.detail);
  const e = await timed(resolveKernelFile('2.4.20', options).then(() => null, (x: unknown) => x));
  assert.ok(e instanceof ImageError && e.message.includes(`${file} (not a regular file but a FIFO)`), String(e));
});

test('a cached kernel image linked to /dev/zero, or larger than any kernel, is refused without reading it all', FAST, async (t) => {
  const zero = await withImage(t, (f) => symlink('/dev/zero', f));
  const z = await timed(kernelAvailability('2.4.20', { cacheDir: zero.dir, download: false, mirrorDir: await tempDir(t) }));
  assert.equal(z.available, false);
  assert.ok(z.detail.includes(`${zero.file} (not a regular file but a character device)`), z.detail);

  const huge = await withImage(t, async (f) => {
    await writeFile(f, '');
    await truncate(f, MAX_KERNEL_FILE_BYTES + 1);
  });
  const h = await timed(kernelAvailability('2.4.20', { cacheDir: huge.dir, download: false, mirrorDir: await tempDir(t) }));
  assert.ok(h.detail.includes(`${huge.file} (larger than 16 MiB (${MAX_KERNEL_FILE_BYTES + 1} bytes))`), h.detail);
});

test('a FIFO or a link to /dev/zero at a snapshot path means a boot, with the reason, and is replaced by the next save', FAST, async (t) => {
  for (const [make, kind] of [
    [(f: string) => Promise.resolve(mkfifo(f)), 'a FIFO'],
    [(f: string) => symlink('/dev/zero', f), 'a character device'],
  ] as const) {
    const dir = await tempDir(t);
    const file = path.join(dir, 'k1.snap');
    await make(file);
    const problems: string[] = [];
    const cache = new SnapshotCache(new FileSnapshotStore(dir), (m) => problems.push(m));
    assert.equal(await timed(cache.get('k1')), null);
    assert.deepEqual(problems, [`could not read the saved machine from ${dir}: ${file} is not a regular file but ${kind}`]);
    await cache.put(sample('k1'));
    assert.equal((await new SnapshotCache(new FileSnapshotStore(dir)).get('k1'))?.release, '2.4.20');
  }
});

test('a save removes temp files left by killed processes, and keeps a live one\'s', FAST, async (t) => {
  const dir = await tempDir(t);
  const dead = `k0.snap.${DEAD_PID}.tmp`;
  const oldLive = `k2.snap.${process.ppid}.tmp`;
  const freshLive = `k3.snap.${process.ppid}.tmp`;
  for (const name of [dead, oldLive, freshLive]) await writeFile(path.join(dir, name), 'half');
  const hourAgo = new Date(Date.now() - 60 * 60_000);
  await utimes(path.join(dir, oldLive), hourAgo, hourAgo);

  await new FileSnapshotStore(dir).write('k1', new Uint8Array(8));
  assert.deepEqual((await readdir(dir)).sort(), ['k1.snap', freshLive].sort());
});

test('removeStaleTemps knows the image resolver\'s temp names too, and leaves other files alone', FAST, async (t) => {
  const dir = await tempDir(t);
  const names = ['linux.img', `linux.img.${DEAD_PID}.k3j2h1.tmp`, `linux.img.${process.ppid}.a1b2.tmp`, 'notes.tmp', `linux.img.${process.pid}.zz.tmp`];
  for (const name of names) await writeFile(path.join(dir, name), 'x');
  assert.deepEqual(await removeStaleTemps(dir), [`linux.img.${DEAD_PID}.k3j2h1.tmp`]);
  // Later, the live process's file counts as stale by its age; this process's own is never touched.
  assert.deepEqual(await removeStaleTemps(dir, Date.now() + STALE_TEMP_MS + 1000), [`linux.img.${process.ppid}.a1b2.tmp`]);
  assert.deepEqual((await readdir(dir)).sort(), ['linux.img', `linux.img.${process.pid}.zz.tmp`, 'notes.tmp']);
});

/** What Node throws when a write hits a read-only file system; tests run as root, where chmod 0555 stops nothing. */
function readOnlyWrite(code: 'EROFS' | 'EACCES'): (file: string) => Promise<void> {
  return (file) => Promise.reject(Object.assign(new Error(`${code}: read-only file system, open '${file}'`), { code }));
}

test('a read-only snapshot cache is named as such, and the machine is still kept for this process', FAST, async (t) => {
  const dir = await tempDir(t);
  const problems: string[] = [];
  const cache = new SnapshotCache(new FileSnapshotStore(dir, readOnlyWrite('EROFS')), (m) => problems.push(m));
  await cache.put(sample('k1'));
  assert.deepEqual(problems, [`the cache at ${dir} is read-only (EROFS), so this machine is not saved and later runs boot the kernel again`]);
  assert.equal((await cache.get('k1'))?.release, '2.4.20');
  assert.deepEqual(await readdir(dir), [], 'no temp file is left behind');
});

test('a snapshot cache whose path runs through a file says so (a real failure, not simulated)', FAST, async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'file'), 'x');
  const location = path.join(dir, 'file', 'snapshots');
  const problems: string[] = [];
  await new SnapshotCache(new FileSnapshotStore(location), (m) => problems.push(m)).put(sample('k1'));
  assert.match(problems.join('\n'), new RegExp(`^the cache at ${location.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be made, because part of its path is a file \\(ENOTDIR\\), so this machine is not saved`));
});

test('a read-only image cache does not stop a kernel found in the mirror, and the warning says read-only', { skip: NO_MIRROR, timeout: 5_000 }, async (t) => {
  const cacheDir = await tempDir(t);
  const r = await resolveKernelFile('2.4.20', { cacheDir, mirrorDir: MIRROR, download: false, writeFile: readOnlyWrite('EACCES') });
  assert.equal(r.from, 'mirror');
  const cachePath = path.join(cacheDir, ...MIRROR_PATH.split('/'));
  assert.deepEqual(r.warnings, [`could not cache ${cachePath}: the cache at ${path.dirname(cachePath)} is read-only (EACCES)`]);
  await assert.rejects(readFile(cachePath), /ENOENT/);
});

test('a download that passes its size limit is refused as it arrives, announced or not', async () => {
  const chunks = (n: number) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < n; i++) c.enqueue(new Uint8Array(1024));
        c.close();
      },
    });
  await assert.rejects(boundedBody(new Response(chunks(8)), 4096), /passed the 4096 bytes a kernel download may be/);
  await assert.rejects(boundedBody(new Response(chunks(1), { headers: { 'content-length': '99999999999' } }), 4096), /announced 99999999999 bytes/);
  assert.equal((await boundedBody(new Response(chunks(4)), 4096)).length, 4096);
});
