/**
 * The built CLI's entry (build/cli/modlab.mjs, which bin/modlab.mjs runs).
 * The rest of the CLI is one CommonJS script (cli/build.ts bundles
 * cli/main.ts), run through V8's code cache (node/cached-script.ts): a
 * one-shot call starts some 30 ms sooner than with the same code loaded as
 * ES modules, whose parsing and compiling Node 20 cannot cache. Nothing of
 * v86 or the compiler runs until a command asks for it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCachedCommonJs } from '../node/cached-script.ts';
import type * as Main from './main.ts';

/** The bundle's path from this file, e.g. ./chunks/cli-0123456789AB.cjs; cli/build.ts defines it (the name ends in a hash of the content). */
declare const MODLAB_CLI_BUNDLE: string;

/**
 * Each command keeps the code it compiled under a name of its own: a cache
 * is written only when there is none, so one made by `--help` would
 * otherwise stand for a `call` that runs far more.
 */
function commandName(argv: readonly string[]): string {
  const command = argv[0] ?? '';
  return /^[a-z]{1,16}$/.test(command) ? command : 'other';
}

export function cli(argv: readonly string[]): Promise<number> {
  const bundle = fileURLToPath(new URL(MODLAB_CLI_BUNDLE, import.meta.url));
  const name = path.basename(bundle, '.cjs');
  // What comes before the hash: the caches of other builds of the CLI start with it too.
  const family = name.replace(/[0-9A-F]+$/, '');
  const main = runCachedCommonJs(bundle, `${name}-${commandName(argv)}`, {
    importUrl: (url) => import(url),
    supersedes: (file) => file.startsWith(family) && !file.startsWith(`${name}-`),
  }) as typeof Main;
  return main.cli(argv);
}
