/**
 * Node target for the XZ decoder: reads unxz/unxz.wasm from the package,
 * checks it against unxz/checksums.ts and starts it (harness/machine/unxz.ts).
 * Read once per process, and only when an XZ kernel is unpacked.
 */
import { readFile } from 'node:fs/promises';
import { UNXZ_WASM_SHA256 } from '../unxz/checksums.ts';
import { startUnxz, verifyUnxzWasm, type XzDecoder } from '../harness/machine/unxz.ts';
import { packagePath } from './package-root.ts';

let cached: Promise<XzDecoder> | undefined;

/** The decoder over the committed wasm (or the file given, for tests). */
export function nodeUnxz(file: string = packagePath('unxz', 'unxz.wasm')): Promise<XzDecoder> {
  if (file !== packagePath('unxz', 'unxz.wasm')) return load(file);
  cached ??= load(file).catch((error: unknown) => {
    // A failed read is not remembered: the next boot tries again.
    cached = undefined;
    throw error;
  });
  return cached;
}

async function load(file: string): Promise<XzDecoder> {
  const wasm = new Uint8Array(await readFile(file));
  await verifyUnxzWasm(file, wasm, UNXZ_WASM_SHA256);
  return startUnxz(wasm);
}
