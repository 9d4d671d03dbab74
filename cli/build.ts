/**
 * Builds the CLI ahead of time, so `modlab` starts without compiling
 * TypeScript, into build/cli/:
 *   - chunks/cli-<hash>.cjs: cli/main.ts and everything it imports, as one
 *     CommonJS script that cli/start.ts runs through V8's code cache (Node 20
 *     caches no ES module's compile). What only some commands need (the
 *     emulator, the compiler, the multi-kernel reports) is reached through
 *     import() in the sources; in the bundle those modules are set up only
 *     when a command first asks for them, and v86 and the compiler load
 *     their own files then.
 *   - modlab.mjs: cli/start.ts, the small ES module bin/modlab.mjs imports.
 * npm packages stay outside the bundle and are resolved from node_modules as
 * usual. Run by `npm run build:cli`, and with --clean by `prepare` (npm
 * install in a clone, npm pack).
 *
 * A rebuild may happen while CLI processes run (tests, a bench): the bundle is
 * named by its content and written beside the old ones, each file through a
 * temporary name and a rename, the entry last, so a running process never
 * meets a missing or half-written file. Files no build uses any more are
 * removed once they are an hour old, or at once with --clean.
 */
import { createHash } from 'node:crypto';
import { build, type Plugin } from 'esbuild';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUT_DIR = path.join(ROOT, 'build', 'cli');
const ENTRY = 'modlab.mjs';
/** The bundle's name before its hash (cli/start.ts finds other builds' code caches by it). */
const BUNDLE_PREFIX = 'cli-';
const CHUNKS = 'chunks';
/** A CLI process that started before a rebuild may still import its chunks this long after. */
const STALE_CHUNK_MS = 60 * 60_000;

export interface BuildOptions {
  /** Where to write (tests build elsewhere; bin/modlab.mjs runs build/cli). */
  outDir?: string;
  /** Remove every file this build did not write, now (for a package's tarball). */
  clean?: boolean;
}

export async function buildCli(options: BuildOptions = {}): Promise<void> {
  const outDir = options.outDir ?? OUT_DIR;
  const bundle = await buildBundle();
  const bundleName = `${CHUNKS}/${BUNDLE_PREFIX}${createHash('sha256').update(bundle).digest('hex').slice(0, 12).toUpperCase()}.cjs`;
  const entry = await build({
    absWorkingDir: ROOT,
    entryPoints: ['cli/start.ts'],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    define: { MODLAB_CLI_BUNDLE: JSON.stringify(`./${bundleName}`) },
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
  });
  const written = [path.join(outDir, bundleName), path.join(outDir, ENTRY)];
  // The entry last: once it names the new bundle, the bundle is in place.
  await writeAtomically(written[0] as string, bundle);
  await writeAtomically(written[1] as string, onlyOutput(entry.outputFiles));
  await prune(outDir, new Set(written), options.clean ?? false);
}

/** cli/main.ts and all it imports, as one CommonJS script for node/cached-script.ts to run. */
async function buildBundle(): Promise<Uint8Array> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['cli/main.ts'],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    // `#v86` (package.json imports) is bundled: the Node target's loader, v86 patched and through V8's code cache (node/v86-code-cache.ts).
    plugins: [bundledImportUrl],
    // What node/cached-script.ts hands the script: its own URL for the one module that reads import.meta.url (node/package-root.ts).
    define: { 'import.meta.url': '__modlabImportMetaUrl' },
    // Only Node's own modules are left to import() (child_process): as require(), which the script has.
    supported: { 'dynamic-import': false },
    // Not minified: an unexpected error's stack trace (exit 1) stays readable.
    minify: false,
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
  });
  return onlyOutput(result.outputFiles);
}

/** node/import-url.ts becomes cli/bundled-import-url.ts: the script's import() is the entry's. */
const bundledImportUrl: Plugin = {
  name: 'bundled-import-url',
  setup(b) {
    b.onResolve({ filter: /[\\/]import-url\.ts$/ }, () => ({ path: path.join(ROOT, 'cli', 'bundled-import-url.ts') }));
  },
};

function onlyOutput(files: readonly { contents: Uint8Array }[] | undefined): Uint8Array {
  if (files?.length !== 1) throw new Error(`esbuild wrote ${files?.length ?? 0} files where one was expected`);
  return (files[0] as { contents: Uint8Array }).contents;
}

async function writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
}

/** Removes what this build did not write: at once with `clean`, else files older than STALE_CHUNK_MS. */
async function prune(outDir: string, written: ReadonlySet<string>, clean: boolean): Promise<void> {
  const entries = await readdir(outDir, { recursive: true, withFileTypes: true });
  const now = Date.now();
  for (const e of entries) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    if (written.has(file)) continue;
    if (clean || now - (await stat(file)).mtimeMs > STALE_CHUNK_MS) await rm(file, { force: true });
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  await buildCli({ clean: process.argv.includes('--clean') });
  process.stdout.write(`built the CLI into ${path.relative(process.cwd(), OUT_DIR) || '.'} in ${Math.round(performance.now() - t0)} ms\n`);
}
