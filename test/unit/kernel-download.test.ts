/**
 * The download path for real (issue 14): a node:http server on 127.0.0.1
 * serves the files, and the resolver's own fetch reaches it through a fetch
 * that only rewrites each pinned URL to the local server
 * (https://HOST/PATH → http://127.0.0.1:PORT/HOST/PATH). Every wait has a
 * deadline; nothing sleeps.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { ImageError } from '../../harness/errors.ts';
import { findKernel, sourceUrls, type KernelFile, type KernelImage } from '../../kernel-images/manifest.ts';
import { sha256Hex } from '../../kernel-images/sha256.ts';
import { downloadKernelFile, MAX_REDIRECTS, resolveKernelFile, type DownloadOutcome } from '../../node/image-resolver.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MIRROR = path.resolve(REPO_ROOT, process.env.MODLAB_IMAGE_MIRROR ?? '../shared/kernel-images');
const NO_MIRROR = existsSync(MIRROR) ? false : `mirror folder ${MIRROR} is absent (set MODLAB_IMAGE_MIRROR to it)`;
/** Each case finishes well inside this; a wait without a deadline would not. */
const BOUNDED = { timeout: 20_000 };

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface LocalServer {
  base: string;
  /** The path of every request, in order. */
  requests: string[];
  /** A fetch that sends each pinned URL to this server instead. */
  fetch: typeof fetch;
}

/** A server on 127.0.0.1, port chosen by the system, closed with all its connections after the test. */
async function serve(t: TestContext, handler: Handler): Promise<LocalServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const local: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : input.toString();
    return globalThis.fetch(url.startsWith(base) ? url : `${base}/${url.replace(/^https?:\/\//, '')}`, init);
  };
  return { base, requests, fetch: local };
}

/** The path the local server sees for a pinned URL. */
function localPath(url: string): string {
  return `/${url.replace(/^https?:\/\//, '')}`;
}

function send(res: ServerResponse, body: Uint8Array, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
  res.end(body);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, 'Not Found', { 'content-length': '0' });
  res.end();
}

async function tempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `modlab-${prefix}-`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Every file under `dir`, relative to it: a failed download must leave none, not even a temp file. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => !e.isDirectory()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

function kernel(id: string): KernelImage {
  const found = findKernel(id);
  assert.ok(found, `kernel ${id} is in the manifest`);
  return found;
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

function failures(outcome: DownloadOutcome): string[] {
  assert.equal(outcome.ok, false, 'the download should have failed');
  return outcome.ok ? [] : outcome.failures;
}

/** A raw file pinned to `bytes`, downloaded from `urls` in order. */
async function rawFile(bytes: Uint8Array, urls: readonly string[]): Promise<KernelFile> {
  const [url, ...fallbackUrls] = urls;
  assert.ok(url !== undefined);
  return { mirrorPath: 'test/vmlinuz', sha256: await sha256Hex(bytes), source: { kind: 'raw', url, fallbackUrls } };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const synthetic = new Uint8Array(3000).map((_, i) => (i * 7 + 3) & 0xff);

// --- a real kernel, through the whole resolver --------------------------------------

test('a pinned kernel is downloaded over HTTP, sha256-checked and cached; the next resolve does not ask the server', { ...BOUNDED, skip: NO_MIRROR }, async (t) => {
  const image = kernel('2.4.27');
  const bytes = new Uint8Array(await readFile(path.join(MIRROR, image.file.mirrorPath)));
  const server = await serve(t, (req, res) => (req.url === localPath(image.file.source.url) ? send(res, bytes) : notFound(res)));
  const cacheDir = await tempDir(t, 'cache');
  const options = { cacheDir, mirrorDir: await tempDir(t, 'empty'), download: true, fetch: server.fetch };

  const first = await resolveKernelFile(image.id, options);
  assert.deepEqual([first.from, first.path], ['download', image.file.source.url]);
  assert.equal(await sha256Hex(first.bytes), image.file.sha256);
  assert.deepEqual(server.requests, [localPath(image.file.source.url)]);
  assert.deepEqual(await filesUnder(cacheDir), [image.file.mirrorPath]);
  assert.equal(await sha256Hex(new Uint8Array(await readFile(path.join(cacheDir, image.file.mirrorPath)))), image.file.sha256);

  const second = await resolveKernelFile(image.id, options);
  assert.equal(second.from, 'cache');
  assert.equal(server.requests.length, 1, 'the cache answered; the server was not asked again');
});

test('a wrong body is refused with its sha256 and nothing is left in the cache', BOUNDED, async (t) => {
  const image = kernel('2.4.27');
  const server = await serve(t, (_req, res) => send(res, new TextEncoder().encode('<html>rate limited</html>')));
  const cacheDir = await tempDir(t, 'cache');
  const error = await rejectsWithImageError(
    resolveKernelFile(image.id, { cacheDir, mirrorDir: await tempDir(t, 'empty'), download: true, fetch: server.fetch }),
  );
  assert.match(error.message, new RegExp(`the download from ${escape(image.file.source.url)} \\(wrong sha256 [0-9a-f]{12}…, expected c9bb5dd5914a…\\)`));
  assert.deepEqual(await filesUnder(cacheDir), []);
});

test('a body cut short (Content-Length larger than what is sent, then the connection closes) is refused, nothing cached', BOUNDED, async (t) => {
  const image = kernel('2.4.27');
  const server = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '1000000' });
    res.write(synthetic, () => res.destroy());
  });
  const cacheDir = await tempDir(t, 'cache');
  const error = await rejectsWithImageError(
    resolveKernelFile(image.id, { cacheDir, mirrorDir: await tempDir(t, 'empty'), download: true, fetch: server.fetch }),
  );
  assert.match(error.message, /, which failed \(the connection closed after \d+ of the 1000000 bytes announced\)\./);
  assert.deepEqual(await filesUnder(cacheDir), []);
});

test('a kernel that cannot be had names the file, every URL tried in order, and MODLAB_IMAGE_MIRROR', BOUNDED, async (t) => {
  const saved = process.env.MODLAB_IMAGE_MIRROR;
  t.after(() => {
    if (saved === undefined) delete process.env.MODLAB_IMAGE_MIRROR;
    else process.env.MODLAB_IMAGE_MIRROR = saved;
  });
  delete process.env.MODLAB_IMAGE_MIRROR;
  const image = kernel('6.1');
  const urls = sourceUrls(image.file.source);
  assert.equal(urls.length, 3, 'the snapshot archive, the snapshot by content, the pool');
  const server = await serve(t, (_req, res) => notFound(res));
  const cacheDir = await tempDir(t, 'cache');

  const error = await rejectsWithImageError(resolveKernelFile('6.1', { cacheDir, download: true, fetch: server.fetch }));
  assert.equal(error.code, 'not-found');
  assert.deepEqual(server.requests, urls.map(localPath), 'each URL once, in the manifest order');
  const cachePath = path.join(cacheDir, 'linux-6.1', 'vmlinuz');
  const [snapshot, byContent, pool] = urls.map((url) => `the download from ${url}, which failed (HTTP 404 Not Found)`);
  assert.equal(
    error.message,
    `Kernel image 6.1 not found: looked in ${cachePath} (absent), $MODLAB_IMAGE_MIRROR (not set), ` +
      `${snapshot}, ${byContent}, and ${pool}` +
      `. Set MODLAB_IMAGE_MIRROR to a folder holding linux-6.1/vmlinuz, or put the file in the cache (${cachePath}).`,
  );
  assert.doesNotMatch(error.message, /\n/);
  assert.deepEqual(await filesUnder(cacheDir), []);
});

// --- fallbacks, redirects and deadlines -------------------------------------------

test('when a URL fails or serves other bytes, the next one is tried, and the first good one wins', BOUNDED, async (t) => {
  const server = await serve(t, (req, res) => {
    if (req.url === '/down') {
      res.writeHead(503, 'Service Unavailable', { 'content-length': '0' });
      res.end();
    } else if (req.url === '/other') send(res, synthetic.subarray(1));
    else if (req.url === '/good') send(res, synthetic);
    else notFound(res);
  });
  const file = await rawFile(synthetic, [`${server.base}/down`, `${server.base}/other`, `${server.base}/good`, `${server.base}/never`]);
  const got = await downloadKernelFile(file, { fetch: server.fetch });
  assert.ok(got.ok);
  assert.equal(got.url, `${server.base}/good`);
  assert.deepEqual(got.bytes, synthetic);
  assert.deepEqual(server.requests, ['/down', '/other', '/good'], 'stops at the first good answer');

  const none = failures(await downloadKernelFile(await rawFile(synthetic, [`${server.base}/down`, `${server.base}/other`]), { fetch: server.fetch }));
  assert.deepEqual(none, [
    `the download from ${server.base}/down, which failed (HTTP 503 Service Unavailable)`,
    `the download from ${server.base}/other (wrong sha256 ${(await sha256Hex(synthetic.subarray(1))).slice(0, 12)}…, expected ${file.sha256.slice(0, 12)}…)`,
  ]);
});

test(`redirects are followed, at most ${MAX_REDIRECTS} of them, and only to HTTP`, BOUNDED, async (t) => {
  const server = await serve(t, (req, res) => {
    const redirect = (status: number, location: string): void => {
      res.writeHead(status, { location, 'content-length': '0' });
      res.end();
    };
    if (req.url === '/a') redirect(302, '/b');
    else if (req.url === '/b') redirect(301, `${server.base}/c`);
    else if (req.url === '/c') redirect(307, 'd'); // relative to /c
    else if (req.url === '/d') send(res, synthetic);
    else if (req.url === '/loop') redirect(302, '/loop');
    else if (req.url === '/ftp') redirect(302, 'ftp://127.0.0.1/file');
    else if (req.url === '/to-gone') redirect(308, '/gone');
    else notFound(res);
  });

  const got = await downloadKernelFile(await rawFile(synthetic, [`${server.base}/a`]), { fetch: server.fetch });
  assert.ok(got.ok);
  assert.deepEqual(server.requests, ['/a', '/b', '/c', '/d']);
  assert.equal(got.url, `${server.base}/a`, 'the URL named is the pinned one');

  server.requests.length = 0;
  const loop = failures(await downloadKernelFile(await rawFile(synthetic, [`${server.base}/loop`]), { fetch: server.fetch }));
  assert.deepEqual(loop, [`the download from ${server.base}/loop, which failed (more than ${MAX_REDIRECTS} redirects (the last to /loop))`]);
  assert.equal(server.requests.length, MAX_REDIRECTS + 1);

  const ftp = failures(await downloadKernelFile(await rawFile(synthetic, [`${server.base}/ftp`]), { fetch: server.fetch }));
  assert.deepEqual(ftp, [`the download from ${server.base}/ftp, which failed (a redirect to ftp: (ftp://127.0.0.1/file), which is not HTTP)`]);

  const gone = failures(await downloadKernelFile(await rawFile(synthetic, [`${server.base}/to-gone`]), { fetch: server.fetch }));
  assert.deepEqual(gone, [`the download from ${server.base}/to-gone, which failed (HTTP 404 Not Found from ${server.base}/gone, where it was redirected)`]);
});

test('a server that never answers, or stalls mid-body, meets the deadline', BOUNDED, async (t) => {
  const server = await serve(t, (req, res) => {
    if (req.url === '/stall') {
      res.writeHead(200, { 'content-length': String(synthetic.length) });
      res.write(synthetic.subarray(0, 100));
    }
    // '/silent': no answer at all; the connection stays open until the test closes it.
  });
  const start = performance.now();
  const silent = failures(await downloadKernelFile(await rawFile(synthetic, [`${server.base}/silent`]), { fetch: server.fetch, timeoutMs: 200 }));
  assert.deepEqual(silent, [`the download from ${server.base}/silent, which failed (timed out after 0.2 s)`]);
  const stalled = failures(await downloadKernelFile(await rawFile(synthetic, [`${server.base}/stall`]), { fetch: server.fetch, timeoutMs: 200 }));
  assert.deepEqual(stalled, [`the download from ${server.base}/stall, which failed (timed out after 0.2 s)`]);
  assert.ok(performance.now() - start < 5_000, 'both gave up at their deadline');
});

// --- a Debian package ---------------------------------------------------------------

async function hasDpkgDeb(): Promise<boolean> {
  try {
    await promisify(execFile)('dpkg-deb', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** A real .deb, built by dpkg-deb, holding `content` at ./boot/vmlinuz-test. */
async function buildDeb(t: TestContext, content: Uint8Array): Promise<Uint8Array> {
  const root = await tempDir(t, 'deb');
  const tree = path.join(root, 'tree');
  await mkdir(path.join(tree, 'DEBIAN'), { recursive: true });
  await mkdir(path.join(tree, 'boot'), { recursive: true });
  await writeFile(
    path.join(tree, 'DEBIAN', 'control'),
    'Package: modlab-download-test\nVersion: 1\nArchitecture: all\nMaintainer: modlab <test@invalid>\nDescription: test\n',
  );
  await writeFile(path.join(tree, 'boot', 'vmlinuz-test'), content);
  const debPath = path.join(root, 'test.deb');
  await promisify(execFile)('dpkg-deb', ['-Zxz', '--root-owner-group', '--build', tree, debPath]);
  return new Uint8Array(await readFile(debPath));
}

test('a Debian package is downloaded, checked against its own pin, and its member unpacked', BOUNDED, async (t) => {
  if (!(await hasDpkgDeb())) {
    t.skip('dpkg-deb is not installed');
    return;
  }
  const deb = await buildDeb(t, synthetic);
  const flipped = deb.slice();
  flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 0xff;
  const server = await serve(t, (req, res) => {
    if (req.url === '/pool/test.deb') send(res, deb);
    else if (req.url === '/pool/short.deb') send(res, deb.subarray(0, 100));
    else if (req.url === '/pool/flipped.deb') send(res, flipped);
    else if (req.url === '/pool/cut.deb') {
      res.writeHead(200, { 'content-length': String(deb.length) });
      res.write(deb.subarray(0, 100), () => res.destroy());
    } else notFound(res);
  });
  const pin = { size: deb.length, sha256: await sha256Hex(deb) };
  const debFile = (name: string): KernelFile => ({
    mirrorPath: 'test/vmlinuz',
    sha256: '',
    source: { kind: 'deb', url: `${server.base}/pool/${name}`, member: './boot/vmlinuz-test', deb: pin },
  });
  const sha256 = await sha256Hex(synthetic);

  const got = await downloadKernelFile({ ...debFile('test.deb'), sha256 }, { fetch: server.fetch });
  assert.ok(got.ok, JSON.stringify(got.ok ? '' : got.failures));
  assert.deepEqual(got.bytes, synthetic);

  assert.deepEqual(failures(await downloadKernelFile({ ...debFile('short.deb'), sha256 }, { fetch: server.fetch })), [
    `the download from ${server.base}/pool/short.deb, which failed (the package is 100 bytes, not the ${deb.length} of the pinned one)`,
  ]);
  assert.deepEqual(failures(await downloadKernelFile({ ...debFile('flipped.deb'), sha256 }, { fetch: server.fetch })), [
    `the download from ${server.base}/pool/flipped.deb, which failed (the package is not the pinned one (wrong sha256 ${(await sha256Hex(flipped)).slice(0, 12)}…, expected ${pin.sha256.slice(0, 12)}…))`,
  ]);
  const [cut] = failures(await downloadKernelFile({ ...debFile('cut.deb'), sha256 }, { fetch: server.fetch }));
  assert.match(cut ?? '', new RegExp(`which failed \\(the connection closed after \\d+ of the ${deb.length} bytes announced\\)$`));

  // The package is right but the member is not the manifest's file.
  const [wrongMember] = failures(await downloadKernelFile({ ...debFile('test.deb'), sha256: 'f'.repeat(64) }, { fetch: server.fetch }));
  assert.match(wrongMember ?? '', /^the download from \S+test\.deb \(wrong sha256 [0-9a-f]{12}…, expected ffffffffffff…\)$/);
});
