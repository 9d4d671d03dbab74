/**
 * Node target for the C compiler: reads compiler/tcc.wasm and the glue
 * compiler/tcc.mjs from the repo, checks both against compiler/checksums.ts
 * before either runs, and hands them to the core's compileC (modules, with
 * guest/include) and compileProgram (programs, with guest/program).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TCC_GLUE_SHA256, TCC_WASM_SHA256 } from '../compiler/checksums.ts';
import { compileC, compileProgram, verifyCompilerFile } from '../harness/compiler/tcc.ts';
import type { CompileOptions, CompileResult, CompilerAssets, ProgramResult, TccFactory } from '../harness/compiler/tcc.ts';

import { importUrl } from './import-url.ts';
import { packagePath } from './package-root.ts';

// From the package's folder: the built CLI's chunks are not beside compiler/ and guest/.
const WASM_URL = pathToFileURL(packagePath('compiler', 'tcc.wasm'));
const GLUE_URL = pathToFileURL(packagePath('compiler', 'tcc.mjs'));
const GUEST_DIR = packagePath('guest');

/** Where the compiler's files are read from; tests point it at copies. */
export interface CompilerFiles {
  wasm: URL;
  glue: URL;
}

let cached: Promise<CompilerAssets> | undefined;

/** The verified assets; the committed files are read once per process. */
export function compilerAssets(files?: CompilerFiles): Promise<CompilerAssets> {
  if (files !== undefined) return loadAssets(files);
  cached ??= loadAssets({ wasm: WASM_URL, glue: GLUE_URL }).catch((error: unknown) => {
    // A failed read is not remembered: the next call tries again.
    cached = undefined;
    throw error;
  });
  return cached;
}

async function loadAssets(files: CompilerFiles): Promise<CompilerAssets> {
  const [wasm, glueBytes] = await Promise.all([readFile(files.wasm), readFile(files.glue)]);
  await verifyCompilerFile(fileURLToPath(files.wasm), wasm, TCC_WASM_SHA256);
  // The glue is code: checked before it is imported, not after.
  await verifyCompilerFile(fileURLToPath(files.glue), glueBytes, TCC_GLUE_SHA256);
  const glue = (await importUrl(files.glue.href)) as { default: TccFactory };
  return { wasm: new Uint8Array(wasm), glue: glue.default };
}

/** Compiles a freestanding C source for the i386 guest (see harness/compiler/tcc.ts). */
export async function compileCFile(source: string, options: CompileOptions = {}): Promise<CompileResult> {
  return compileC(await compilerAssets(), source, options);
}

/** Compiles and links a program for the guest with guest/program's headers and runtime (see compileProgram). */
export async function compileProgramFile(source: string, options: { fileName?: string } = {}): Promise<ProgramResult> {
  const [headers, runtime] = await Promise.all([programHeaders(), programRuntime()]);
  return compileProgram(await compilerAssets(), source, { ...options, headers, runtime });
}

/** The files under root whose names end in ext, by their path under root with / between folders. */
async function readTree(root: string, ext: string, recursive: boolean): Promise<Record<string, string>> {
  const entries = await readdir(root, { recursive, withFileTypes: true });
  const files: Record<string, string> = {};
  for (const e of entries) {
    if (!e.isFile() || !e.name.endsWith(ext)) continue;
    const file = join(e.parentPath, e.name);
    files[relative(root, file).split(sep).join('/')] = await readFile(file, 'utf8');
  }
  return files;
}

const trees = new Map<string, Promise<Record<string, string>>>();

/** readTree once per process, like the compiler's own files: a compile should not re-read the repo's headers. */
function committedTree(root: string, ext: string, recursive: boolean): Promise<Record<string, string>> {
  const key = `${root}\0${ext}`;
  let tree = trees.get(key);
  if (!tree) {
    tree = readTree(root, ext, recursive).catch((error: unknown) => {
      // A failed read is not remembered: the next call tries again.
      trees.delete(key);
      throw error;
    });
    trees.set(key, tree);
  }
  return tree;
}

/** The headers written here for students' modules (guest/include), by path under the include folder. */
export function studentHeaders(): Promise<Record<string, string>> {
  return committedTree(join(GUEST_DIR, 'include'), '.h', true);
}

/** The headers for students' programs (guest/program/include), by path under that folder. */
export function programHeaders(): Promise<Record<string, string>> {
  return committedTree(join(GUEST_DIR, 'program', 'include'), '.h', true);
}

/** The programs' runtime sources (guest/program/*.c), by file name. */
export function programRuntime(): Promise<Record<string, string>> {
  return committedTree(join(GUEST_DIR, 'program'), '.c', false);
}
