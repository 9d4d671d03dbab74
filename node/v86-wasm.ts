/**
 * v86's WebAssembly for the Node target, read and compiled once per process
 * (BootAssets.v86Wasm): every machine the process starts (a compare runs
 * several) instantiates the same module, and the first compile runs while
 * the snapshot is still being read. (Started earlier, before v86's
 * JavaScript loads, a one-shot call came out ~25 ms slower on this 2-core
 * machine: the compile's threads took the main thread's core.)
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { V86WasmFn } from '../harness/machine/assets.ts';
import { PACKAGE_ROOT } from './package-root.ts';

/** v86.wasm beside the v86 this package resolves (from the package's folder: the built CLI's chunks sit elsewhere). */
export function v86WasmPath(): string {
  return join(createRequire(join(PACKAGE_ROOT, 'package.json')).resolve('v86'), '..', 'v86.wasm');
}

const compiled = new Map<string, Promise<V86WasmFn>>();

export function nodeV86Wasm(file = v86WasmPath()): Promise<V86WasmFn> {
  let wasm = compiled.get(file);
  if (!wasm) {
    // Read at once (2 MB from the page cache, ~1 ms): read as a promise it took ~15 ms of event-loop turns that a
    // busy start-up delays, and the compile waited for them.
    wasm = Promise.resolve()
      .then(() => WebAssembly.compile(readFileSync(file)))
      .then((module): V86WasmFn => async (imports) => (await WebAssembly.instantiate(module, imports)).exports);
    // A failure is heard where a machine is set up (its `loaded` fails); the next machine tries again.
    wasm.catch(() => compiled.delete(file));
    compiled.set(file, wasm);
  }
  return wasm;
}
