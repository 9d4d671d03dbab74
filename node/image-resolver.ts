/**
 * Finds a kernel image's bytes on the host (Node only), checked against the
 * manifest's sha256 at every step, in this order:
 *   1. the project's cache: <repo>/.cache/kernel-images/<mirrorPath>
 *      ($MODLAB_CACHE_DIR replaces <repo>/.cache);
 *   2. the mirror folder named by $MODLAB_IMAGE_MIRROR;
 *   3. a download from the pinned upstream source (off with MODLAB_NO_DOWNLOAD=1).
 * A file found in 2 or 3 is copied into the cache. Every expected failure is an
 * ImageError with a one-sentence message, never a stack trace.
 */

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { bootableKernel } from '../kernel-images/bzimage.ts';
import { describeError, ImageError } from '../harness/errors.ts';
import { findKernel, KERNEL_IDS, type KernelFile, type KernelImage } from '../kernel-images/manifest.ts';
import { sha256Hex } from '../kernel-images/sha256.ts';

export interface ResolveOptions {
  /** Folder holding <mirrorPath> files; default <repo>/.cache/kernel-images. */
  cacheDir?: string;
  /** Mirror folder; default $MODLAB_IMAGE_MIRROR. Relative to process.cwd(). */
  mirrorDir?: string;
  /** Allow the download step; default true unless MODLAB_NO_DOWNLOAD=1. */
  download?: boolean;
  /** Deadline for the download (and unpacking), in ms; default 60 000. */
  timeoutMs?: number;
  /** Replaces globalThis.fetch, for tests and proxies. */
  fetch?: typeof fetch;
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
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The project's cache folder: $MODLAB_CACHE_DIR, or <repo>/.cache. */
export function cacheRoot(): string {
  const root = nonEmpty(process.env.MODLAB_CACHE_DIR);
  return root === undefined ? path.join(REPO_ROOT, '.cache') : path.resolve(root);
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
    if (local.hit.from !== 'cache') await storeInCache(local.cachePath, local.hit.bytes, local.warnings);
    return { ...local.hit, warnings: local.warnings };
  }

  const looked = [...local.looked];
  const url = file.source.url;
  if (!downloadAllowed(options)) {
    looked.push(`the download from ${url} (${options.download === false ? 'disabled' : 'disabled by MODLAB_NO_DOWNLOAD=1'})`);
  } else {
    try {
      const bytes = await download(file, options);
      const actual = await sha256Hex(bytes);
      if (actual === file.sha256) {
        await storeInCache(local.cachePath, bytes, local.warnings);
        return { bytes, from: 'download', path: url, warnings: local.warnings };
      }
      looked.push(`the download from ${url} (${hashMismatch(actual, file.sha256)})`);
    } catch (error) {
      looked.push(`the download from ${url}, which failed (${describeError(error)})`);
    }
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
    detail: `not in ${listText(local.looked, 'or')}; would download from ${kernel.file.source.url}`,
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
    const buffer = await readFile(filePath);
    bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { state: 'absent', reason: 'absent' };
    return { state: 'bad', reason: `unreadable: ${describeError(error)}` };
  }
  const actual = await sha256Hex(bytes);
  return actual === sha256 ? { state: 'ok', bytes } : { state: 'bad', reason: hashMismatch(actual, sha256) };
}

/** Best effort: a read-only cache must not stop a resolution that succeeded. */
async function storeInCache(cachePath: string, bytes: Uint8Array, warnings: string[]): Promise<void> {
  // Temp file + rename, so a crash or a parallel run never leaves a half file.
  const temp = `${cachePath}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await mkdir(path.dirname(cachePath), { recursive: true });
    await writeFile(temp, bytes);
    await rename(temp, cachePath);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    warnings.push(`could not cache ${cachePath}: ${describeError(error)}`);
  }
}

function downloadAllowed(options: ResolveOptions): boolean {
  return options.download ?? process.env.MODLAB_NO_DOWNLOAD !== '1';
}

async function download(file: KernelFile, options: ResolveOptions): Promise<Uint8Array> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  const fetchFn = options.fetch ?? globalThis.fetch;
  try {
    const response = await fetchFn(file.source.url, { signal, redirect: 'follow' });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    const body = new Uint8Array(await response.arrayBuffer());
    return file.source.kind === 'raw' ? body : await extractDebMember(body, file.source.member, signal);
  } catch (error) {
    // Without a cause: describeError would prefer the vaguer "operation was aborted".
    if (signal.aborted) throw new Error(`timed out after ${timeoutMs / 1000} s`);
    throw error;
  }
}

/** `dpkg-deb --fsys-tarfile <deb> | tar -xO <member>`: .deb data is xz, which Node cannot unpack. */
async function extractDebMember(deb: Uint8Array, member: string, signal: AbortSignal): Promise<Uint8Array> {
  const dir = await mkdtemp(path.join(tmpdir(), 'modlab-deb-'));
  try {
    const debPath = path.join(dir, 'package.deb');
    await writeFile(debPath, deb);
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
function finished(child: ReturnType<typeof spawn>): Promise<ChildEnd> {
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
