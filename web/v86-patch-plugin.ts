/**
 * The page's v86 patched like the Node target's (harness/machine/v86-patches.ts):
 * libv86.mjs is changed as the build (or the dev server) reads it.
 */
import type { Plugin } from 'vite';
import { patchV86Source } from '../harness/machine/v86-patches.ts';

const LIBV86 = /\/node_modules\/v86\/build\/libv86\.mjs$/;

export function v86Patches(): Plugin {
  return {
    name: 'modlab-v86-patches',
    enforce: 'pre',
    transform(code, id) {
      if (!LIBV86.test(id.split('?')[0] ?? id)) return null;
      // No source map: v86's own has none in the package either.
      return { code: patchV86Source(code), map: null };
    },
  };
}
