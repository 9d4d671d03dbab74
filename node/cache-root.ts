/**
 * Where modlab keeps what it makes (kernel images copied from a mirror or a
 * download, saved machines). In a clone that is <package>/.cache, beside the
 * code. A package installed as a dependency is not its own place to write:
 * npm replaces its folder on every install, and it may be read-only (a
 * global install by root, a read-only image); there the per-user cache is
 * used: $XDG_CACHE_HOME/modlab, or ~/.cache/modlab. MODLAB_CACHE_DIR
 * outranks both.
 */
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from './package-root.ts';

export type CacheChoice =
  | { kind: 'env'; root: string }
  | { kind: 'package'; root: string }
  | { kind: 'user'; root: string; why: 'installed' | 'read-only' };

export interface CacheFacts {
  packageRoot: string;
  /** Whether the package folder can be written to. */
  packageWritable: boolean;
  env: { MODLAB_CACHE_DIR?: string | undefined; XDG_CACHE_HOME?: string | undefined };
  home: string;
}

/** The choice from the facts alone (pure, for tests). */
export function chooseCacheRoot(facts: CacheFacts): CacheChoice {
  const explicit = nonEmpty(facts.env.MODLAB_CACHE_DIR);
  if (explicit !== undefined) return { kind: 'env', root: path.resolve(explicit) };
  // A folder named node_modules anywhere above means npm put the package there: another project's dependency.
  const installed = facts.packageRoot.split(/[\\/]/).includes('node_modules');
  if (!installed && facts.packageWritable) return { kind: 'package', root: path.join(facts.packageRoot, '.cache') };
  // The XDG spec says a relative $XDG_CACHE_HOME is invalid and to be ignored.
  const xdg = nonEmpty(facts.env.XDG_CACHE_HOME);
  const base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(facts.home, '.cache');
  return { kind: 'user', root: path.join(base, 'modlab'), why: installed ? 'installed' : 'read-only' };
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The cache folder for this process, chosen anew at each call (tests change MODLAB_CACHE_DIR as they go). */
export function currentCacheChoice(): CacheChoice {
  return chooseCacheRoot({
    packageRoot: PACKAGE_ROOT,
    packageWritable: writable(PACKAGE_ROOT),
    env: { MODLAB_CACHE_DIR: process.env.MODLAB_CACHE_DIR, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME },
    home: homedir(),
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
