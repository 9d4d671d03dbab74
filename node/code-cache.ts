/**
 * Files of V8 code cache (vm.Script's cachedData) in <cache>/code. V8 itself
 * refuses a cache made by another V8, with other flags or for a source of
 * another length, but does not checksum it: each file here carries its own
 * sha256, checked before V8 sees the bytes, so that a damaged file is
 * ignored (and replaced), never run.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const DIGEST_BYTES = 32;

/** The file for `name`'s code: the name holds whatever must match (versions), so that one cache never meets another's code. */
export function codeCacheFile(root: string, name: string): string {
  return path.join(root, 'code', `${name.replace(/[^A-Za-z0-9._+-]/g, '_')}.v8cache`);
}

/** The cached code in `file` when its sha256 matches; undefined when there is none or it is damaged. */
export function readCodeCache(file: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length <= DIGEST_BYTES) return undefined;
  const data = bytes.subarray(DIGEST_BYTES);
  return createHash('sha256').update(data).digest().equals(bytes.subarray(0, DIGEST_BYTES)) ? data : undefined;
}

/**
 * The file for `name`'s code as this process would compile it. V8 checks its
 * own version and flags, not the script's: a process started with other V8
 * flags (node --some-flag, NODE_OPTIONS) gets a file of its own rather than
 * having each run refuse and rewrite the other's.
 */
export function processCodeCacheFile(root: string, name: string): string {
  const flags = createHash('sha256').update(JSON.stringify([process.execArgv, process.env.NODE_OPTIONS ?? ''])).digest('hex').slice(0, 8);
  return codeCacheFile(root, `${name}-node${process.versions.node}-${process.arch}-${flags}`);
}

/** Writes `data` after its sha256, through a temporary name: a process reading at the same time never meets half a file. */
export function writeCodeCache(file: string, data: Uint8Array): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(temp, Buffer.concat([createHash('sha256').update(data).digest(), data]));
    renameSync(temp, file);
  } catch {
    // Only a speed-up: a cache folder that cannot be written costs the next run its compile, nothing more.
  } finally {
    rmSync(temp, { force: true });
  }
}
