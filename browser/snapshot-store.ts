/**
 * Browser target for saved machines: IndexedDB, one record per snapshot key,
 * so that the next page load restores instead of booting. Quota errors and
 * blocked storage surface as rejected promises, which SnapshotCache reports
 * and survives.
 */
import type { SnapshotStore } from '../harness/machine/snapshot.ts';
import { kernelOfKey, noShippedText, parseShippedIndex, SHIPPED_DIR, SHIPPED_INDEX, shippedFile, type IndexRead } from './shipped-snapshots.ts';

const DB = 'modlab';
const STORE = 'snapshots';

/**
 * The browser will not let the page keep anything here: IndexedDB missing,
 * or its open refused (Chromium in a third-party frame with third-party
 * storage blocked: "The user denied permission to access the database";
 * Firefox's private windows throw), or the quota full. The page says this
 * once, in its own words (web/storage-notice.ts), not per snapshot.
 */
export class StorageRefusedError extends Error {
  override name = 'StorageRefusedError';
}

/** Whether an error from IndexedDB means the browser refuses the page storage, rather than one request failing. */
export function isStorageRefusal(e: unknown): boolean {
  return e instanceof StorageRefusedError || (e instanceof DOMException && e.name === 'QuotaExceededError');
}

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
        reject(new StorageRefusedError('IndexedDB is not available in this browser'));
        return;
      }
      let r: IDBOpenDBRequest;
      try {
        r = indexedDB.open(DB, 1);
      } catch (e) {
        reject(new StorageRefusedError(`IndexedDB refused to open (${e instanceof Error ? e.message : String(e)})`));
        return;
      }
      r.onupgradeneeded = () => r.result.createObjectStore(STORE);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(new StorageRefusedError(`IndexedDB refused to open (${r.error?.message ?? 'no reason given'})`));
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

/**
 * The page's store: IndexedDB and the saved machine the site ships for that
 * key (web/snapshots-plugin.ts), whichever is in hand first, fetched from the
 * page's own origin and kept in IndexedDB for the next visit (keepFetched). A key the site does not ship
 * (another build of v86, other kernel bytes, a user's own kernel) is said in
 * one sentence, and the machine boots as it always did. The bytes are checked
 * by SnapshotCache (decodeSnapshot: key and sha256) like any stored snapshot;
 * one that fails is removed from both places and the kernel boots.
 */
/** What a read found, with what went wrong on the way (said when the read is taken, not when it started). */
type Found = ({ from: 'local'; bytes: Uint8Array } | { from: 'shipped'; bytes: Uint8Array; keptLocally: Promise<boolean> } | { from: 'none' }) & { notes: string[]; refusedBy?: Error };

export class ShippedSnapshotStore implements SnapshotStore {
  private index: Promise<IndexRead> | null = null;
  /** Where the last snapshot read came from, so that a problem with it names the right place. */
  private lastFrom: 'local' | 'shipped' = 'local';
  /** Reads started by prefetch, taken by the first read of their key. */
  private readonly early = new Map<string, Promise<Found>>();
  /** Keys read once already: SnapshotCache keeps what it got, so a prefetch of them would only hold memory. */
  private readonly taken = new Set<string>();
  /** Fetched from the site, not yet copied into IndexedDB (keepFetched does, once the machine is up, unless IndexedDB had it). */
  private readonly unsaved = new Map<string, { bytes: Uint8Array; keptLocally: Promise<boolean> }>();
  /** Copies into IndexedDB still being written: a removal waits for them. */
  private readonly saving = new Map<string, Promise<void>>();
  /** Keys whose shipped file was refused once: not fetched again in this page. */
  private readonly refused = new Set<string>();

  constructor(
    private readonly local: SnapshotStore,
    /** The site's root (document.baseURI): the files are fetched below it, from the same origin only. */
    private readonly siteBase: string,
    private readonly say: (message: string) => void,
    /**
     * The local store refused to keep anything (StorageRefusedError, a full
     * quota): the page says so once its own way. Without it, each refusal
     * is said as any other problem.
     */
    private readonly onRefused: ((e: Error) => void) | null = null,
    private readonly fetchTimeoutMs = 60_000,
  ) {}

  /** A problem with the local store: a refusal goes to `onRefused` when there is one, anything else is said. */
  private localProblem(e: unknown, message: string): void {
    if (this.onRefused && isStorageRefusal(e)) this.onRefused(e as Error);
    else this.say(message);
  }

  get location(): string {
    return this.lastFrom === 'shipped' ? `the saved machines shipped with this site (${SHIPPED_DIR}/)` : this.local.location;
  }

  /**
   * Starts reading the saved machine the site ships for a kernel while the
   * page still loads and hashes its images (the key needs their sha256):
   * the index names the key. Whatever it finds waits for read(key); a key
   * that turns out different is read as usual.
   */
  prefetch(kernel: string): void {
    void this.readIndex().then((r) => {
      if (!r.ok) return;
      const key = Object.entries(r.index.snapshots).find(([, e]) => e.kernel === kernel)?.[0];
      if (key && !this.early.has(key) && !this.taken.has(key) && !this.refused.has(key)) this.early.set(key, this.find(key));
    });
  }

  async read(key: string): Promise<Uint8Array | null> {
    const early = this.early.get(key);
    this.early.delete(key);
    this.taken.add(key);
    const found = await (early ?? this.find(key));
    if (found.refusedBy && this.onRefused) this.onRefused(found.refusedBy);
    for (const note of found.notes) this.say(note);
    if (found.from === 'none') return null;
    this.lastFrom = found.from;
    if (found.from === 'shipped') this.unsaved.set(key, { bytes: found.bytes, keptLocally: found.keptLocally });
    return found.bytes;
  }

  /**
   * Copies what was fetched from the site into IndexedDB, for the next visit.
   * The page calls it once the machine restored from it is ready: the copy
   * (a structured clone of up to tens of MB) then delays neither the restore
   * nor the first answer, and a failure is said below the boot log, where it
   * is read, not above it.
   */
  keepFetched(): void {
    for (const [key, { bytes, keptLocally }] of this.unsaved) {
      const kernel = kernelOfKey(key);
      this.saving.set(
        key,
        keptLocally.then((kept) => (kept ? undefined : this.local.write(key, bytes))).catch((e: unknown) => this.localProblem(e, `could not save the machine to ${this.local.location}: ${(e as Error).message}; the next visit fetches the one shipped for ${kernel} again`)),
      );
    }
    this.unsaved.clear();
  }

  async write(key: string, bytes: Uint8Array): Promise<void> {
    this.early.delete(key);
    await this.local.write(key, bytes);
  }

  async remove(key: string): Promise<void> {
    if (this.lastFrom === 'shipped') this.refused.add(key);
    this.early.delete(key);
    this.unsaved.delete(key);
    await this.saving.get(key);
    this.saving.delete(key);
    await this.local.remove(key);
  }

  /**
   * IndexedDB and the site at once, whichever copy comes first (both are
   * checked alike by SnapshotCache); what went wrong on the way is kept as
   * notes for read() to say. On a repeat visit the site's copy is most often
   * in the browser's HTTP cache, and read from it (with the page's preload)
   * before IndexedDB has opened (~0.1 s); the site's copy is dropped as soon
   * as IndexedDB has the snapshot first.
   */
  private async find(key: string): Promise<Found> {
    const notes: string[] = [];
    let refusedBy: Error | undefined;
    const cancel = new AbortController();
    const shipped = this.refused.has(key) ? null : this.fetchShipped(key, cancel.signal);
    const local = this.local.read(key).catch((e: unknown) => {
      // Blocked or broken storage still leaves the site's copy; a refusal is said by the page, once.
      if (this.onRefused && isStorageRefusal(e)) refusedBy = e as Error;
      else notes.push(`could not read the saved machine from ${this.local.location} (${(e as Error).message}); trying the one shipped with this site`);
      return null;
    });
    const fromSite = shipped?.then((got) => ('bytes' in got ? got.bytes : null));
    const first = await Promise.race([local.then((bytes) => ({ from: 'local' as const, bytes })), ...(fromSite ? [fromSite.then((bytes) => ({ from: 'shipped' as const, bytes }))] : [])]);
    if (first.from === 'shipped' && first.bytes) return { from: 'shipped', bytes: first.bytes, keptLocally: local.then((b) => b !== null), notes, refusedBy };
    const bytes = first.from === 'local' ? first.bytes : await local;
    if (bytes) {
      cancel.abort();
      return { from: 'local', bytes, notes };
    }
    if (!shipped) return { from: 'none', notes, refusedBy };
    const got = await shipped;
    if ('problem' in got) return { from: 'none', notes: [...notes, got.problem], refusedBy };
    return { from: 'shipped', bytes: got.bytes, keptLocally: Promise.resolve(false), notes, refusedBy };
  }

  private readIndex(): Promise<IndexRead> {
    this.index ??= this.fetchText(new URL(SHIPPED_INDEX, this.siteBase)).then(
      (text) => (text === null ? { ok: false, problem: 'the site ships no saved machines' } : parseShippedIndex(text)),
      (e: unknown) => ({ ok: false, problem: `the index of saved machines could not be fetched (${(e as Error).message})` }),
    );
    return this.index;
  }

  /** Never rejects: a failure is a problem to say, and one nobody reads (cancelled) costs nothing. */
  private async fetchShipped(key: string, cancel: AbortSignal): Promise<{ bytes: Uint8Array } | { problem: string }> {
    const read = await this.readIndex();
    const entry = read.ok ? read.index.snapshots[key] : undefined;
    if (!entry) return { problem: noShippedText(key, read.ok ? read.index : null) };
    const url = new URL(shippedFile(key), this.siteBase);
    try {
      // CORS mode, as the page's <link rel=preload> asks (web/snapshots-plugin.ts), so that this takes its response; the URL is below the page's own base.
      const res = await fetch(url, { credentials: 'same-origin', signal: AbortSignal.any([cancel, AbortSignal.timeout(this.fetchTimeoutMs)]) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      // A short file is refused here, without hashing it; decodeSnapshot checks the rest.
      if (bytes.length !== entry.bytes) throw new Error(`${bytes.length} bytes, the index says ${entry.bytes}`);
      return { bytes };
    } catch (e) {
      return { problem: `the saved machine shipped for ${entry.kernel} could not be fetched from ${url.pathname} (${(e as Error).message}): booting it` };
    }
  }

  /** The text at a same-origin URL, or null when the site has no such file. */
  private async fetchText(url: URL): Promise<string | null> {
    const res = await fetch(url, { mode: 'same-origin', credentials: 'same-origin', signal: AbortSignal.timeout(this.fetchTimeoutMs) });
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.text();
  }
}
