/**
 * The snapshot container and cache: pure code, exercised with made-up state
 * bytes (the real save/restore is covered by the kernel tests, which restore
 * every machine after the first).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { findKernel } from '../../kernel-images/manifest.ts';
import { filePins, type FilePins, type MachineAssets } from '../../harness/machine/assets.ts';
import { FileSnapshotStore } from '../../node/snapshot-store.ts';
import { decodeSnapshot, encodeSnapshot, MAX_STATE_BYTES, SnapshotCache, snapshotKey, V86_VERSION, type Snapshot } from '../../harness/machine/snapshot.ts';
import { sha256Hex } from '../../kernel-images/sha256.ts';
import { streamGzip } from '../../harness/compression.ts';
import { zlibGzip } from '../../node/gzip.ts';
import { ALL_TUNINGS } from '../../harness/machine/v86-config.ts';

function sample(key = 'k1'): Snapshot {
  const state = new Uint8Array(4096).map((_, i) => (i * 7) & 0xff);
  return { key, state: state.buffer, release: '2.4.20', version: '#2', bootConsole: 'Linux version 2.4.20\n', bootMs: 1234 };
}

/** The 2.4.20 machine's assets with its pins changed as given (no file is read for a key). */
function assets(change: Partial<FilePins> = {}): MachineAssets {
  const kernel = findKernel('2.4.20');
  assert.ok(kernel);
  return { kernel, pins: { ...filePins(kernel), ...change }, wasmPath: 'x' };
}

test('V86_VERSION names the installed v86, whose state format snapshots use', () => {
  const pkg = createRequire(import.meta.url)('v86/package.json') as { version: string };
  assert.equal(V86_VERSION, pkg.version);
});

test('a snapshot survives encoding and decoding byte for byte', async () => {
  const s = sample();
  const back = await decodeSnapshot(await encodeSnapshot(s), 'k1');
  assert.deepEqual(new Uint8Array(back.state), new Uint8Array(s.state));
  assert.equal(back.release, '2.4.20');
  assert.equal(back.bootConsole, s.bootConsole);
  assert.equal(back.bootMs, 1234);
});

test('decoding refuses another key, truncation, a flipped state byte and garbage, each with its reason', async () => {
  const bytes = await encodeSnapshot(sample());
  await assert.rejects(decodeSnapshot(bytes, 'k2'), /for k1, not k2/);
  await assert.rejects(decodeSnapshot(bytes.subarray(0, bytes.length - 10), 'k1'), /truncated/);
  const flipped = bytes.slice();
  flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
  await assert.rejects(decodeSnapshot(flipped, 'k1'), /sha256/);
  await assert.rejects(decodeSnapshot(new TextEncoder().encode('hello, world'), 'k1'), /not a modlab snapshot/);
});

test('the header is covered by the sha256 too: an edited release is refused, not printed', async () => {
  const bytes = await encodeSnapshot(sample());
  const text = new TextDecoder('latin1').decode(bytes);
  const at = text.indexOf('"release":"2.4.20"') + '"release":"2.4.'.length;
  assert.ok(at > 0);
  const edited = bytes.slice();
  edited[at] = '9'.charCodeAt(0); // 2.4.20 becomes 2.4.90: still valid JSON, the same length
  await assert.rejects(decodeSnapshot(edited, 'k1'), /^SnapshotError: the snapshot header or state does not match its sha256$/);
  // A flipped digest is caught the same way.
  const digest = bytes.slice();
  digest[10] = (digest[10] ?? 0) ^ 1;
  await assert.rejects(decodeSnapshot(digest, 'k1'), /does not match its sha256/);
});

test('a snapshot in the older format, whose header was not hashed, is refused by name and rebuilt', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'modlab-snap-'));
  try {
    const header = JSON.stringify({ key: 'k1', stateSha256: 'x', stateBytes: 1, release: '2.4.20', version: '#1', bootConsole: '', bootMs: 1 });
    const json = new TextEncoder().encode(header);
    const old = new Uint8Array(8 + 4 + json.length + 1);
    old.set(new TextEncoder().encode('MLSNAP1\n'));
    new DataView(old.buffer).setUint32(8, json.length, true);
    old.set(json, 12);
    await assert.rejects(decodeSnapshot(old, 'k1'), /^SnapshotError: the snapshot is in an older format \(MLSNAP1\) whose header is not covered by its sha256$/);
    const uncompressed = old.slice();
    uncompressed.set(new TextEncoder().encode('MLSNAP2\n'));
    await assert.rejects(decodeSnapshot(uncompressed, 'k1'), /^SnapshotError: the snapshot is in an older format \(MLSNAP2\) whose state is not compressed$/);

    await writeFile(path.join(dir, 'k1.snap'), old);
    const problems: string[] = [];
    assert.equal(await new SnapshotCache(new FileSnapshotStore(dir), (m) => problems.push(m)).get('k1'), null);
    assert.match(problems.join('\n'), /unusable \(the snapshot is in an older format \(MLSNAP1\).*it was deleted and the kernel boots instead/);
    await assert.rejects(readFile(path.join(dir, 'k1.snap')), /ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the state is stored gzipped; Node\'s zlib and the platform\'s streams read each other\'s files', async () => {
  // Mostly zeros, like a guest's untouched memory.
  const state = new Uint8Array(1 << 20);
  state.set(new TextEncoder().encode('Linux version 2.4.20'), 4096);
  const s = { ...sample(), state: state.buffer };
  const viaStreams = await encodeSnapshot(s, streamGzip);
  const viaZlib = await encodeSnapshot(s, zlibGzip);
  assert.ok(viaStreams.length < 20_000, `${viaStreams.length} bytes stored for a 1 MiB state`);
  assert.ok(viaZlib.length < 20_000, `${viaZlib.length} bytes stored for a 1 MiB state`);
  for (const [bytes, codec] of [[viaStreams, zlibGzip], [viaZlib, streamGzip]] as const) {
    const back = await decodeSnapshot(bytes, 'k1', codec);
    assert.deepEqual(new Uint8Array(back.state), state);
    assert.equal(back.state.byteLength, state.length);
  }
});

/** A stored snapshot with its header changed by `edit`, hashed again so that only the edit is wrong. */
async function rehashed(bytes: Uint8Array, edit: (header: Record<string, unknown>) => void): Promise<Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const length = view.getUint32(72, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(76, 76 + length))) as Record<string, unknown>;
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(76 + json.length + bytes.length - 76 - length);
  out.set(bytes.subarray(0, 72));
  new DataView(out.buffer).setUint32(72, json.length, true);
  out.set(json, 76);
  out.set(bytes.subarray(76 + length), 76 + json.length);
  out.set(new TextEncoder().encode(await sha256Hex(out.subarray(72))), 8);
  return out;
}

test('a state that inflates to other than its header says, or past a machine\'s size, is refused unread', async () => {
  const bytes = await encodeSnapshot(sample());
  assert.equal((await decodeSnapshot(await rehashed(bytes, () => undefined), 'k1')).release, '2.4.20');
  const shorter = await rehashed(bytes, (h) => (h['stateBytes'] = 4000));
  for (const codec of [streamGzip, zlibGzip]) {
    await assert.rejects(decodeSnapshot(shorter, 'k1', codec), /^SnapshotError: the snapshot state does not inflate to the 4000 bytes its header says$/);
    await assert.rejects(decodeSnapshot(await rehashed(bytes, (h) => (h['stateBytes'] = 5000)), 'k1', codec), /does not inflate to the 5000 bytes/);
  }
  await assert.rejects(decodeSnapshot(await rehashed(bytes, (h) => (h['stateBytes'] = MAX_STATE_BYTES + 1)), 'k1'), /more than a machine's/);
  // Bytes that are not gzip at all, under a good sha256.
  const garbage = bytes.slice();
  const at = garbage.length - 30;
  garbage.fill(0x55, at - 40, at);
  garbage.set(new TextEncoder().encode(await sha256Hex(garbage.subarray(72))), 8);
  for (const codec of [streamGzip, zlibGzip]) await assert.rejects(decodeSnapshot(garbage, 'k1', codec), /^SnapshotError: the snapshot state does not decompress$/);
});

test('the key changes with the pin of each file and with the tuning, and not otherwise', async () => {
  const a = await snapshotKey(assets(), ALL_TUNINGS);
  assert.equal(await snapshotKey(assets(), ALL_TUNINGS), a);
  const other = 'f'.repeat(64);
  assert.notEqual(await snapshotKey(assets({ initrd: [other] }), ALL_TUNINGS), a);
  assert.notEqual(await snapshotKey(assets({ kernel: `bzImage:${other}` }), ALL_TUNINGS), a);
  assert.notEqual(await snapshotKey(assets({ bios: other }), ALL_TUNINGS), a);
  assert.notEqual(await snapshotKey(assets(), ['ide-noprobe']), a);
  assert.match(a, /^2\.4\.20-[0-9a-f]{32}$/);
});

test('the cache persists through its store, and deletes a corrupt file instead of using it', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'modlab-snap-'));
  try {
    const problems: string[] = [];
    await new SnapshotCache(new FileSnapshotStore(dir)).put(sample());
    const fresh = new SnapshotCache(new FileSnapshotStore(dir), (m) => problems.push(m));
    const got = await fresh.get('k1');
    assert.equal(got?.release, '2.4.20');

    const file = path.join(dir, 'k1.snap');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 1));
    const third = new SnapshotCache(new FileSnapshotStore(dir), (m) => problems.push(m));
    assert.equal(await third.get('k1'), null);
    assert.match(problems.join('\n'), /unusable \(the snapshot is truncated/);
    await assert.rejects(readFile(file), /ENOENT/);
    assert.equal(await third.get('absent'), null);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
