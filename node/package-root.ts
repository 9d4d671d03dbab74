/**
 * The folder of modlab's package.json: where the guest images, compiler,
 * templates and scenarios are, and where v86 is resolved from. Found by
 * walking up from this module, so that it is right both from the sources
 * (node/package-root.ts, run through tsx) and from the built CLI, whose
 * chunks sit elsewhere (build/cli/chunks/), in a clone or in node_modules.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'modlab';

/** The nearest folder at or above `start` whose package.json is modlab's; null when there is none. */
export function findPackageRoot(start: string): string | null {
  for (let dir = start; ; ) {
    if (isModlabPackage(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function isModlabPackage(file: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && (parsed as Record<string, unknown>)['name'] === PACKAGE_NAME;
  } catch {
    return false;
  }
}

function locate(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = findPackageRoot(here);
  // Only a copy of the code without its package.json gets here: nothing modlab reads could be found either.
  if (root === null) throw new Error(`modlab cannot find its package.json above ${here}`);
  return root;
}

export const PACKAGE_ROOT = locate();

/** A path inside the package, from its parts (e.g. packagePath('guest', 'images')). */
export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}
