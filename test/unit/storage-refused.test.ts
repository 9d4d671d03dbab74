/**
 * Storage refused (a third-party frame with storage blocked, a full quota):
 * the page's saved-machine store hands each refusal to the page's one notice
 * instead of saying it in its own words, and never claims a machine it could
 * not keep was saved. Against a real HTTP server and real encoded snapshots;
 * the local store refuses as IndexedDbSnapshotStore does in such a frame.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { isStorageRefusal, ShippedSnapshotStore, StorageRefusedError } from '../../browser/snapshot-store.ts';
import { encodeSnapshot, SnapshotCache, type Snapshot, type SnapshotStore } from '../../harness/machine/snapshot.ts';
import { STORAGE_REFUSED_TEXT, StorageNotice } from '../../web/storage-notice.ts';

const KEY = '2.4.20-00112233445566778899aabbccddeeff';

function snapshot(key: string): Snapshot {
  const state = new Uint8Array(16 * 1024).map((_, i) => (i * 13) & 0xff);
  return { key, state: state.buffer, release: '2.4.20', version: 'Linux version 2.4.20', bootConsole: 'modlab agent ready\n', bootMs: 1500 };
}

/** What a blocked frame's IndexedDB does: every open is refused. */
class RefusingStore implements SnapshotStore {
  readonly location = 'IndexedDB "modlab"';
  read(): Promise<Uint8Array | null> {
    return Promise.reject(new StorageRefusedError('IndexedDB refused to open (The user denied permission to access the database.)'));
  }
  write(): Promise<void> {
    return Promise.reject(new StorageRefusedError('IndexedDB refused to open (The user denied permission to access the database.)'));
  }
  remove(): Promise<void> {
    return Promise.resolve();
  }
}

let server: Server;
let base = '';
let good: Uint8Array;

before(async () => {
  good = await encodeSnapshot(snapshot(KEY));
  const index = JSON.stringify({ format: 1, snapshots: { [KEY]: { kernel: '2.4.20', bytes: good.length, bootMs: 1500 } } });
  server = createServer((req, res) => {
    if (req.url === '/lab/snapshots/index.json') res.writeHead(200).end(index);
    else if (req.url === `/lab/snapshots/${KEY}.snap`) res.writeHead(200).end(good);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/lab/`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('the notice is one plain sentence, said once however many parts are refused', () => {
  const said: string[] = [];
  const notice = new StorageNotice((t) => said.push(t));
  notice.refused();
  notice.refused();
  notice.refused();
  assert.deepEqual(said, [STORAGE_REFUSED_TEXT]);
  assert.doesNotMatch(STORAGE_REFUSED_TEXT, /saved for next time|IndexedDB|Error/);
});

test('refused storage: the shipped machine is still used, and the read, the copy and a boot\'s save all go to the one notice', async () => {
  const said: string[] = [];
  const notice = new StorageNotice((t) => said.push(`notice: ${t}`));
  const store = new ShippedSnapshotStore(new RefusingStore(), base, (m) => said.push(m), () => notice.refused());
  const cache = new SnapshotCache(store, (m, e) => (isStorageRefusal(e) ? notice.refused() : said.push(m)));
  // The page restores from the site's copy although nothing can be kept.
  assert.equal((await cache.get(KEY))?.release, '2.4.20');
  store.keepFetched();
  // A booted machine's save is refused: put says false (no "saved for next time"), and nothing of its own is said.
  assert.equal(await cache.put(snapshot('2.4.20-ffeeddccbbaa99887766554433221100')), false);
  // The copy's refusal arrives after keepFetched returns.
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(said, [`notice: ${STORAGE_REFUSED_TEXT}`]);
});

test('without a notice to hand them to, refusals are said as before, and other failures are never taken for refusals', async () => {
  const said: string[] = [];
  const store = new ShippedSnapshotStore(new RefusingStore(), base, (m) => said.push(m));
  assert.deepEqual(await store.read(KEY), good);
  assert.match(said[0] ?? '', /could not read the saved machine from IndexedDB "modlab" \(IndexedDB refused to open/);
  assert.equal(isStorageRefusal(new Error('IndexedDB is blocked by another tab')), false);
  assert.equal(isStorageRefusal(new DOMException('full', 'QuotaExceededError')), true);
});
