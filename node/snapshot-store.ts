/**
 * Node target for saved machines: one file per snapshot key in
 * <cache>/snapshots, written to a temporary name and renamed, so that test
 * processes booting the same kernel at once never read a half-written file.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheRoot } from './image-resolver.ts';
import type { SnapshotStore } from '../harness/machine/snapshot.ts';

export function defaultSnapshotDir(): string {
  return path.join(cacheRoot(), 'snapshots');
}

export class FileSnapshotStore implements SnapshotStore {
  constructor(readonly location: string = defaultSnapshotDir()) {}

  private file(key: string): string {
    return path.join(this.location, `${key}.snap`);
  }

  async read(key: string): Promise<Uint8Array | null> {
    try {
      return await readFile(this.file(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async write(key: string, bytes: Uint8Array): Promise<void> {
    await mkdir(this.location, { recursive: true });
    const tmp = `${this.file(key)}.${process.pid}.tmp`;
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, this.file(key));
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
  }
}
