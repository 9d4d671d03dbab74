/**
 * The CLI built ahead of time (cli/build.ts): JavaScript that starts without
 * TypeScript, whose start loads neither v86 nor the compiler (they are in
 * chunks loaded by the commands that need them), and a bin that says in one
 * sentence what to do when the build is missing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildCli } from '../../cli/build.ts';

const BIN = fileURLToPath(new URL('../../bin/modlab.mjs', import.meta.url));

/** The files a module loads at once: itself and its static imports, transitively (import() calls are left out). */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^import\s+(?:[^'"]*?\s+from\s+)?"(\.[^"]+)";?$/gms)) visit(path.resolve(path.dirname(file), m[1] as string));
  };
  visit(entry);
  return seen;
}

test('the built CLI loads v86 and the compiler only through import(), never at start', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'modlab-cli-build-'));
  try {
    await buildCli({ outDir: out });
    const atStart = [...staticGraph(path.join(out, 'modlab.mjs'))];
    assert.ok(atStart.length > 1, "the entry imports its shared chunks");
    const text = atStart.map((f) => readFileSync(f, 'utf8')).join('\n');
    // v86 comes in by an import of the package, or (node/v86-code-cache.ts) by running its CommonJS build.
    assert.doesNotMatch(text, /from "v86"|libv86/, 'v86 is not imported at start');
    assert.doesNotMatch(text, /tcc\.wasm/, 'the compiler is not loaded at start');
    assert.doesNotMatch(text, /\.ts"/, 'no TypeScript is imported');
    // ...but the whole build has them, in the chunks the commands load.
    const all = spawnSync('grep', ['-rlE', 'from "v86"|libv86', out], { encoding: 'utf8' });
    assert.match(all.stdout, /chunks\//, 'a chunk imports v86');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('bin/modlab.mjs without a build says to run npm run build:cli, in one line, exit 1', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'modlab-no-build-'));
  try {
    mkdirSync(path.join(dir, 'bin'));
    copyFileSync(BIN, path.join(dir, 'bin', 'modlab.mjs'));
    const r = spawnSync(process.execPath, [path.join(dir, 'bin', 'modlab.mjs'), 'kernels'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^modlab: the CLI is not built \(no .*build\/cli\/modlab\.mjs\); run `npm run build:cli` in .*\n$/);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
