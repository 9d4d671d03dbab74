/**
 * Browser target for the C compiler, the mirror of node/compiler.ts: the
 * wasm and the glue come from the page's own origin (the build copies them
 * there as assets), both are checked against compiler/checksums.ts before the
 * glue runs; compileC gets the student headers of guest/include, and
 * compileProgram the headers and runtime of guest/program. The page
 * imports this module lazily, so none of it loads before the tab is used.
 */
import glueUrl from '../compiler/tcc.mjs?url';
import wasmUrl from '../compiler/tcc.wasm?url';
import { TCC_GLUE_SHA256, TCC_WASM_SHA256 } from '../compiler/checksums.ts';
import { compileC, compileProgram as compileProgramWith, verifyCompilerFile } from '../harness/compiler/tcc.ts';
import type { CompileResult, CompilerAssets, ProgramResult, TccFactory } from '../harness/compiler/tcc.ts';
import { fetchBytes } from './fetch-bytes.ts';

/** Vite's eager ?raw glob (path → text) with the given prefix taken off each path, as node/compiler.ts's readTree names files. */
function underFolder(files: Record<string, string>, prefix: string): Readonly<Record<string, string>> {
  return Object.fromEntries(Object.entries(files).map(([path, text]) => {
    if (!path.startsWith(prefix)) throw new Error(`${path} is not under ${prefix}`);
    return [path.slice(prefix.length), text];
  }));
}

/** guest/include, by path under the include folder, as node/compiler.ts studentHeaders reads it. */
export const STUDENT_HEADERS = underFolder(
  import.meta.glob<string>('../guest/include/**/*.h', { query: '?raw', import: 'default', eager: true }),
  '../guest/include/',
);

/** guest/program/include, by path under that folder, as node/compiler.ts programHeaders reads it. */
export const PROGRAM_HEADERS = underFolder(
  import.meta.glob<string>('../guest/program/include/**/*.h', { query: '?raw', import: 'default', eager: true }),
  '../guest/program/include/',
);

/** The programs' runtime sources (guest/program/*.c), by file name. */
export const PROGRAM_RUNTIME = underFolder(
  import.meta.glob<string>('../guest/program/*.c', { query: '?raw', import: 'default', eager: true }),
  '../guest/program/',
);

let cached: Promise<CompilerAssets> | undefined;

/** The verified assets, fetched once per page. */
export function compilerAssets(): Promise<CompilerAssets> {
  cached ??= loadAssets().catch((error: unknown) => {
    // A failed fetch is not remembered: the next compile tries again.
    cached = undefined;
    throw error;
  });
  return cached;
}

async function loadAssets(): Promise<CompilerAssets> {
  const [wasm, glueBytes] = await Promise.all([fetchBytes(wasmUrl, 'the compiler (tcc.wasm)'), fetchBytes(glueUrl, 'the compiler glue (tcc.mjs)')]);
  await verifyCompilerFile('tcc.wasm', wasm, TCC_WASM_SHA256);
  // The glue is code: checked before it is imported. The page's CSP allows no blob: scripts,
  // so the import names the same URL, which the HTTP cache answers with the bytes just checked.
  await verifyCompilerFile('tcc.mjs', glueBytes, TCC_GLUE_SHA256);
  const glue = (await import(/* @vite-ignore */ new URL(glueUrl, document.baseURI).href)) as { default: TccFactory };
  return { wasm, glue: glue.default };
}

/** Compiles a student's module (module.c) against guest/include for the i386 guest. */
export async function compileModule(source: string): Promise<CompileResult> {
  return compileC(await compilerAssets(), source, { fileName: 'module.c', headers: STUDENT_HEADERS });
}

/** Compiles and links a student's program (program.c) with guest/program's headers and runtime into a static i386 executable. */
export async function compileProgram(source: string): Promise<ProgramResult> {
  return compileProgramWith(await compilerAssets(), source, { fileName: 'program.c', headers: PROGRAM_HEADERS, runtime: PROGRAM_RUNTIME });
}
