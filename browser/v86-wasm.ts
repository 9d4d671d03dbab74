/**
 * v86's WebAssembly for the page (BootAssets.v86Wasm), compiled once per
 * page and shared by its machines (a reset, each kernel of the tour). It is
 * compiled from the streamed response, as it arrives: Chromium then keeps the
 * compiled code beside the file in its HTTP cache, which a later visit uses
 * instead of compiling the 2 MB again; v86's own loader compiles from an
 * ArrayBuffer, which is never cached.
 */
import type { V86WasmFn } from '../harness/machine/assets.ts';
import { fetchBytes } from './fetch-bytes.ts';

const compiled = new Map<string, Promise<V86WasmFn>>();

export function browserV86Wasm(url: string): Promise<V86WasmFn> {
  let wasm = compiled.get(url);
  if (!wasm) {
    wasm = compileFrom(url).then((module): V86WasmFn => async (imports) => (await WebAssembly.instantiate(module, imports)).exports);
    // A failure is heard where a machine is set up (its `loaded` fails); the next machine tries again.
    wasm.catch(() => compiled.delete(url));
    compiled.set(url, wasm);
  }
  return wasm;
}

async function compileFrom(url: string): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compileStreaming(fetch(url, { signal: AbortSignal.timeout(60_000) }));
  } catch {
    // A host that serves .wasm as another type refuses the streamed compile: from the bytes then (the HTTP cache has them).
    return WebAssembly.compile(new Uint8Array(await fetchBytes(url, "v86's WebAssembly")));
  }
}
