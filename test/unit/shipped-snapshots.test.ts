/**
 * The saved machines a built site ships: the index's reading, the sentence
 * said when none fits, and the page's ShippedSnapshotStore (IndexedDB first,
 * then the site) against a real HTTP server, with real encoded snapshots
 * checked by SnapshotCache.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { kernelOfKey, noShippedText, parseShippedIndex, shippedFile, type ShippedIndex } from '../../browser/shipped-snapshots.ts';
import { ShippedSnapshotStore } from '../../browser/snapshot-store.ts';
import { encodeSnapshot, SnapshotCache, type Snapshot, type SnapshotStore } from '../../harness/machine/snapshot.ts';
import { assetFileNames, chunkOf } from '../../vite.config.ts';

describe('the index of shipped snapshots', () => {
  test('reads the build plugin output and skips entries it cannot use', () => {
    const r = parseShippedIndex(
      JSON.stringify({
        format: 1,
        snapshots: {
          '2.4.20-0123abcd': { kernel: '2.4.20', bytes: 1431064, bootMs: 1200 },
          '../evil-0123': { kernel: '2.4.20', bytes: 1, bootMs: 1 },
          '2.4.27-0123abcd': { kernel: '2.4.27' },
        },
      }),
    );
    assert.ok(r.ok);
    assert.deepEqual(Object.keys(r.index.snapshots), ['2.4.20-0123abcd']);
  });

  test('a page instead of JSON (a dev server, a host that answers every path) or another format is a reason, not a crash', () => {
    assert.deepEqual(parseShippedIndex('<!doctype html><html></html>'), { ok: false, problem: 'the site has no index of saved machines' });
    const other = parseShippedIndex('{"format":2,"snapshots":{}}');
    assert.ok(!other.ok);
    assert.match(other.problem, /unknown format \(2\)/);
    assert.ok(!parseShippedIndex('null').ok);
  });

  test('a key names its kernel, a user kernel too', () => {
    assert.equal(kernelOfKey('2.4.20-839eab276ba1a02020182a7ff7065eae'), '2.4.20');
    assert.equal(kernelOfKey('file_2.4.27-rudefault-e9b5ddb90060bea8a0a1b3f849e9e5fb'), 'file_2.4.27-rudefault');
    assert.equal(shippedFile('6.1-ab'), 'snapshots/6.1-ab.snap');
  });

  test('the sentence names the kernel, and the build boot time when the site has one for another build of it', () => {
    const index: ShippedIndex = { format: 1, snapshots: { '2.4.20-aaaa': { kernel: '2.4.20', bytes: 10, bootMs: 1234 } } };
    assert.equal(
      noShippedText('2.4.20-bbbb', index),
      'no saved machine shipped for this kernel (2.4.20) matches it (other kernel bytes, initrd or v86): booting it (about 1.2 s in Node; longer in a browser)',
    );
    assert.equal(noShippedText('file_2.4.27-x-bbbb', index), 'no saved machine shipped for this kernel (file_2.4.27-x): booting it');
    assert.equal(noShippedText('2.4.20-bbbb', null), 'no saved machine shipped for this kernel (2.4.20): booting it');
  });
});

describe('the site is split into chunks', () => {
  test('v86, xterm.js and CodeMirror each in chunks of their own; the lab code in none', () => {
    assert.equal(chunkOf('/work/main/node_modules/v86/build/libv86.mjs'), 'v86');
    assert.equal(chunkOf('/work/main/node_modules/@xterm/xterm/lib/xterm.mjs'), 'xterm');
    assert.equal(chunkOf('/work/main/node_modules/@xterm/addon-fit/lib/addon-fit.mjs'), 'xterm');
    assert.equal(chunkOf('/work/main/node_modules/@codemirror/state/dist/index.js'), 'codemirror-core');
    assert.equal(chunkOf('/work/main/node_modules/@codemirror/view/dist/index.js'), 'codemirror-core');
    assert.equal(chunkOf('/work/main/node_modules/@codemirror/language/dist/index.js'), 'codemirror');
    assert.equal(chunkOf('/work/main/node_modules/@lezer/cpp/dist/index.js'), 'codemirror');
    assert.equal(chunkOf('/work/main/web/main.ts'), undefined);
    assert.equal(chunkOf('/work/main/harness/machine/machine.ts'), undefined);
  });

  test('a gzipped initrd is shipped under a name no host serves with Content-Encoding: gzip', () => {
    assert.equal(assetFileNames({ names: ['initrd-2.4.ext2.gz'] }), 'assets/[name]-[hash][extname].bin');
    assert.equal(assetFileNames({ names: ['seabios.bin'] }), 'assets/[name]-[hash][extname]');
  });
});

/** IndexedDB's part, in memory: what the page keeps between visits. */
class MemoryStore implements SnapshotStore {
  readonly location = 'memory';
  readonly files = new Map<string, Uint8Array>();
  reads = 0;
  private wrote: () => void = () => undefined;
  /** Resolves at the next write. */
  nextWrite(): Promise<void> {
    return new Promise((resolve) => (this.wrote = resolve));
  }
  read(key: string): Promise<Uint8Array | null> {
    this.reads++;
    return Promise.resolve(this.files.get(key) ?? null);
  }
  write(key: string, bytes: Uint8Array): Promise<void> {
    this.files.set(key, bytes);
    this.wrote();
    return Promise.resolve();
  }
  remove(key: string): Promise<void> {
    this.files.delete(key);
    return Promise.resolve();
  }
}

function snapshot(key: string): Snapshot {
  const state = new Uint8Array(64 * 1024);
  for (let i = 0; i < state.length; i++) state[i] = (i * 7) & 0xff;
  return { key, state: state.buffer, release: '2.4.20', version: 'Linux version 2.4.20', bootConsole: 'modlab agent ready\n', bootMs: 1500 };
}

describe('ShippedSnapshotStore', () => {
  const KEY = '2.4.20-00112233445566778899aabbccddeeff';
  const site = new Map<string, Uint8Array | string>();
  const requests: string[] = [];
  let server: Server;
  let base = '';
  let good: Uint8Array;

  before(async () => {
    good = await encodeSnapshot(snapshot(KEY));
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const body = site.get(req.url ?? '');
      if (body === undefined) res.writeHead(404).end();
      else res.writeHead(200).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/lab/`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function ship(files: Record<string, Uint8Array>, index: ShippedIndex['snapshots']): void {
    site.clear();
    requests.length = 0;
    site.set('/lab/snapshots/index.json', JSON.stringify({ format: 1, snapshots: index }));
    for (const [key, bytes] of Object.entries(files)) site.set(`/lab/snapshots/${key}.snap`, bytes);
  }

  test('a first visit gets the shipped snapshot, which SnapshotCache verifies, and keeps it locally', async () => {
    ship({ [KEY]: good }, { [KEY]: { kernel: '2.4.20', bytes: good.length, bootMs: 1500 } });
    const local = new MemoryStore();
    const said: string[] = [];
    const store = new ShippedSnapshotStore(local, base, (m) => said.push(m));
    const cache = new SnapshotCache(store, (m) => said.push(m));
    const s = await cache.get(KEY);
    assert.equal(s?.release, '2.4.20');
    // Kept only once the page says its machine is up: the copy does not compete with the restore.
    assert.equal(local.files.size, 0);
    const kept = local.nextWrite();
    store.keepFetched();
    await kept;
    assert.deepEqual(local.files.get(KEY), good);
    assert.deepEqual(said, []);
    assert.deepEqual(requests, ['/lab/snapshots/index.json', `/lab/snapshots/${KEY}.snap`]);
  });

  test('a repeat visit reads the local copy; the site\'s copy, asked for beside it, is dropped before it downloads', async () => {
    ship({ [KEY]: good }, { [KEY]: { kernel: '2.4.20', bytes: good.length, bootMs: 1500 } });
    const local = new MemoryStore();
    local.files.set(KEY, good);
    const store = new ShippedSnapshotStore(local, base, () => undefined);
    assert.deepEqual(await store.read(KEY), good);
    // Only the small index travels (the page's prefetch asks for it anyway).
    await waitFor(() => requests.length === 1);
    assert.deepEqual(requests, ['/lab/snapshots/index.json']);
  });

  /** Holds `store`'s reads until the returned function is called: a slow first IndexedDB open. */
  function holdReads(store: MemoryStore): () => void {
    let open = (): void => undefined;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const read = store.read.bind(store);
    store.read = async (key) => {
      await opened;
      return read(key);
    };
    return open;
  }

  test("a repeat visit whose local store is slow (IndexedDB's first open) takes the site's copy as soon as it is in hand, and does not store it again", async () => {
    ship({ [KEY]: good }, { [KEY]: { kernel: '2.4.20', bytes: good.length, bootMs: 1500 } });
    const local = new MemoryStore();
    local.files.set(KEY, good);
    const open = holdReads(local);
    let writes = 0;
    local.write = () => {
      writes++;
      return Promise.resolve();
    };
    const store = new ShippedSnapshotStore(local, base, () => undefined);
    const got = await Promise.race([store.read(KEY), new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 3000))]);
    open();
    assert.deepEqual(got, good);
    store.keepFetched();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(writes, 0);
  });

  test("the site's copy taken first while the local store has none is kept locally once the machine is up", async () => {
    ship({ [KEY]: good }, { [KEY]: { kernel: '2.4.20', bytes: good.length, bootMs: 1500 } });
    const local = new MemoryStore();
    const open = holdReads(local);
    const store = new ShippedSnapshotStore(local, base, () => undefined);
    const got = await Promise.race([store.read(KEY), new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 3000))]);
    open();
    assert.deepEqual(got, good);
    const kept = local.nextWrite();
    store.keepFetched();
    await kept;
    assert.deepEqual(local.files.get(KEY), good);
  });

  test('a prefetch by kernel id overlaps the download with the key being computed; the read then fetches nothing more', async () => {
    ship({ [KEY]: good }, { [KEY]: { kernel: '2.4.20', bytes: good.length, bootMs: 1500 } });
    const store = new ShippedSnapshotStore(new MemoryStore(), base, () => undefined);
    store.prefetch('2.4.20');
    // The read comes once the index has been seen, as the page's does after hashing its images.
    await waitFor(() => requests.length === 2);
    assert.deepEqual(await store.read(KEY), good);
    assert.equal(requests.length, 2);
  });

  test('a key the site does not ship: nothing fetched but the index, and one sentence says the kernel boots', async () => {
    ship({ [KEY]: good }, { [KEY]: { kernel: '2.4.20', bytes: good.length, bootMs: 1500 } });
    const said: string[] = [];
    const store = new ShippedSnapshotStore(new MemoryStore(), base, (m) => said.push(m));
    assert.equal(await store.read('2.4.20-ffffffffffffffffffffffffffffffff'), null);
    assert.deepEqual(said, ['no saved machine shipped for this kernel (2.4.20) matches it (other kernel bytes, initrd or v86): booting it (about 1.5 s in Node; longer in a browser)']);
    assert.deepEqual(requests, ['/lab/snapshots/index.json']);
  });

  test('a site without snapshots (no index) says so and boots', async () => {
    site.clear();
    const said: string[] = [];
    const store = new ShippedSnapshotStore(new MemoryStore(), base, (m) => said.push(m));
    assert.equal(await store.read(KEY), null);
    assert.deepEqual(said, ['no saved machine shipped for this kernel (2.4.20): booting it']);
  });

  test('a local store that refuses the copy (quota) is said, in the words the page uses for any unsaved machine', async () => {
    ship({ [KEY]: good }, { [KEY]: { kernel: '2.4.20', bytes: good.length, bootMs: 1500 } });
    const local = new MemoryStore();
    local.write = () => Promise.reject(new Error('quota exceeded'));
    const said: string[] = [];
    const store = new ShippedSnapshotStore(local, base, (m) => said.push(m));
    assert.deepEqual(await store.read(KEY), good);
    store.keepFetched();
    await waitFor(() => said.length === 1);
    assert.deepEqual(said, ['could not save the machine to memory: quota exceeded; the next visit fetches the one shipped for 2.4.20 again']);
  });

  test('a truncated file is refused before it is hashed', async () => {
    ship({ [KEY]: good.subarray(0, 100) }, { [KEY]: { kernel: '2.4.20', bytes: good.length, bootMs: 1500 } });
    const said: string[] = [];
    const store = new ShippedSnapshotStore(new MemoryStore(), base, (m) => said.push(m));
    assert.equal(await store.read(KEY), null);
    assert.equal(said.length, 1);
    assert.match(said[0] ?? '', /^the saved machine shipped for 2\.4\.20 could not be fetched from \/lab\/snapshots\/.*\.snap \(100 bytes, the index says \d+\): booting it$/);
  });

  test('a corrupt shipped file fails its sha256: SnapshotCache says where it came from, and no copy is kept', async () => {
    const bad = good.slice();
    const i = bad.length >> 1;
    bad[i] = (bad[i] ?? 0) ^ 1;
    ship({ [KEY]: bad }, { [KEY]: { kernel: '2.4.20', bytes: bad.length, bootMs: 1500 } });
    const local = new MemoryStore();
    const said: string[] = [];
    const store = new ShippedSnapshotStore(local, base, (m) => said.push(m));
    const cache = new SnapshotCache(store, (m) => said.push(m));
    assert.equal(await cache.get(KEY), null);
    store.keepFetched();
    assert.equal(said.length, 1);
    assert.match(said[0] ?? '', /^the saved machine 2\.4\.20-\w+ in the saved machines shipped with this site \(snapshots\/\) is unusable \(.*sha256.*\); it was deleted and the kernel boots instead$/);
    assert.equal(local.files.size, 0);
  });
});

async function waitFor(ok: () => boolean, deadlineMs = 5000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
