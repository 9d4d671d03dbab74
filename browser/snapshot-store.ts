/**
 * Browser target for saved machines: IndexedDB, one record per snapshot key,
 * so that the next page load restores instead of booting. Quota errors and
 * blocked storage surface as rejected promises, which SnapshotCache reports
 * and survives.
 */
import type { SnapshotStore } from '../harness/machine/snapshot.ts';

const DB = 'modlab';
const STORE = 'snapshots';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

export class IndexedDbSnapshotStore implements SnapshotStore {
  readonly location = `IndexedDB "${DB}"`;
  private db: Promise<IDBDatabase> | null = null;

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      if (typeof indexedDB === 'undefined') {
        reject(new Error('IndexedDB is not available in this browser'));
        return;
      }
      const r = indexedDB.open(DB, 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error ?? new Error('IndexedDB could not be opened'));
      r.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
    });
    this.db.catch(() => (this.db = null));
    return this.db;
  }

  private async run<T>(mode: IDBTransactionMode, op: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const tx = (await this.open()).transaction(STORE, mode);
    const done = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    });
    const result = await request(op(tx.objectStore(STORE)));
    await done;
    return result;
  }

  async read(key: string): Promise<Uint8Array | null> {
    const value: unknown = await this.run('readonly', (s) => s.get(key));
    return value instanceof ArrayBuffer ? new Uint8Array(value) : null;
  }

  async write(key: string, bytes: Uint8Array): Promise<void> {
    const copy = bytes.slice().buffer;
    await this.run('readwrite', (s) => s.put(copy, key));
  }

  async remove(key: string): Promise<void> {
    await this.run('readwrite', (s) => s.delete(key));
  }
}
