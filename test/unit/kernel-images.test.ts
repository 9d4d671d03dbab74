/**
 * Kernel-image manifest, boot-header cutting and resolution (cache → mirror →
 * download), against the real files in the mirror. Downloads are exercised
 * with an injected fetch, so the test never touches the network.
 */

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';

import { bootableKernel, bootProtocolVersion } from '../../kernel-images/bzimage.ts';
import { ImageError } from '../../harness/errors.ts';
import { DEFAULT_KERNEL, findKernel, isKernelId, KERNEL_IDS, KERNELS, type KernelFile, type KernelImage } from '../../kernel-images/manifest.ts';
import {
  downloadKernelFile,
  kernelAvailability,
  resolveBootableKernel,
  resolveKernelFile,
  type ResolveOptions,
} from '../../node/image-resolver.ts';
import { sha256Hex } from '../../kernel-images/sha256.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MIRROR = path.resolve(REPO_ROOT, process.env.MODLAB_IMAGE_MIRROR ?? '../shared/kernel-images');
const NO_MIRROR = existsSync(MIRROR) ? false : `mirror folder ${MIRROR} is absent (set MODLAB_IMAGE_MIRROR to it)`;

const FLOPPY_BZIMAGE_LENGTH = 699_360;

async function tempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `modlab-${prefix}-`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Every option explicit, so the host's environment cannot change the outcome. */
async function isolated(t: TestContext, extra: ResolveOptions = {}): Promise<ResolveOptions> {
  return { cacheDir: await tempDir(t, 'cache'), mirrorDir: MIRROR, download: false, ...extra };
}

function kernel(id: string): KernelImage {
  const found = findKernel(id);
  assert.ok(found, `kernel ${id} is in the manifest`);
  return found;
}

async function mirrorBytes(image: KernelImage): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path.join(MIRROR, image.file.mirrorPath)));
}

async function rejectsWithImageError(promise: Promise<unknown>): Promise<ImageError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ImageError, `expected an ImageError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

function throwsImageError(fn: () => unknown): ImageError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ImageError, `expected an ImageError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a throw');
}

/** A fetch that serves fixed bytes and counts its calls. */
function fakeFetch(body: Uint8Array | (() => Promise<Response>)): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  const fn: typeof fetch = (input) => {
    calls.push(input instanceof Request ? input.url : input.toString());
    return typeof body === 'function' ? body() : Promise.resolve(new Response(new Uint8Array(body)));
  };
  return { fetch: fn, calls };
}

/** A minimal boot header: enough for bootableKernel, nothing else. */
function syntheticKernel(options: { length: number; setupSects?: number; syssize?: number; protocol?: number }): Uint8Array {
  const bytes = new Uint8Array(options.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0x1f1, options.setupSects ?? 1);
  view.setUint32(0x1f4, options.syssize ?? 0, true);
  view.setUint16(0x1fe, 0xaa55, true);
  bytes.set([0x48, 0x64, 0x72, 0x53], 0x202); // "HdrS"
  view.setUint16(0x206, options.protocol ?? 0x0203, true);
  view.setUint8(0x211, 1);
  bytes.fill(0x7f, 0x400); // non-zero kernel body, to tell it from padding
  return bytes;
}

// --- manifest --------------------------------------------------------------

test('manifest lists the five kernels by version, with pinned sources', () => {
  assert.deepEqual(KERNEL_IDS, ['2.4.18', '2.4.20', '2.4.27', '2.6.17', '6.1']);
  assert.deepEqual(
    KERNELS.map((k) => k.id),
    KERNEL_IDS,
  );
  assert.equal(DEFAULT_KERNEL, '2.4.20');
  for (const image of KERNELS) {
    for (const file of [image.file, image.config, image.systemMap]) {
      if (file === undefined) continue;
      assert.match(file.sha256, /^[0-9a-f]{64}$/, `${image.id} ${file.mirrorPath} sha256`);
      assert.match(file.source.url, /^https:\/\//, `${image.id} ${file.mirrorPath} url`);
      if (file.source.url.includes('github')) assert.match(file.source.url, /\/[0-9a-f]{40}\//, 'pinned to a commit');
    }
    assert.equal(image.hasCreateModule, image.series === '2.4');
  }
  const deb = 'linux-image-6.1.0-50-686_6.1.176-1_i386.deb';
  assert.deepEqual(kernel('6.1').file.source, {
    kind: 'deb',
    url: `https://snapshot.debian.org/archive/debian/20260801T000000Z/pool/main/l/linux-signed-i386/${deb}`,
    fallbackUrls: [
      'https://snapshot.debian.org/file/5768914dd8780d7ba220b127683d1cb175fb565e',
      `https://deb.debian.org/debian/pool/main/l/linux-signed-i386/${deb}`,
    ],
    deb: { size: 51_921_880, sha256: '526c469c5148a2b61c4241c3f6575427096575e0ffef9541b6729351c600b3e4' },
    member: './boot/vmlinuz-6.1.0-50-686',
  });
});

test('unknown ids are not kernel ids', async () => {
  for (const id of ['2.4.19', '2.4', '', '6.1.0', 'constructor', 'toString', '__proto__']) {
    assert.equal(isKernelId(id), false, id);
    assert.equal(findKernel(id), undefined, id);
  }
  for (const id of KERNEL_IDS) assert.equal(isKernelId(id), true, id);
  const error = await rejectsWithImageError(resolveKernelFile('2.4.19', { download: false }));
  assert.equal(error.code, 'unknown-kernel');
  assert.match(error.message, /"2\.4\.19".*2\.4\.18, 2\.4\.20, 2\.4\.27, 2\.6\.17, 6\.1/);
});

test('sha256Hex matches the FIPS 180-2 "abc" vector', async () => {
  assert.equal(
    await sha256Hex(new TextEncoder().encode('abc')),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
});

// --- bzimage.ts ----------------------------------------------------------------

test('bootableKernel rejects truncated and garbage buffers with a clear message', { skip: NO_MIRROR }, async () => {
  let error = throwsImageError(() => bootableKernel(new Uint8Array(0), 'bzImage', 'Kernel image X'));
  assert.match(error.message, /^Kernel image X is too short .* 0 bytes/);
  assert.equal(error.code, 'malformed');

  const garbage = new Uint8Array(4096).map((_, i) => (i * 37) & 0xff);
  error = throwsImageError(() => bootableKernel(garbage, 'bzImage'));
  assert.match(error.message, /boot signature at 0x1FE is 0x[0-9A-F]{4}, not 0xAA55/);

  const noMagic = syntheticKernel({ length: 4096 });
  noMagic.set([0, 0, 0, 0], 0x202);
  error = throwsImageError(() => bootableKernel(noMagic, 'bzImage'));
  assert.match(error.message, /no "HdrS"/);

  const floppy = await mirrorBytes(kernel('2.4.20'));
  error = throwsImageError(() => bootableKernel(floppy.subarray(0, 100_000), 'floppy', 'Kernel image 2.4.20'));
  assert.match(error.message, /Kernel image 2\.4\.20 is cut short: .* 699,360 bytes .* only 100,000/);

  error = throwsImageError(() => bootableKernel(syntheticKernel({ length: 4096, setupSects: 10 }), 'bzImage'));
  assert.match(error.message, /cut short: its 10 setup sectors end at byte 5,632/);

  error = throwsImageError(() => bootableKernel(syntheticKernel({ length: 4096, protocol: 0x0201 }), 'bzImage'));
  assert.match(error.message, /boot protocol 2\.01, but v86 needs 2\.02/);
});

test('bootableKernel pads to a multiple of 4 and returns its own buffer', () => {
  const odd = syntheticKernel({ length: 2049 });
  const out = bootableKernel(odd, 'bzImage');
  assert.equal(out.length, 2052);
  assert.equal(out.buffer.byteLength, out.length);
  assert.deepEqual(out.subarray(0, 2049), odd);
  assert.deepEqual([...out.subarray(2049)], [0, 0, 0]);

  // setup_sects 0 means 4: (4+1)*512 + 3*16 = 2608, inside a larger "floppy".
  const disk = syntheticKernel({ length: 8192, setupSects: 0, syssize: 3 });
  const cut = bootableKernel(disk, 'floppy');
  assert.equal(cut.length, 2608);
  assert.equal(cut.buffer.byteLength, 2608);
});

// --- resolution against the real mirror ---------------------------------------

test('every kernel resolves from the mirror with the right hash, then from the cache', { skip: NO_MIRROR }, async (t) => {
  for (const image of KERNELS) {
    await t.test(image.id, async (t) => {
      const options = await isolated(t);
      const first = await resolveKernelFile(image.id, options);
      assert.equal(first.from, 'mirror');
      assert.equal(first.path, path.join(MIRROR, image.file.mirrorPath));
      assert.equal(await sha256Hex(first.bytes), image.file.sha256);
      assert.deepEqual(first.warnings, []);

      const second = await resolveKernelFile(image.id, options);
      assert.equal(second.from, 'cache');
      assert.equal(second.path, path.join(options.cacheDir!, image.file.mirrorPath));
      assert.equal(await sha256Hex(second.bytes), image.file.sha256);
    });
  }
});

test('the 2.4.20 floppy gives a 699,360-byte bzImage starting with the boot header', { skip: NO_MIRROR }, async (t) => {
  const bytes = await resolveBootableKernel('2.4.20', await isolated(t));
  assert.equal(bytes.length, FLOPPY_BZIMAGE_LENGTH);
  assert.equal(bytes.buffer.byteLength, FLOPPY_BZIMAGE_LENGTH, 'not a view into the whole floppy');
  assert.equal(bytes[0x1fe], 0x55);
  assert.equal(bytes[0x1ff], 0xaa);
  assert.equal(new TextDecoder().decode(bytes.subarray(0x202, 0x206)), 'HdrS');
  assert.deepEqual(bytes, (await mirrorBytes(kernel('2.4.20'))).subarray(0, FLOPPY_BZIMAGE_LENGTH));
});

test('every bootable image is a whole number of 32-bit words', { skip: NO_MIRROR }, async (t) => {
  const options = await isolated(t);
  for (const image of KERNELS) {
    const bytes = await resolveBootableKernel(image.id, options);
    assert.equal(bytes.length % 4, 0, `${image.id}: ${bytes.length} bytes`);
    assert.ok(bootProtocolVersion(bytes) >= 0x0202, `${image.id} boot protocol`);
    if (image.format === 'bzImage') {
      const raw = await mirrorBytes(image);
      assert.equal(bytes.length, Math.ceil(raw.length / 4) * 4, `${image.id} keeps the whole file`);
    }
  }
});

test('a corrupted cache file is rejected and fetched again from the mirror', { skip: NO_MIRROR }, async (t) => {
  const options = await isolated(t);
  const image = kernel('2.4.27');
  const cachePath = path.join(options.cacheDir!, image.file.mirrorPath);
  await resolveKernelFile(image.id, options);
  const cached = await readFile(cachePath);
  cached[0x1000] = cached[0x1000]! ^ 0xff;
  await writeFile(cachePath, cached);

  const again = await resolveKernelFile(image.id, options);
  assert.equal(again.from, 'mirror');
  assert.equal(await sha256Hex(again.bytes), image.file.sha256);
  assert.equal(again.warnings.length, 1);
  assert.match(again.warnings[0]!, /ignored the cached .*bzImage: wrong sha256 [0-9a-f]{12}…, expected c9bb5dd5914a…/);
  // The cache was repaired from the mirror.
  assert.equal(await sha256Hex(new Uint8Array(await readFile(cachePath))), image.file.sha256);
  assert.equal((await resolveKernelFile(image.id, options)).from, 'cache');
});

test('a corrupted cache file with nowhere else to look is named in the error', { skip: NO_MIRROR }, async (t) => {
  const cacheDir = await tempDir(t, 'cache');
  const image = kernel('2.4.18');
  const cachePath = path.join(cacheDir, image.file.mirrorPath);
  await mkdir(path.dirname(cachePath), { recursive: true });
  await copyFile(path.join(MIRROR, image.file.mirrorPath), cachePath);
  await writeFile(cachePath, new Uint8Array([1, 2, 3]), { flag: 'a' });

  const error = await rejectsWithImageError(
    resolveKernelFile(image.id, { cacheDir, mirrorDir: await tempDir(t, 'empty'), download: false }),
  );
  assert.equal(error.code, 'not-found');
  assert.match(error.message, new RegExp(`${escape(cachePath)} \\(wrong sha256 `));
});

test('an absent image with download disabled names the image, the places looked and what to do', async (t) => {
  const cacheDir = await tempDir(t, 'cache');
  const saved = { mirror: process.env.MODLAB_IMAGE_MIRROR, noDownload: process.env.MODLAB_NO_DOWNLOAD };
  t.after(() => {
    restoreEnv('MODLAB_IMAGE_MIRROR', saved.mirror);
    restoreEnv('MODLAB_NO_DOWNLOAD', saved.noDownload);
  });
  delete process.env.MODLAB_IMAGE_MIRROR;
  process.env.MODLAB_NO_DOWNLOAD = '1';
  const { fetch, calls } = fakeFetch(new Uint8Array(0));

  const error = await rejectsWithImageError(resolveKernelFile('2.4.27', { cacheDir, fetch }));
  assert.equal(calls.length, 0, 'MODLAB_NO_DOWNLOAD=1 prevents any download');
  assert.equal(error.code, 'not-found');
  assert.equal(error.imageId, '2.4.27');
  const cachePath = path.join(cacheDir, 'linux-2.4.27', 'bzImage');
  assert.equal(
    error.message,
    `Kernel image 2.4.27 not found: looked in ${cachePath} (absent), $MODLAB_IMAGE_MIRROR (not set), ` +
      'and the download from https://raw.githubusercontent.com/ad1014/OSDesignSched/b05e5bf147ce336f25d9aa51dc5c59dbe2d9f84f/arch/i386/boot/bzImage ' +
      '(disabled by MODLAB_NO_DOWNLOAD=1). Set MODLAB_IMAGE_MIRROR to a folder holding linux-2.4.27/bzImage, ' +
      `or put the file in the cache (${cachePath}).`,
  );
  assert.doesNotMatch(error.message, /\n/);
});

test('kernelAvailability checks the cache and mirror only, verifying hashes', { skip: NO_MIRROR }, async (t) => {
  const options = await isolated(t);
  const { fetch, calls } = fakeFetch(new Uint8Array(0));

  let status = await kernelAvailability('2.4.20', { ...options, fetch, download: true });
  assert.deepEqual([status.available, status.from], [true, 'mirror']);
  assert.match(status.detail, /linux\.img/);

  await resolveKernelFile('2.4.20', options);
  status = await kernelAvailability('2.4.20', options);
  assert.deepEqual([status.available, status.from], [true, 'cache']);

  status = await kernelAvailability('6.1', { cacheDir: options.cacheDir!, mirrorDir: await tempDir(t, 'empty'), fetch });
  assert.deepEqual([status.available, status.from], [false, null]);
  assert.match(status.detail, /^not in .*vmlinuz \(absent\) or .*vmlinuz \(absent\); would download from https:\/\/snapshot\.debian\.org\/archive\/debian\/20260801T000000Z\/\S+, https:\/\/snapshot\.debian\.org\/file\/[0-9a-f]{40}, or https:\/\/deb\.debian\.org\//);
  assert.equal(calls.length, 0, 'never downloads');
});

// --- download, with an injected fetch ------------------------------------------

test('a download is verified and cached', { skip: NO_MIRROR }, async (t) => {
  const image = kernel('2.4.18');
  const { fetch, calls } = fakeFetch(await mirrorBytes(image));
  const options = await isolated(t, { mirrorDir: await tempDir(t, 'empty'), download: true, fetch });

  const first = await resolveKernelFile(image.id, options);
  assert.deepEqual([first.from, first.path], ['download', image.file.source.url]);
  assert.deepEqual(calls, [image.file.source.url]);
  assert.equal((await resolveKernelFile(image.id, options)).from, 'cache');
  assert.equal(calls.length, 1);
});

test('a download with the wrong bytes is refused and not cached', async (t) => {
  const { fetch } = fakeFetch(new TextEncoder().encode('<html>rate limited</html>'));
  const options = await isolated(t, { mirrorDir: await tempDir(t, 'empty'), download: true, fetch });
  const error = await rejectsWithImageError(resolveKernelFile('2.4.27', options));
  assert.match(error.message, /the download from https:\S+ \(wrong sha256 [0-9a-f]{12}…, expected c9bb5dd5914a…\)/);
  assert.equal(existsSync(path.join(options.cacheDir!, 'linux-2.4.27', 'bzImage')), false);
});

test('a failed or slow download is reported in one sentence', async (t) => {
  const offline = fakeFetch(() =>
    Promise.reject(new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND raw.githubusercontent.com') })),
  );
  let options = await isolated(t, { mirrorDir: await tempDir(t, 'empty'), download: true, fetch: offline.fetch });
  let error = await rejectsWithImageError(resolveKernelFile('2.4.20', options));
  assert.match(error.message, /the download from https:\S+linux\.img, which failed \(getaddrinfo ENOTFOUND raw\.githubusercontent\.com\)\./);

  const notFound = fakeFetch(() => Promise.resolve(new Response('gone', { status: 404, statusText: 'Not Found' })));
  options = { ...options, fetch: notFound.fetch };
  error = await rejectsWithImageError(resolveKernelFile('2.4.20', options));
  assert.match(error.message, /which failed \(HTTP 404 Not Found\)/);

  // A fetch that only ever ends through its abort signal. Node's AbortSignal.timeout
  // timer does not keep the process alive (a real socket would), so hold a timer.
  const hanging: typeof fetch = (_input, init) =>
    new Promise((_resolve, reject) => {
      const keepAlive = setTimeout(() => reject(new Error('the deadline never fired')), 10_000);
      init?.signal?.addEventListener('abort', () => {
        clearTimeout(keepAlive);
        reject(new DOMException('aborted', 'AbortError'));
      });
    });
  error = await rejectsWithImageError(resolveKernelFile('2.4.20', { ...options, fetch: hanging, timeoutMs: 50 }));
  assert.match(error.message, /which failed \(timed out after 0\.05 s\)/);
});

test('a Debian package download is unpacked with dpkg-deb', { skip: NO_MIRROR }, async (t) => {
  if (!(await hasCommand('dpkg-deb'))) {
    t.skip('dpkg-deb is not installed');
    return;
  }
  const image = kernel('6.1');
  assert.equal(image.file.source.kind, 'deb');
  // A small package holding the genuine vmlinuz at the member path.
  const root = await tempDir(t, 'deb');
  const tree = path.join(root, 'tree');
  await mkdir(path.join(tree, 'DEBIAN'), { recursive: true });
  await mkdir(path.join(tree, 'boot'), { recursive: true });
  await writeFile(
    path.join(tree, 'DEBIAN', 'control'),
    'Package: modlab-test\nVersion: 1\nArchitecture: all\nMaintainer: modlab <test@invalid>\nDescription: test\n',
  );
  await copyFile(path.join(MIRROR, image.file.mirrorPath), path.join(tree, 'boot', 'vmlinuz-6.1.0-50-686'));
  const debPath = path.join(root, 'test.deb');
  await promisify(execFile)('dpkg-deb', ['-Znone', '--root-owner-group', '--build', tree, debPath]);

  const small = new Uint8Array(await readFile(debPath));
  const { fetch } = fakeFetch(small);
  const options = await isolated(t, { mirrorDir: await tempDir(t, 'empty'), download: true, fetch });

  // The manifest pins the real package's size and sha256: this one is refused before it is unpacked.
  const refused = await rejectsWithImageError(resolveKernelFile('6.1', options));
  assert.match(refused.message, new RegExp(`which failed \\(the package is ${small.length} bytes, not the 51921880 of the pinned one\\)`));

  // Pinned to this package, the genuine vmlinuz comes out of it.
  const file = await pinnedTo(image.file, small);
  const got = await downloadKernelFile(file, options);
  assert.ok(got.ok, JSON.stringify(got));
  assert.equal(await sha256Hex(got.bytes), image.file.sha256);

  // A package without the member: tar's complaint reaches the message.
  await rm(path.join(tree, 'boot', 'vmlinuz-6.1.0-50-686'));
  await writeFile(path.join(tree, 'boot', 'other'), 'x');
  await promisify(execFile)('dpkg-deb', ['-Znone', '--root-owner-group', '--build', tree, debPath]);
  const other = new Uint8Array(await readFile(debPath));
  const wrong = await downloadKernelFile(await pinnedTo(image.file, other), { ...options, fetch: fakeFetch(other).fetch });
  assert.equal(wrong.ok, false);
  assert.match(wrong.ok ? '' : wrong.failures.join(' '), /which failed \(tar could not extract \.\/boot\/vmlinuz-6\.1\.0-50-686 \(tar: .*Not found in archive/);
});

test('a Debian package download without dpkg-deb says so', async (t) => {
  const savedPath = process.env.PATH;
  t.after(() => restoreEnv('PATH', savedPath));
  process.env.PATH = await tempDir(t, 'no-tools'); // an empty folder: no dpkg-deb, no tar
  const body = new TextEncoder().encode('!<arch>\n');
  const { fetch } = fakeFetch(body);
  const got = await downloadKernelFile(await pinnedTo(kernel('6.1').file, body), { download: true, fetch });
  assert.equal(got.ok, false);
  assert.match(got.ok ? '' : got.failures.join(' '), /which failed \(dpkg-deb is not installed, and it is needed to unpack \.\/boot\/vmlinuz-6\.1\.0-50-686 from the \.deb \(install dpkg\)\)$/);
});

// --- helpers -----------------------------------------------------------------------

/** The manifest's file with its package pin replaced by `deb`'s size and sha256, and one URL. */
async function pinnedTo(file: KernelFile, deb: Uint8Array): Promise<KernelFile> {
  assert.equal(file.source.kind, 'deb');
  if (file.source.kind !== 'deb') throw new Error('unreachable');
  const { kind, url, member } = file.source;
  return { ...file, source: { kind, url, member, deb: { size: deb.length, sha256: await sha256Hex(deb) } } };
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function hasCommand(command: string): Promise<boolean> {
  try {
    await promisify(execFile)(command, ['--version']);
    return true;
  } catch {
    return false;
  }
}
