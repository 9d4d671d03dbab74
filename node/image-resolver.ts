/**
 * Finds a kernel image's bytes on the host (Node only), checked against the
 * manifest's sha256 at every step, in this order:
 *   1. the cache: <cache>/kernel-images/<mirrorPath>, where <cache> is
 *      <repo>/.cache in a clone, the per-user cache for an installed package,
 *      or $MODLAB_CACHE_DIR (see cache-root.ts);
 *   2. the mirror folder named by $MODLAB_IMAGE_MIRROR;
 *   3. a download from the pinned upstream source, its URLs tried in the
 *      manifest's order (off with MODLAB_NO_DOWNLOAD=1).
 * A file found in 2 or 3 is copied into the cache. Every expected failure is an
 * ImageError with a one-sentence message, never a stack trace.
 */

import type { ChildProcess } from 'node:child_process';
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { bootableKernel } from '../kernel-images/bzimage.ts';
import { describeError, ImageError } from '../harness/errors.ts';
import { findKernel, KERNEL_IDS, sourceUrls, type FileSource, type KernelFile, type KernelImage } from '../kernel-images/manifest.ts';
import { sha256Hex } from '../kernel-images/sha256.ts';
import { currentCacheChoice } from './cache-root.ts';

export interface ResolveOptions {
  /** Folder holding <mirrorPath> files; default <cache>/kernel-images (see cacheRoot). */
  cacheDir?: string;
  /** Mirror folder; default $MODLAB_IMAGE_MIRROR. Relative to process.cwd(). */
  mirrorDir?: string;
  /** Allow the download step; default true unless MODLAB_NO_DOWNLOAD=1. */
  download?: boolean;
  /**
   * Deadline for each URL's download (and unpacking), in ms; default 60 000,
   * or more for a package whose size the manifest gives (see MIN_DOWNLOAD_RATE).
   */
  timeoutMs?: number;
  /** The largest download taken, in bytes (default MAX_DOWNLOAD_BYTES). */
  maxDownloadBytes?: number;
  /** Replaces globalThis.fetch, for tests and proxies. */
  fetch?: typeof fetch;
  /** Replaces the file write that fills the cache, for tests (a read-only cache cannot be made as root). */
  writeFile?: (file: string, bytes: Uint8Array) => Promise<void>;
}

export interface ResolvedKernelFile {
  /** The raw file, sha256-verified. */
  bytes: Uint8Array;
  from: 'cache' | 'mirror' | 'download';
  /** The file it came from, or the URL for a download. */
  path: string;
  /** Problems met on the way that did not stop resolution (e.g. a corrupt cache file). */
  warnings: readonly string[];
}

export interface KernelAvailability {
  available: boolean;
  from: 'cache' | 'mirror' | null;
  detail: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** No kernel modlab boots comes near this (the largest, 6.1's, is 5.7 MB); the manifest gives no sizes. */
export const MAX_KERNEL_FILE_BYTES = 16 * 1024 * 1024;
/** The largest download taken (the 6.1 package, kernel and all its modules, is about 70 MB). */
export const MAX_DOWNLOAD_BYTES = 256 * 1024 * 1024;
/** A local file that takes longer than this to read is on a stalled disk or mount. */
export const LOCAL_READ_MS = 20_000;
/** A temp file this old is left over from a killed process, whatever its pid says (pids are reused). */
export const STALE_TEMP_MS = 10 * 60_000;
/** modlab's cache folder: $MODLAB_CACHE_DIR, <repo>/.cache in a clone, else the per-user cache (see cache-root.ts). */
export function cacheRoot(): string {
  return currentCacheChoice().root;
}

/** The kernel-image cache folder. */
export function defaultCacheDir(): string {
  return path.join(cacheRoot(), 'kernel-images');
}

export async function resolveKernelFile(id: string, options: ResolveOptions = {}): Promise<ResolvedKernelFile> {
  const kernel = requireKernel(id);
  const file = kernel.file;
  const local = await lookLocally(file, options);
  if (local.hit !== undefined) {
    if (local.hit.from !== 'cache') await storeInCache(local.cachePath, local.hit.bytes, local.warnings, options);
    return { ...local.hit, warnings: local.warnings };
  }

  const looked = [...local.looked];
  if (!downloadAllowed(options)) {
    const urls = sourceUrls(file.source);
    const downloads = urls.length === 1 ? `the download from ${urls.join('')}` : `the downloads from ${listText(urls, 'or')}`;
    looked.push(`${downloads} (${options.download === false ? 'disabled' : 'disabled by MODLAB_NO_DOWNLOAD=1'})`);
  } else {
    const downloaded = await downloadKernelFile(file, options);
    if (downloaded.ok) {
      await storeInCache(local.cachePath, downloaded.bytes, local.warnings, options);
      return { bytes: downloaded.bytes, from: 'download', path: downloaded.url, warnings: local.warnings };
    }
    looked.push(...downloaded.failures);
  }

  throw new ImageError(
    `Kernel image ${id} not found: looked in ${listText(looked)}. ` +
      `Set MODLAB_IMAGE_MIRROR to a folder holding ${file.mirrorPath}, or put the file in the cache (${local.cachePath}).`,
    { code: 'not-found', imageId: id },
  );
}

/** The bytes to hand v86 as `bzimage` (see bzimage.ts). */
export async function resolveBootableKernel(id: string, options: ResolveOptions = {}): Promise<Uint8Array> {
  const kernel = requireKernel(id);
  const { bytes } = await resolveKernelFile(id, options);
  return bootableKernel(bytes, kernel.format, `Kernel image ${id}`);
}

/** Whether the image is on this machine (cache or mirror, hash verified); never downloads. */
export async function kernelAvailability(id: string, options: ResolveOptions = {}): Promise<KernelAvailability> {
  const kernel = requireKernel(id);
  const local = await lookLocally(kernel.file, options);
  const problems = local.warnings.length > 0 ? `; ${local.warnings.join('; ')}` : '';
  if (local.hit !== undefined) {
    return { available: true, from: local.hit.from, detail: `${local.hit.from} ${local.hit.path}${problems}` };
  }
  return {
    available: false,
    from: null,
    detail: `not in ${listText(local.looked, 'or')}; would download from ${listText(sourceUrls(kernel.file.source), 'or')}`,
  };
}

// ---------------------------------------------------------------------------

interface LocalLookup {
  hit: { bytes: Uint8Array; from: 'cache' | 'mirror'; path: string } | undefined;
  cachePath: string;
  /** Each place tried and why it did not serve, for the final error message. */
  looked: string[];
  warnings: string[];
}

async function lookLocally(file: KernelFile, options: ResolveOptions): Promise<LocalLookup> {
  const cachePath = path.join(path.resolve(options.cacheDir ?? defaultCacheDir()), ...file.mirrorPath.split('/'));
  const looked: string[] = [];
  const warnings: string[] = [];

  const cached = await readVerified(cachePath, file.sha256);
  if (cached.state === 'ok') return { hit: { bytes: cached.bytes, from: 'cache', path: cachePath }, cachePath, looked, warnings };
  looked.push(`${cachePath} (${cached.reason})`);
  if (cached.state === 'bad') warnings.push(`ignored the cached ${cachePath}: ${cached.reason}`);

  const mirrorRoot = options.mirrorDir ?? nonEmpty(process.env.MODLAB_IMAGE_MIRROR);
  if (mirrorRoot === undefined) {
    looked.push('$MODLAB_IMAGE_MIRROR (not set)');
  } else {
    const mirrorPath = path.join(path.resolve(mirrorRoot), ...file.mirrorPath.split('/'));
    const mirrored = await readVerified(mirrorPath, file.sha256);
    if (mirrored.state === 'ok') {
      return { hit: { bytes: mirrored.bytes, from: 'mirror', path: mirrorPath }, cachePath, looked, warnings };
    }
    looked.push(`${mirrorPath} (${mirrored.reason})`);
    if (mirrored.state === 'bad') warnings.push(`ignored the mirror's ${mirrorPath}: ${mirrored.reason}`);
  }
  return { hit: undefined, cachePath, looked, warnings };
}

type Verified = { state: 'ok'; bytes: Uint8Array } | { state: 'absent' | 'bad'; reason: string };

async function readVerified(filePath: string, sha256: string): Promise<Verified> {
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(filePath, MAX_KERNEL_FILE_BYTES);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { state: 'absent', reason: 'absent' };
    if (error instanceof RefusedFile) return { state: 'bad', reason: error.reason };
    return { state: 'bad', reason: `unreadable: ${describeError(error)}` };
  }
  const actual = await sha256Hex(bytes);
  return actual === sha256 ? { state: 'ok', bytes } : { state: 'bad', reason: hashMismatch(actual, sha256) };
}

/** Best effort: a read-only cache must not stop a resolution that succeeded. */
async function storeInCache(cachePath: string, bytes: Uint8Array, warnings: string[], options: ResolveOptions): Promise<void> {
  // Temp file + rename, so a crash or a parallel run never leaves a half file.
  const dir = path.dirname(cachePath);
  const temp = `${cachePath}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await mkdir(dir, { recursive: true });
    await removeStaleTemps(dir);
    await (options.writeFile ?? writeFile)(temp, bytes);
    await rename(temp, cachePath);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    warnings.push(`could not cache ${cachePath}: ${writeFailure(dir, error)}`);
  }
}

/**
 * A file modlab refused to read, and why: `reason` fits after the path in a
 * list of places looked ("not a regular file but a FIFO").
 */
export class RefusedFile extends Error {
  override readonly name = 'RefusedFile';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path} is ${reason}`);
  }
}

/** What a non-regular file is, for messages. */
function fileKind(s: Stats): string {
  if (s.isFIFO()) return 'a FIFO';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isDirectory()) return 'a directory';
  if (s.isSocket()) return 'a socket';
  return 'a special file';
}

/** A size limit in words: whole MiB as such, anything else in bytes. */
function limitText(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`;
}

/** Refuses what is not a regular file of at most `maxBytes`, naming `file`: a FIFO would block forever and /dev/zero never ends. */
function regularFileCheck(file: string, maxBytes: number): (s: Stats) => void {
  return (s) => {
    if (!s.isFile()) throw new RefusedFile(file, `not a regular file but ${fileKind(s)}`);
    if (s.size > maxBytes) throw new RefusedFile(file, `larger than ${limitText(maxBytes)} (${s.size} bytes)`);
  };
}

/** The error for a file that grew past `maxBytes` between its stat and its read. */
function grewPast(file: string, maxBytes: number): RefusedFile {
  return new RefusedFile(file, `larger than ${limitText(maxBytes)} (it grew while being read)`);
}

/**
 * Reads a regular file of at most `maxBytes` within `timeoutMs`. The target of
 * any symlink is checked first, and checked again on the opened descriptor
 * (it may have been swapped in between). Throws RefusedFile naming what was
 * wrong, or the system's error (ENOENT, EACCES) as it is.
 */
export async function readRegularFile(file: string, maxBytes: number, timeoutMs = LOCAL_READ_MS): Promise<Uint8Array> {
  const check = regularFileCheck(file, maxBytes);
  check(await stat(file));
  // O_NONBLOCK: opening a FIFO swapped in after the stat returns at once instead of waiting for a writer.
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RefusedFile(file, `too slow to read (not done within ${timeoutMs / 1000} s)`)), timeoutMs);
    });
    const reading = readAll(handle, maxBytes, check, file);
    // Once the deadline wins, the read fails on the closed handle; that failure is expected, not unhandled.
    reading.catch(() => undefined);
    return await Promise.race([reading, deadline]);
  } finally {
    clearTimeout(timer);
    await handle.close().catch(() => undefined);
  }
}

async function readAll(handle: FileHandle, maxBytes: number, check: (s: Stats) => void, file: string): Promise<Uint8Array> {
  const s = await handle.stat();
  check(s);
  const buffer = bufferFor(s, maxBytes);
  let length = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
    length += bytesRead;
    if (readDone(bytesRead, length, buffer, file, maxBytes)) return buffer.subarray(0, length);
  }
}

/** One byte more than allowed, so a file that grew since the stat is caught rather than cut. */
function bufferFor(s: Stats, maxBytes: number): Uint8Array {
  return new Uint8Array(Math.min(s.size, maxBytes) + 1);
}

/** After a read of `n` bytes that filled `buffer` to `length`: whether the file is read; throws when it grew past `maxBytes`. */
function readDone(n: number, length: number, buffer: Uint8Array, file: string, maxBytes: number): boolean {
  if (n === 0) return true;
  if (length < buffer.length) return false;
  if (length > maxBytes) throw grewPast(file, maxBytes);
  return true;
}

/**
 * readRegularFile's checks, read at once, for the files modlab keeps in its
 * own cache folder (saved machines), which it reads at once already for V8's
 * code (code-cache.ts): each await of the read above is a turn of the event
 * loop, and a one-shot call's restore waited for ~6 of them behind v86's
 * set-up before the inflate could start (~15-25 ms of the call).
 */
export function readRegularFileNow(file: string, maxBytes: number): Uint8Array {
  const check = regularFileCheck(file, maxBytes);
  check(statSync(file));
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const s = fstatSync(fd);
    check(s);
    const buffer = bufferFor(s, maxBytes);
    let length = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, null);
      length += bytesRead;
      if (readDone(bytesRead, length, buffer, file, maxBytes)) return buffer.subarray(0, length);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Why a write into a cache folder failed, in words: a read-only cache is the
 * common case (a read-only checkout or mount), and its errno alone says little.
 */
export function writeFailure(dir: string, error: unknown): string {
  const code = errorCode(error);
  if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') return `the cache at ${dir} is read-only (${code})`;
  if (code === 'ENOTDIR' || code === 'EEXIST') return `the cache at ${dir} cannot be made, because part of its path is a file (${code})`;
  if (code === 'ENOSPC') return `the disk holding the cache at ${dir} is full`;
  return describeError(error);
}

/** The pid in a temp file's name (`<file>.<pid>.tmp` or `<file>.<pid>.<random>.tmp`), or null for other files. */
function tempPid(name: string): number | null {
  const m = /\.(\d+)(?:\.[0-9a-z]+)?\.tmp$/.exec(name);
  return m ? Number(m[1]) : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but is another user's.
    return errorCode(error) === 'EPERM';
  }
}

/**
 * Removes temp files left in `dir` by processes killed mid-write: those whose
 * pid is gone, or that are older than STALE_TEMP_MS (a reused pid). Best
 * effort; returns the names removed.
 */
export async function removeStaleTemps(dir: string, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = tempPid(name);
    if (pid === null || pid === process.pid) continue;
    const file = path.join(dir, name);
    try {
      const s = await stat(file);
      if (alive(pid) && now - s.mtimeMs < STALE_TEMP_MS) continue;
      await rm(file, { force: true });
      removed.push(name);
    } catch {
      // Gone already (another process cleaned it), or not ours to remove.
    }
  }
  return removed;
}

function downloadAllowed(options: ResolveOptions): boolean {
  return options.download ?? process.env.MODLAB_NO_DOWNLOAD !== '1';
}

/** Redirects followed for one URL before its download is given up. */
export const MAX_REDIRECTS = 5;
/** The slowest rate a package of known size is given time for, in bytes per second (the 6.1 package: 198 s). */
export const MIN_DOWNLOAD_RATE = 256 * 1024;

export type DownloadOutcome =
  | { ok: true; bytes: Uint8Array; url: string }
  /** One phrase per URL tried, naming it and what went wrong. */
  | { ok: false; failures: string[] };

/**
 * Downloads `file` from each of its source's URLs in turn, each under its own
 * deadline, until one gives bytes with the manifest's sha256. Does not throw
 * for a failed download, and writes nothing but an unpack folder it removes.
 */
export async function downloadKernelFile(file: KernelFile, options: ResolveOptions = {}): Promise<DownloadOutcome> {
  const failures: string[] = [];
  for (const url of sourceUrls(file.source)) {
    try {
      const bytes = await downloadFrom(url, file.source, options);
      const actual = await sha256Hex(bytes);
      if (actual === file.sha256) return { ok: true, bytes, url };
      failures.push(`the download from ${url} (${hashMismatch(actual, file.sha256)})`);
    } catch (error) {
      failures.push(`the download from ${url}, which failed (${describeError(error)})`);
    }
  }
  return { ok: false, failures };
}

function downloadDeadline(source: FileSource): number {
  return source.kind === 'deb' ? Math.max(DEFAULT_TIMEOUT_MS, Math.ceil(source.deb.size / MIN_DOWNLOAD_RATE) * 1000) : DEFAULT_TIMEOUT_MS;
}

async function downloadFrom(url: string, source: FileSource, options: ResolveOptions): Promise<Uint8Array> {
  const timeoutMs = options.timeoutMs ?? downloadDeadline(source);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetchFollowing(url, signal, options.fetch ?? globalThis.fetch);
    const body = await boundedBody(response, options.maxDownloadBytes ?? MAX_DOWNLOAD_BYTES);
    if (source.kind === 'raw') return body;
    await checkPackage(body, source.deb);
    return await extractDebMember(body, source.member, signal);
  } catch (error) {
    // Without a cause: describeError would prefer the vaguer "operation was aborted".
    if (signal.aborted) throw new Error(`timed out after ${timeoutMs / 1000} s`);
    throw error;
  }
}

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** fetch, following at most MAX_REDIRECTS redirects, to http(s) only; a response that is not 2xx is an error. */
async function fetchFollowing(url: string, signal: AbortSignal, fetchFn: typeof fetch): Promise<Response> {
  let current = url;
  for (let redirects = 0; ; redirects++) {
    const response = await fetchFn(current, { signal, redirect: 'manual' });
    const location = response.headers.get('location');
    if (REDIRECT_STATUSES.has(response.status) && location !== null) {
      await response.body?.cancel().catch(() => undefined);
      if (redirects === MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects (the last to ${location})`);
      const next = new URL(location, current);
      if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new Error(`a redirect to ${next.protocol} (${location}), which is not HTTP`);
      current = next.href;
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      const status = `HTTP ${response.status} ${response.statusText}`.trim();
      throw new Error(redirects === 0 ? status : `${status} from ${current}, where it was redirected`);
    }
    return response;
  }
}

/** A package must be the pinned one before dpkg-deb and tar are run on it. */
async function checkPackage(body: Uint8Array, deb: { size: number; sha256: string }): Promise<void> {
  if (body.length !== deb.size) throw new Error(`the package is ${body.length} bytes, not the ${deb.size} of the pinned one`);
  const actual = await sha256Hex(body);
  if (actual !== deb.sha256) throw new Error(`the package is not the pinned one (${hashMismatch(actual, deb.sha256)})`);
}

/**
 * A response's body, refused as soon as it passes `limit` bytes (a server that
 * never stops sending must not fill memory), and refused when it ends short of
 * the Content-Length announced (a connection closed early).
 */
export async function boundedBody(response: Response, limit: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limit) throw new Error(`the server announced ${declared} bytes, more than the ${limitText(limit)} a kernel download may be`);
  // fetch decodes a compressed body, whose length then differs from the announced one.
  const encoding = response.headers.get('content-encoding');
  const expected = Number.isSafeInteger(declared) && (encoding === null || encoding === 'identity') ? declared : undefined;
  if (!response.body) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (error) {
      // Without a cause: describeError would prefer undici's "other side closed".
      if (expected !== undefined) throw new Error(`the connection closed after ${total} of the ${expected} bytes announced`);
      throw error;
    }
    if (chunk.done) break;
    total += chunk.value.length;
    if (total > limit) {
      await reader.cancel();
      throw new Error(`the download passed the ${limitText(limit)} a kernel download may be`);
    }
    parts.push(chunk.value);
  }
  if (expected !== undefined && total !== expected) throw new Error(`the body was ${total} bytes, not the ${expected} announced`);
  return concat(parts);
}

/** Unpack folders left behind by a process that was killed while unpacking. */
async function removeStaleUnpackDirs(now = Date.now()): Promise<void> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith(UNPACK_PREFIX))) {
    const dir = path.join(tmpdir(), name);
    const s = await stat(dir).catch(() => null);
    if (s?.isDirectory() && now - s.mtimeMs > STALE_TEMP_MS) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

const UNPACK_PREFIX = 'modlab-deb-';

/** `dpkg-deb --fsys-tarfile <deb> | tar -xO <member>`: .deb data is xz, which Node cannot unpack. */
async function extractDebMember(deb: Uint8Array, member: string, signal: AbortSignal): Promise<Uint8Array> {
  await removeStaleUnpackDirs();
  const dir = await mkdtemp(path.join(tmpdir(), UNPACK_PREFIX));
  try {
    const debPath = path.join(dir, 'package.deb');
    await writeFile(debPath, deb);
    // Loaded here, not at start: child_process (with net and dgram behind it) costs every other run ~10 ms.
    const { spawn } = await import('node:child_process');
    const dpkg = spawn('dpkg-deb', ['--fsys-tarfile', debPath], { signal, stdio: ['ignore', 'pipe', 'pipe'] });
    const tar = spawn('tar', ['-xO', '-f', '-', member], { signal, stdio: ['pipe', 'pipe', 'pipe'] });
    // tar may exit before reading everything; the broken pipe is reported by exit codes instead.
    tar.stdin.on('error', () => undefined);
    dpkg.stdout.pipe(tar.stdin);
    const out: Uint8Array[] = [];
    tar.stdout.on('data', (chunk: Uint8Array) => out.push(chunk));

    const [dpkgEnd, tarEnd] = await Promise.all([
      finished(dpkg).then((end) => {
        if (end.error !== undefined) tar.kill(); // tar would wait forever for input
        return end;
      }),
      finished(tar),
    ]);
    if (dpkgEnd.error !== undefined) {
      if (errorCode(dpkgEnd.error) === 'ENOENT') {
        throw new Error(`dpkg-deb is not installed, and it is needed to unpack ${member} from the .deb (install dpkg)`);
      }
      throw dpkgEnd.error;
    }
    if (dpkgEnd.code !== 0) throw new Error(`dpkg-deb exited with ${String(dpkgEnd.code)}: ${dpkgEnd.stderr || 'no message'}`);
    if (tarEnd.error !== undefined) throw tarEnd.error;
    if (tarEnd.code !== 0) throw new Error(`tar could not extract ${member} (${tarEnd.stderr || `exit ${String(tarEnd.code)}`})`);
    return concat(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface ChildEnd {
  code: number | null;
  error: Error | undefined;
  stderr: string;
}

/** Settles once, on 'error' (e.g. ENOENT, abort) or 'close', whichever comes first. */
function finished(child: ChildProcess): Promise<ChildEnd> {
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderr += text;
  });
  return new Promise((resolve) => {
    child.once('error', (error) => {
      resolve({ code: null, error, stderr: firstLine(stderr) });
    });
    child.once('close', (code) => {
      resolve({ code, error: undefined, stderr: firstLine(stderr) });
    });
  });
}

/** Messages stay one line; a tool's first complaint is the telling one. */
function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim() ?? '';
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const result = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    result.set(chunk, offset);
    offset += chunk.length;
  }
  return result;
}

function requireKernel(id: string): KernelImage {
  const kernel = findKernel(id);
  if (kernel === undefined) {
    throw new ImageError(`Unknown kernel image ${JSON.stringify(id)}: choose one of ${KERNEL_IDS.join(', ')}.`, {
      code: 'unknown-kernel',
      imageId: id,
    });
  }
  return kernel;
}

function hashMismatch(actual: string, expected: string): string {
  return `wrong sha256 ${actual.slice(0, 12)}…, expected ${expected.slice(0, 12)}…`;
}

function listText(items: readonly string[], conjunction = 'and'): string {
  const last = items.at(-1);
  if (last === undefined || items.length === 1) return items.join('');
  const rest = items.slice(0, -1);
  return rest.length === 1 ? `${rest.join('')} ${conjunction} ${last}` : `${rest.join(', ')}, ${conjunction} ${last}`;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
