/**
 * Browser target for the C compiler, the mirror of node/compiler.ts: the
 * wasm and the glue come from the page's own origin (the build copies them
 * there as assets), both are checked against compiler/checksums.ts before the
 * glue runs, and compileC gets the student headers of guest/include. The page
 * imports this module lazily, so none of it loads before the tab is used.
 */
import glueUrl from '../compiler/tcc.mjs?url';
import wasmUrl from '../compiler/tcc.wasm?url';
import { TCC_GLUE_SHA256, TCC_WASM_SHA256 } from '../compiler/checksums.ts';
import initH from '../guest/include/linux/init.h?raw';
import kernelH from '../guest/include/linux/kernel.h?raw';
import moduleH from '../guest/include/linux/module.h?raw';
import slabH from '../guest/include/linux/slab.h?raw';
import stringH from '../guest/include/linux/string.h?raw';
import { compileC, verifyCompilerFile } from '../harness/compiler/tcc.ts';
import type { CompileResult, CompilerAssets, TccFactory } from '../harness/compiler/tcc.ts';
import { fetchBytes } from './fetch-bytes.ts';

/** guest/include, by path under the include folder, as node/compiler.ts studentHeaders reads it. */
export const STUDENT_HEADERS: Readonly<Record<string, string>> = {
  'linux/init.h': initH,
  'linux/kernel.h': kernelH,
  'linux/module.h': moduleH,
  'linux/slab.h': slabH,
  'linux/string.h': stringH,
};


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
