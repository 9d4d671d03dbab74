/**
 * Builds the CLI ahead of time: cli/main.ts and everything it imports become
 * JavaScript in build/cli/, so `modlab` starts without compiling TypeScript.
 * Code splitting keeps what only some commands need (the emulator, the C
 * compiler, the multi-kernel reports) in chunks loaded by import(). npm
 * packages stay outside the bundle and are resolved from node_modules as
 * usual. Run by `npm run build:cli`, and with --clean by `prepare` (npm
 * install in a clone, npm pack).
 *
 * A rebuild may happen while CLI processes run (tests, a bench): chunks are
 * named by their content and written beside the old ones, each file through
 * a temporary name and a rename, the entry last, so a running process never
 * meets a missing or half-written file. Chunks no build uses any more are
 * removed once they are an hour old, or at once with --clean.
 */
import { build } from 'esbuild';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUT_DIR = path.join(ROOT, 'build', 'cli');
const ENTRY = 'modlab.mjs';
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
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { modlab: 'cli/main.ts' },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    chunkNames: `${CHUNKS}/[name]-[hash]`,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    // v86 through V8's code cache (see node/v86-code-cache.ts); the sources and the browser import v86 itself.
    alias: { v86: './node/v86-code-cache.ts' },
    // Not minified: an unexpected error's stack trace (exit 1) stays readable.
    minify: false,
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
  });
  const entry = path.join(outDir, ENTRY);
  // The entry last: once it names the new chunks, they are all in place.
  const files = [...result.outputFiles].sort((a, b) => Number(a.path === entry) - Number(b.path === entry));
  for (const file of files) await writeAtomically(file.path, file.contents);
  await prune(outDir, new Set(files.map((f) => f.path)), options.clean ?? false);
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
