/**
 * v86's JavaScript for the built CLI (cli/build.ts points `v86` here), with
 * V8's code cache: parsing and compiling libv86, and the functions its
 * set-up and a restore run, cost a one-shot call's main thread every time.
 * The first run compiles as usual and, at exit, keeps what V8 compiled
 * (node/code-cache.ts); later runs load that instead. Node 20 has no compile
 * cache for ES modules, so this runs v86's CommonJS build (libv86.js, the
 * same code as the libv86.mjs `import 'v86'` gets) through vm.Script, which
 * takes one.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import type { V86 as V86Class } from 'v86';
import { readCodeCache, v86CodeCacheFile, writeCodeCache } from './code-cache.ts';
import { cacheRoot } from './image-resolver.ts';
import { PACKAGE_ROOT } from './package-root.ts';

interface CommonJsModule {
  exports: { V86?: typeof V86Class };
}

function load(): typeof V86Class {
  const file = createRequire(path.join(PACKAGE_ROOT, 'package.json')).resolve('v86/build/libv86.js');
  const source = readFileSync(file, 'utf8');
  const cacheFile = v86CodeCacheFile(cacheRoot());
  const cachedData = readCodeCache(cacheFile);
  // The wrapper Node gives a CommonJS module, so that libv86.js finds `module` and `require` (for fs, crypto, perf_hooks).
  const script = new vm.Script(`(function (module, exports, require) {${source}\n})`, { filename: file, ...(cachedData ? { cachedData } : {}) });
  const run = script.runInThisContext() as (module: CommonJsModule, exports: CommonJsModule['exports'], req: NodeJS.Require) => void;
  const module: CommonJsModule = { exports: {} };
  run(module, module.exports, createRequire(file));
  const V86 = module.exports.V86;
  if (V86 === undefined) throw new Error(`${file} did not define V86`);
  // Kept at exit: by then the functions a restore and a call run are compiled too, and go into the cache.
  if (!cachedData || script.cachedDataRejected === true) process.once('exit', () => writeCodeCache(cacheFile, script.createCachedData()));
  return V86;
}

export const V86 = load();
