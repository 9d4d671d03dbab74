/**
 * v86's JavaScript for the built CLI (cli/build.ts points `v86` here), with
 * V8's code cache (node/cached-script.ts): parsing and compiling libv86, and
 * the functions its set-up and a restore run, cost a one-shot call's main
 * thread every time. This runs v86's CommonJS build (libv86.js, the same code
 * as the libv86.mjs `import 'v86'` gets), which vm.Script can take.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { V86 as V86Class } from 'v86';
import { V86_VERSION } from '../harness/machine/snapshot.ts';
import { runCachedCommonJs } from './cached-script.ts';
import { PACKAGE_ROOT } from './package-root.ts';

/** The name of v86's code in the cache folder: the version pinned for snapshots is the one installed (a unit test checks). */
export const V86_CODE_CACHE_NAME = `libv86-${V86_VERSION}`;

function load(): typeof V86Class {
  const file = createRequire(path.join(PACKAGE_ROOT, 'package.json')).resolve('v86/build/libv86.js');
  const exported = runCachedCommonJs(file, V86_CODE_CACHE_NAME) as { V86?: typeof V86Class };
  if (exported.V86 === undefined) throw new Error(`${file} did not define V86`);
  return exported.V86;
}

export const V86 = load();
