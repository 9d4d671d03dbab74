/**
 * Node target for saved machines: one file per snapshot key in
 * <cache>/snapshots, written to a temporary name and renamed, so that test
 * processes booting the same kernel at once never read a half-written file.
 * Temp files left by a process killed mid-write are removed before the next
 * write; a read-only cache is reported once per write and is not fatal.
 */
import { readdirSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SnapshotError } from '../harness/errors.ts';
import { GUEST_MEMORY } from '../harness/machine/v86-config.ts';
import { cacheRoot, readRegularFileNow, removeStaleTemps, writeFailure } from './image-resolver.ts';
import type { SnapshotStore } from '../harness/machine/snapshot.ts';
import { zlibGzip } from './gzip.ts';

/**
 * The largest snapshot read: the guest's memory and room for the devices.
 * A real one is smaller (2.4: 14 MB, 6.1: 47 MB); the cap only stops a file
 * such as a link to /dev/zero from filling the host's memory.
 */
export const MAX_SNAPSHOT_BYTES = GUEST_MEMORY + 32 * 1024 * 1024;

export function defaultSnapshotDir(): string {
  return path.join(cacheRoot(), 'snapshots');
}

/** How the store writes a file; replaceable for tests, since root ignores a read-only mode. */
export type WriteBytes = (file: string, bytes: Uint8Array) => Promise<void>;

export class FileSnapshotStore implements SnapshotStore {
  readonly gzip = zlibGzip;

  constructor(
    readonly location: string = defaultSnapshotDir(),
    private readonly writeBytes: WriteBytes = writeFile,
  ) {}

  private file(key: string): string {
    return path.join(this.location, `${key}.snap`);
  }

  /** Read at once (readRegularFileNow): a restore waits for these bytes, and the async read's turns waited behind v86's set-up. */
  read(key: string): Promise<Uint8Array | null> {
    try {
      return Promise.resolve(readRegularFileNow(this.file(key), MAX_SNAPSHOT_BYTES));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return Promise.resolve(null);
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  async write(key: string, bytes: Uint8Array): Promise<void> {
    const tmp = `${this.file(key)}.${process.pid}.tmp`;
    try {
      await mkdir(this.location, { recursive: true });
      await removeStaleTemps(this.location);
      await this.writeBytes(tmp, bytes);
      await rename(tmp, this.file(key));
    } catch (e) {
      // A sentence the cache passes on as it is: the errno alone ("EROFS") does not say which folder or what follows.
      throw new SnapshotError(`${writeFailure(this.location, e)}, so this machine is not saved and later runs boot the kernel again`);
    } finally {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  /**
   * Whether some snapshot of this manifest kernel is kept (under any key):
   * a cheap guess, made before the key is known, that a restore is coming.
   */
  holdsSomeFor(kernelId: string): boolean {
    try {
      return readdirSync(this.location).some((f) => f.startsWith(`${kernelId}-`) && f.endsWith('.snap'));
    } catch {
      return false;
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
  }
}
