/**
 * Where modlab writes its cache: beside the code in a clone, the per-user
 * cache when installed as a dependency or when its folder is read-only, and
 * wherever MODLAB_CACHE_DIR says above all. The choice is a pure function of
 * the facts; the package root is found by walking up to modlab's package.json.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chooseCacheRoot, type CacheFacts } from '../../node/cache-root.ts';
import { findPackageRoot, PACKAGE_ROOT } from '../../node/package-root.ts';

const clone = '/home/ann/modlab';
const facts = (over: Partial<CacheFacts> = {}): CacheFacts => ({ packageRoot: clone, packageWritable: true, env: {}, home: '/home/ann', ...over });

test('a writable clone keeps its cache in <repo>/.cache', () => {
  assert.deepEqual(chooseCacheRoot(facts()), { kind: 'package', root: '/home/ann/modlab/.cache' });
});

test('a read-only package folder uses ~/.cache/modlab', () => {
  assert.deepEqual(chooseCacheRoot(facts({ packageWritable: false })), { kind: 'user', root: '/home/ann/.cache/modlab', why: 'read-only' });
});

test("a package inside another project's node_modules uses the per-user cache even when writable", () => {
  const inside = facts({ packageRoot: '/srv/course/node_modules/modlab' });
  assert.deepEqual(chooseCacheRoot(inside), { kind: 'user', root: '/home/ann/.cache/modlab', why: 'installed' });
  const scoped = facts({ packageRoot: '/usr/lib/node_modules/modlab', packageWritable: false });
  assert.equal(chooseCacheRoot(scoped).root, '/home/ann/.cache/modlab');
});

test('an absolute XDG_CACHE_HOME is used; a relative one is ignored, as the spec says', () => {
  const installed = { packageRoot: '/p/node_modules/modlab' };
  assert.equal(chooseCacheRoot(facts({ ...installed, env: { XDG_CACHE_HOME: '/var/cache/ann' } })).root, '/var/cache/ann/modlab');
  assert.equal(chooseCacheRoot(facts({ ...installed, env: { XDG_CACHE_HOME: 'rel/cache' } })).root, '/home/ann/.cache/modlab');
  assert.equal(chooseCacheRoot(facts({ ...installed, env: { XDG_CACHE_HOME: '' } })).root, '/home/ann/.cache/modlab');
  // A clone ignores XDG_CACHE_HOME: its cache stays beside the code.
  assert.equal(chooseCacheRoot(facts({ env: { XDG_CACHE_HOME: '/var/cache/ann' } })).root, '/home/ann/modlab/.cache');
});

test('MODLAB_CACHE_DIR outranks everything, resolved against the current folder', () => {
  assert.deepEqual(chooseCacheRoot(facts({ packageWritable: false, env: { MODLAB_CACHE_DIR: '/tmp/c', XDG_CACHE_HOME: '/x' } })), { kind: 'env', root: '/tmp/c' });
  assert.equal(chooseCacheRoot(facts({ env: { MODLAB_CACHE_DIR: 'rel' } })).root, path.resolve('rel'));
  // Empty is unset, as for the other variables.
  assert.equal(chooseCacheRoot(facts({ env: { MODLAB_CACHE_DIR: '' } })).kind, 'package');
});

test("the package root is the nearest folder above whose package.json is modlab's", () => {
  assert.equal(PACKAGE_ROOT, fileURLToPath(new URL('../..', import.meta.url)).replace(/[\\/]$/, ''));
  const dir = mkdtempSync(path.join(tmpdir(), 'modlab-root-'));
  try {
    // A built chunk sits deep inside the package, below folders with package.json files of other names.
    const root = path.join(dir, 'node_modules', 'modlab');
    const chunks = path.join(root, 'build', 'cli', 'chunks');
    mkdirSync(chunks, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'course' }));
    writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'modlab' }));
    writeFileSync(path.join(root, 'build', 'package.json'), '{ not json');
    writeFileSync(path.join(root, 'build', 'cli', 'package.json'), JSON.stringify({ name: 'other' }));
    assert.equal(findPackageRoot(chunks), root);
    assert.equal(findPackageRoot(dir), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
