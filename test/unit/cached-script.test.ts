/**
 * node/cached-script.ts: a CommonJS script run through V8's code cache, as
 * the built CLI runs its bundle and v86. Each run is a process of its own,
 * since the cache is written at exit.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CACHED_SCRIPT = pathToFileURL(fileURLToPath(new URL('../../node/cached-script.ts', import.meta.url))).href;

/** Runs `script` through runCachedCommonJs in a new process; prints what it exported, as JSON. */
function runScript(script: string, cache: string, cacheName: string, supersedes = ''): { status: number | null; stdout: string; stderr: string } {
  const program = `
    const { runCachedCommonJs } = await import(${JSON.stringify(CACHED_SCRIPT)});
    const exported = runCachedCommonJs(${JSON.stringify(script)}, ${JSON.stringify(cacheName)}, {
      importUrl: (url) => import(url),
      supersedes: (name) => ${JSON.stringify(supersedes)} !== '' && name.startsWith(${JSON.stringify(supersedes)}),
    });
    console.log(JSON.stringify({ ...exported, imported: typeof (await exported.importOs()).tmpdir }));`;
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, MODLAB_CACHE_DIR: cache } });
}

test('a cached script gets what a CommonJS module gets, its URL and an import(); its code is kept at exit and used the next time', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'modlab-cached-script-'));
  try {
    const script = path.join(dir, 'script.cjs');
    writeFileSync(script, 'module.exports = { file: __filename, dir: __dirname, url: __modlabImportMetaUrl, path: typeof require("node:path").join, importOs: () => __modlabImportUrl("node:os") };\n');
    const cache = path.join(dir, 'cache');
    const first = runScript(script, cache, 'test-AAAA-run');
    assert.equal(first.status, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), { file: script, dir, url: pathToFileURL(script).href, path: 'function', imported: 'function' });
    const kept = readdirSync(path.join(cache, 'code'));
    assert.equal(kept.length, 1, kept.join(', '));
    assert.match(kept[0] as string, /^test-AAAA-run-node\d+\.\d+\.\d+-[a-z0-9]+-[0-9a-f]{8}\.v8cache$/);
    const file = path.join(cache, 'code', kept[0] as string);
    const before = statSync(file, { bigint: true }).mtimeNs;

    const second = runScript(script, cache, 'test-AAAA-run');
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    assert.equal(statSync(file, { bigint: true }).mtimeNs, before, 'V8 took the cache: it was not written anew');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a new build's cache, once written, removes the caches it supersedes and no other", () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'modlab-cached-script-'));
  try {
    const script = path.join(dir, 'script.cjs');
    writeFileSync(script, 'module.exports = { importOs: () => __modlabImportUrl("node:os") };\n');
    const code = path.join(dir, 'cache', 'code');
    mkdirSync(code, { recursive: true });
    writeFileSync(path.join(code, 'test-OLD-run-node20.0.0-x64-00000000.v8cache'), 'old');
    writeFileSync(path.join(code, 'libv86-1.2.3-node20.0.0-x64-00000000.v8cache'), 'other');
    const r = runScript(script, path.join(dir, 'cache'), 'test-NEW-run', 'test-OLD-');
    assert.equal(r.status, 0, r.stderr);
    const left = readdirSync(code).sort();
    assert.equal(left.length, 2, left.join(', '));
    assert.ok(left.some((f) => f.startsWith('libv86-')), "another script's cache stays");
    assert.ok(left.some((f) => f.startsWith('test-NEW-run-')), 'the new one is written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
