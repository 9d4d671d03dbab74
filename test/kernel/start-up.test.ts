/**
 * How a machine starts from a saved one, on a real 2.4.20 in real v86: its
 * v86 is set up while the snapshot it found is checked and inflated (Emulator.prepare),
 * every machine of a process instantiates one compiled wasm module, a
 * wasm that cannot be had is a sentence at once, not a wait for the deadline,
 * and the built CLI keeps V8's compiled code for v86 between runs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AssetProvider, BootAssets, V86WasmFn } from '../../harness/machine/assets.ts';
import { ImageError } from '../../harness/errors.ts';
import { findKernel } from '../../kernel-images/manifest.ts';
import { Emulator } from '../../harness/machine/emulator.ts';
import { SnapshotCache, type SnapshotStore } from '../../harness/machine/snapshot.ts';
import { ALL_TUNINGS } from '../../harness/machine/v86-config.ts';
import { NodeAssets } from '../../node/assets.ts';
import { zlibGzip } from '../../node/gzip.ts';
import { boot } from '../../node/boot.ts';
import { readCodeCache } from '../../node/code-cache.ts';
import { FileSnapshotStore } from '../../node/snapshot-store.ts';
import { LONG } from './man-page.ts';

const BIN = fileURLToPath(new URL('../../bin/modlab.mjs', import.meta.url));

const nodeAssets = new NodeAssets({ download: false });

/** The 2.4.20 assets, with `onInstantiate` told each time a machine instantiates v86's wasm. */
function watchedAssets(onInstantiate: () => void): AssetProvider {
  return {
    async load(kernel) {
      const assets = await nodeAssets.load(kernel);
      assert.ok(assets.v86Wasm, 'the Node target compiles v86 itself');
      const v86Wasm = assets.v86Wasm.then(
        (instantiate): V86WasmFn =>
          (imports) => {
            onInstantiate();
            return instantiate(imports);
          },
      );
      return { ...assets, v86Wasm };
    },
  };
}

/** Snapshots kept in memory, as bytes, like a store on disk; `beforeInflate` runs before each state is inflated. */
function memoryStore(files: Map<string, Uint8Array>, beforeInflate: () => Promise<void> = () => Promise.resolve()): SnapshotStore {
  return {
    location: 'memory',
    read: (key) => Promise.resolve(files.get(key) ?? null),
    write: (key, bytes) => {
      files.set(key, bytes);
      return Promise.resolve();
    },
    remove: (key) => {
      files.delete(key);
      return Promise.resolve();
    },
    gzip: {
      compress: (bytes) => zlibGzip.compress(bytes),
      decompress: async (bytes, limit) => {
        await beforeInflate();
        return zlibGzip.decompress(bytes, limit);
      },
    },
  };
}

test('a kernel with no saved machine sets up one v86, and a first machine with one sets up its v86 while the state is inflated', LONG, async () => {
  const files = new Map<string, Uint8Array>();
  let booting = 0;
  const first = await boot({ kernel: '2.4.20', assets: watchedAssets(() => booting++), snapshots: new SnapshotCache(memoryStore(files)) });
  await first.close();
  assert.equal(files.size, 1, 'the boot saved its machine');
  assert.equal(booting, 1, 'no v86 was set up for a restore that could not happen');

  // The state is not inflated until a v86 has been instantiated, or 20 s have passed.
  let instantiated = (): void => undefined;
  const instantiation = new Promise<void>((resolve) => (instantiated = resolve));
  let instantiations = 0;
  let inflatedAfterV86 = false;
  const gatedInflate = async (): Promise<void> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, 20_000)));
    await Promise.race([instantiation, deadline]);
    clearTimeout(timer);
    inflatedAfterV86 = instantiations > 0;
  };
  const m = await boot({
    kernel: '2.4.20',
    assets: watchedAssets(() => {
      instantiations++;
      instantiated();
    }),
    snapshots: new SnapshotCache(memoryStore(files, gatedInflate)),
  });
  try {
    assert.equal(inflatedAfterV86, true, 'v86 was being set up before the state had been inflated');
    assert.equal(m.restored, true, 'the machine came from the snapshot');
    assert.equal(instantiations, 1, 'one v86, the one set up ahead, serves the restore');
    const r = await m.createModule('x', 4096);
    assert.equal(r.result.kind === 'success' && r.result.ret, 0xc8800000);
  } finally {
    await m.close();
  }
});

test('a saved machine that fails its checks: the v86 set up for it is let go and the kernel boots', LONG, async () => {
  const files = new Map<string, Uint8Array>();
  const first = await boot({ kernel: '2.4.20', assets: watchedAssets(() => undefined), snapshots: new SnapshotCache(memoryStore(files)) });
  await first.close();
  const [key, bytes] = [...files][0] ?? assert.fail('the boot saved its machine');
  const damaged = new Uint8Array(bytes);
  const last = damaged.length - 1;
  damaged[last] = (damaged[last] ?? 0) ^ 0xff;
  files.set(key, damaged);
  const problems: string[] = [];
  let instantiations = 0;
  const m = await boot({ kernel: '2.4.20', assets: watchedAssets(() => instantiations++), snapshots: new SnapshotCache(memoryStore(files), (p) => problems.push(p)) });
  try {
    assert.match(problems.join('\n'), /does not match its sha256/);
    assert.equal(m.restored, false, 'booted, not restored');
    assert.equal(instantiations, 2, 'the v86 prepared for the restore, then the one that booted');
    const r = await m.createModule('x', 4096);
    assert.equal(r.result.kind === 'success' && r.result.ret, 0xc8800000);
  } finally {
    await m.close();
  }
});

/** The 2.4.20 machine as NodeAssets describes it, whose kernel, initrd and BIOS cannot be had: each ask is counted. */
function filesRefused(asks: { count: number }): AssetProvider {
  return {
    describe: (kernel) => nodeAssets.describe(kernel),
    load: () => {
      asks.count++;
      return Promise.reject(new ImageError('no kernel, initrd or BIOS here', { code: 'not-found', imageId: '2.4.20' }));
    },
  };
}

test('a restore reads no kernel, initrd or BIOS: a machine whose files cannot be had restores, answers and resets; only a boot asks for them', LONG, async () => {
  const files = new Map<string, Uint8Array>();
  const first = await boot({ kernel: '2.4.20', assets: nodeAssets, snapshots: new SnapshotCache(memoryStore(files)) });
  await first.close();
  assert.equal(files.size, 1, 'the boot saved its machine');
  const asks = { count: 0 };
  const m = await boot({ kernel: '2.4.20', assets: filesRefused(asks), snapshots: new SnapshotCache(memoryStore(files)), expectSnapshot: true });
  try {
    assert.equal(m.restored, true);
    const r = await m.createModule('x', 4096);
    assert.equal(r.result.kind === 'success' && r.result.ret, 0xc8800000);
    await m.reset();
    const again = await m.createModule('y', 4096);
    assert.equal(again.result.kind === 'success' && again.result.ret, 0xc8800000, 'a reset restores into the same v86, still without the files');
  } finally {
    await m.close();
  }
  assert.equal(asks.count, 0, 'no file was asked for');
  await assert.rejects(boot({ kernel: '2.4.20', assets: filesRefused(asks), snapshots: new SnapshotCache(memoryStore(new Map())) }), /no kernel, initrd or BIOS here/);
  assert.equal(asks.count, 1, 'a boot asks for them');
});

test('a boot still checks the kernel file against its sha256: a corrupt one is refused as before', async (t) => {
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'modlab-bad-kernel-'));
  t.after(() => rmSync(cacheDir, { recursive: true, force: true }));
  const kernel = findKernel('2.4.20');
  assert.ok(kernel);
  const cached = path.join(cacheDir, ...kernel.file.mirrorPath.split('/'));
  mkdirSync(path.dirname(cached), { recursive: true });
  writeFileSync(cached, new Uint8Array(4096).fill(0x90));
  const assets = new NodeAssets({ cacheDir, mirrorDir: path.join(cacheDir, 'no-mirror'), download: false });
  await assert.rejects(boot({ kernel: '2.4.20', assets, snapshots: null }), (e: unknown) => e instanceof ImageError && /^Kernel image 2\.4\.20 not found: .*\(wrong sha256 /.test(e.message));
});

test('every machine of a process instantiates the one compiled v86 module', async () => {
  const [a, b] = await Promise.all([new NodeAssets({ download: false }).load('2.4.20'), new NodeAssets({ download: false }).load('2.4.27')]);
  assert.ok(a.v86Wasm && b.v86Wasm);
  assert.equal(a.v86Wasm, b.v86Wasm, 'compiled once, not once per kernel or machine');
});

test('a wasm that cannot be had fails the start with a sentence, well before the deadline', async () => {
  const missing = Promise.reject(new Error('no wasm here'));
  // Heard where the machine is set up; not before, as an unhandled rejection.
  missing.catch(() => undefined);
  const assets: BootAssets = { ...(await nodeAssets.load('2.4.20')), v86Wasm: missing };
  const t0 = performance.now();
  await assert.rejects(Emulator.start(assets, { bootTimeoutMs: 60_000, tunings: ALL_TUNINGS }, { boot: assets }), /v86 could not load its WebAssembly: no wasm here/);
  assert.ok(performance.now() - t0 < 30_000, 'not the 60 s deadline');
});

test('a v86 prepared for a restore and not taken is freed once it has loaded', async () => {
  const prepared = Emulator.prepare(await nodeAssets.load('2.4.20'));
  const loading = prepared.take();
  assert.ok(loading, 'the first take gets it');
  assert.equal(prepared.take(), null, 'and only the first');
  await loading.loaded;
  await loading.v86.destroy();
  const unused = Emulator.prepare(await nodeAssets.load('2.4.20'));
  await unused.discard();
  assert.equal(unused.take(), null, 'a discarded one cannot be taken');
});

/** Runs the built CLI (npm run build:cli) for one create_module with its cache in `cache`. */
function oneShot(cache: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [BIN, 'call', 'create_module', 'x', '4096'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, MODLAB_CACHE_DIR: cache, MODLAB_NO_SNAPSHOTS: '' } });
}

test("the built CLI keeps V8's code for itself and for v86 and runs it the next time; a damaged one is replaced, never run", LONG, () => {
  const cache = mkdtempSync(path.join(tmpdir(), 'modlab-code-cache-'));
  try {
    const answer = /create_module\("x", 4096\)\s+= 0xc8800000/;
    const codeFiles = (): string[] => (existsSync(path.join(cache, 'code')) ? readdirSync(path.join(cache, 'code')).filter((f) => f.endsWith('.v8cache')) : []);
    // The first run boots and saves the machine: its code, a boot's, would stand for the restores that follow.
    const booted = oneShot(cache);
    assert.equal(booted.status, 0, booted.stderr);
    assert.match(booted.stdout, answer);
    assert.deepEqual(codeFiles(), [], 'a run that booted and saved its machine keeps no code');
    const first = oneShot(cache);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, answer);
    // Named for the CLI's V8 flags, which are not this test process's.
    const kept = codeFiles().filter((f) => f.startsWith('libv86-'));
    assert.equal(kept.length, 1, 'one cache file for v86');
    const file = path.join(cache, 'code', kept[0] as string);
    assert.ok(readCodeCache(file), 'the first restoring run kept the code it compiled, with its sha256');
    const before = statSync(file, { bigint: true });
    const own = codeFiles().filter((f) => /^cli-[0-9A-F]{12}-call-.*\.v8cache$/.test(f));
    assert.equal(own.length, 1, "one cache file for the CLI's own code, for the call command");
    const ownFile = path.join(cache, 'code', own[0] as string);
    assert.ok(readCodeCache(ownFile), 'kept with its sha256');
    const ownBefore = statSync(ownFile, { bigint: true });

    // V8 took both: a refused cache would be written anew at exit.
    const second = oneShot(cache);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, answer);
    assert.equal(statSync(file, { bigint: true }).mtimeNs, before.mtimeNs, 'the cache was used as it is');
    assert.equal(statSync(ownFile, { bigint: true }).mtimeNs, ownBefore.mtimeNs, "the CLI's cache too");

    const damaged = readFileSync(file);
    const middle = damaged.length >> 1;
    damaged[middle] = (damaged[middle] ?? 0) ^ 0xff;
    writeFileSync(file, damaged);
    assert.equal(readCodeCache(file), undefined, 'a damaged cache fails its sha256');
    const third = oneShot(cache);
    assert.equal(third.status, 0, third.stderr);
    assert.match(third.stdout, answer);
    assert.ok(readCodeCache(file), 'and is replaced by a good one');
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test('a snapshot store says whether it holds a saved machine of a kernel before its key is known', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'modlab-holds-'));
  try {
    const store = new FileSnapshotStore(dir);
    assert.equal(store.holdsSomeFor('2.4.20'), false);
    writeFileSync(path.join(dir, '2.4.27-0123456789abcdef0123456789abcdef.snap'), '');
    writeFileSync(path.join(dir, '2.4.20-0123456789abcdef0123456789abcdef.snap.123.tmp'), '');
    assert.equal(store.holdsSomeFor('2.4.20'), false, 'not another kernel, nor a file half written');
    writeFileSync(path.join(dir, '2.4.20-0123456789abcdef0123456789abcdef.snap'), '');
    assert.equal(store.holdsSomeFor('2.4.20'), true);
    assert.equal(new FileSnapshotStore(path.join(dir, 'missing')).holdsSomeFor('2.4.20'), false, 'a cache not made yet holds none');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a one-shot call loads next to none of Node's own modules after bin/modlab.mjs sets V8's flags, which make Node compile them from source", LONG, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'modlab-after-flags-'));
  try {
    // Preloaded: notes how many modules Node had loaded when the first flag was set, and at exit names those loaded since.
    const hook = path.join(dir, 'after-flags.cjs');
    writeFileSync(
      hook,
      `const v8 = require('node:v8'); const set = v8.setFlagsFromString; let at = -1;
v8.setFlagsFromString = function (flags) { if (at < 0) at = process.moduleLoadList.length; return set.call(this, flags); };
process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(path.join(dir, 'after.json'))}, JSON.stringify(at < 0 ? null : process.moduleLoadList.slice(at).filter((m) => m.startsWith('NativeModule ')))));\n`,
    );
    const cache = path.join(dir, 'cache');
    const run = (): void => {
      const r = spawnSync(process.execPath, ['--require', hook, BIN, 'call', 'create_module', 'x', '4096'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, MODLAB_CACHE_DIR: cache, MODLAB_NO_SNAPSHOTS: '' } });
      assert.equal(r.status, 0, r.stderr);
    };
    // The first run boots and keeps the machine; the second is the one-shot call from it.
    run();
    run();
    const after = JSON.parse(readFileSync(path.join(dir, 'after.json'), 'utf8')) as string[] | null;
    assert.ok(after, 'bin/modlab.mjs set V8 flags');
    // Without the modules bin/modlab.mjs loads first, some 40 load later; without the streams and Web Crypto, 4 (net,
    // diagnostics_channel, webcrypto, webidl). Web Crypto's webidl loads at the first digest, which is left to the call.
    assert.ok(after.length <= 1, `loaded after the flags: ${after.join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
