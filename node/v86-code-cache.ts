/**
 * v86's JavaScript for the Node target (`#v86` in package.json's imports),
 * patched (harness/machine/v86-patches.ts) and run through V8's code cache
 * (node/cached-script.ts): parsing and compiling libv86, and the functions
 * its set-up and a restore run, cost a one-shot call's main thread every
 * time. This runs v86's CommonJS build (libv86.js, the same code as
 * libv86.mjs, which the page gets patched alike), which vm.Script can take.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { V86 as V86Class } from 'v86';
import { V86_VERSION } from '../harness/machine/snapshot.ts';
import { patchV86Source, v86PatchesId } from '../harness/machine/v86-patches.ts';
import { runCachedCommonJs } from './cached-script.ts';
import { PACKAGE_ROOT } from './package-root.ts';

/** The name of v86's code in the cache folder: the version pinned for snapshots is the one installed (a unit test checks), with these patches. */
export const V86_CODE_CACHE_NAME = `libv86-${V86_VERSION}-${v86PatchesId()}`;

function load(): typeof V86Class {
  const file = createRequire(path.join(PACKAGE_ROOT, 'package.json')).resolve('v86/build/libv86.js');
  const exported = runCachedCommonJs(file, V86_CODE_CACHE_NAME, {
    transform: patchV86Source,
    // An older set of patches' cache, or the unpatched one's, is never read again.
    supersedes: (name) => name.startsWith(`libv86-`) && !name.startsWith(`${V86_CODE_CACHE_NAME}-`),
  }) as { V86?: typeof V86Class };
  if (exported.V86 === undefined) throw new Error(`${file} did not define V86`);
  return exported.V86;
}

export const V86 = load();
