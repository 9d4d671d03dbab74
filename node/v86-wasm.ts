/**
 * v86's WebAssembly for the Node target, read and compiled once per process
 * (BootAssets.v86Wasm): every machine the process starts (a compare runs
 * several) instantiates the same module, and the first compile runs while
 * the images and the snapshot are still being read.
 */
import { readFile } from 'node:fs/promises';
import type { V86WasmFn } from '../harness/machine/assets.ts';

const compiled = new Map<string, Promise<V86WasmFn>>();

export function nodeV86Wasm(file: string): Promise<V86WasmFn> {
  let wasm = compiled.get(file);
  if (!wasm) {
    wasm = readFile(file)
      .then((bytes) => WebAssembly.compile(bytes))
      .then((module): V86WasmFn => async (imports) => (await WebAssembly.instantiate(module, imports)).exports);
    // A failure is heard where a machine is set up (its `loaded` fails); the next machine tries again.
    wasm.catch(() => compiled.delete(file));
    compiled.set(file, wasm);
  }
  return wasm;
}
