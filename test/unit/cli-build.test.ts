/**
 * The CLI built ahead of time (cli/build.ts): JavaScript that starts without
 * TypeScript, as a small ES module entry and one CommonJS bundle named by its
 * content; a start that loads neither v86 nor the compiler (a command loads
 * them when it needs them); and a bin that says in one sentence what to do
 * when the build is missing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildCli } from '../../cli/build.ts';

const BIN = fileURLToPath(new URL('../../bin/modlab.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Preloaded with --require: writes each file the process reads through fs
 * (readFileSync, fs.promises.readFile) to $READS_LOG, one per line. Patched
 * before any module imports fs, so the ES modules' named imports get it too.
 */
const READ_LOGGER = `
const fs = require('node:fs');
const log = (file) => fs.appendFileSync(process.env.READS_LOG, String(file) + '\\n');
const readFileSync = fs.readFileSync;
fs.readFileSync = function (file, ...rest) { log(file); return readFileSync.call(this, file, ...rest); };
const readFile = fs.promises.readFile;
fs.promises.readFile = function (file, ...rest) { log(file); return readFile.call(this, file, ...rest); };
`;

test('the built CLI is a small ES module entry and one CommonJS bundle named by its content', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'modlab-cli-build-'));
  try {
    await buildCli({ outDir: out });
    const bundles = readdirSync(path.join(out, 'chunks'));
    assert.equal(bundles.length, 1, `one bundle: ${bundles.join(', ')}`);
    const bundle = readFileSync(path.join(out, 'chunks', bundles[0] as string));
    const hash = createHash('sha256').update(bundle).digest('hex').slice(0, 12).toUpperCase();
    assert.equal(bundles[0], `cli-${hash}.cjs`);
    const entry = readFileSync(path.join(out, 'modlab.mjs'), 'utf8');
    assert.ok(entry.includes(`./chunks/cli-${hash}.cjs`), 'the entry names the bundle');
    assert.doesNotMatch(entry, /libv86|tcc\.wasm|\.ts"/, 'the entry holds neither v86 nor the compiler, and imports no TypeScript');
    assert.ok(entry.length < 20_000, `the entry is small (${entry.length} bytes)`);
    assert.doesNotMatch(bundle.toString('utf8'), /\bimport\(/, 'the bundle has no import() of its own (vm.Script gives it none in Node 20)');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the built CLI reads neither v86 nor the compiler for --help or an input error; a call reads v86 and keeps code for both', async () => {
  // Inside the package, as a build is: the code finds the package's files from where it sits.
  mkdirSync(path.join(ROOT, 'build'), { recursive: true });
  const out = mkdtempSync(path.join(ROOT, 'build', 'test-cli-reads-'));
  try {
    await buildCli({ outDir: path.join(out, 'cli') });
    writeFileSync(path.join(out, 'log-reads.cjs'), READ_LOGGER);
    const entry = pathToFileURL(path.join(out, 'cli', 'modlab.mjs')).href;
    const run = (argv: string[]): { status: number | null; reads: string[]; stderr: string } => {
      const log = path.join(out, `reads-${argv[0]}.log`);
      writeFileSync(log, '');
      const r = spawnSync(process.execPath, ['--require', path.join(out, 'log-reads.cjs'), '--input-type=module', '-e', `const { cli } = await import(${JSON.stringify(entry)}); process.exitCode = await cli(${JSON.stringify(argv)});`], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, READS_LOG: log, MODLAB_CACHE_DIR: path.join(out, 'cache') },
      });
      return { status: r.status, reads: readFileSync(log, 'utf8').split('\n').filter(Boolean), stderr: r.stderr };
    };
    const v86OrCompiler = (f: string): boolean => /libv86|v86\.wasm|tcc\.(wasm|mjs)/.test(f);
    const help = run(['--help']);
    assert.equal(help.status, 0, help.stderr);
    assert.ok(help.reads.some((f) => f.endsWith('.cjs')), 'the bundle was read (the logger works)');
    assert.deepEqual(help.reads.filter(v86OrCompiler), [], '--help reads no v86 and no compiler');
    const bad = run(['call', 'create_module', 'x', '4096x']);
    assert.equal(bad.status, 2, bad.stderr);
    assert.deepEqual(bad.reads.filter(v86OrCompiler), [], 'an input error reads no v86 and no compiler');
    const kept = readdirSync(path.join(out, 'cache', 'code'));
    assert.ok(kept.some((f) => /^cli-[0-9A-F]{12}-other-/.test(f)), `--help kept its code under a name of its own: ${kept.join(', ')}`);
    assert.ok(kept.some((f) => /^cli-[0-9A-F]{12}-call-/.test(f)), 'and so did call');
    assert.ok(!kept.some((f) => f.startsWith('libv86-')), 'no code of v86, which neither ran');
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
