/**
 * Browser target for the XZ decoder, the mirror of node/unxz.ts: the wasm
 * comes from the page's own origin (the build copies it there as an asset),
 * is checked against unxz/checksums.ts, and is fetched only when an XZ
 * kernel (6.1) boots without a saved machine.
 */
import wasmUrl from '../unxz/unxz.wasm?url';
import { UNXZ_WASM_SHA256 } from '../unxz/checksums.ts';
import { startUnxz, verifyUnxzWasm, type XzDecoder } from '../harness/machine/unxz.ts';
import { fetchBytes } from './fetch-bytes.ts';

let cached: Promise<XzDecoder> | undefined;

export function browserUnxz(): Promise<XzDecoder> {
  cached ??= fetchBytes(wasmUrl, 'the XZ decoder (unxz.wasm)')
    .then(async (wasm) => {
      await verifyUnxzWasm('unxz.wasm', wasm, UNXZ_WASM_SHA256);
      return startUnxz(wasm);
    })
    .catch((error: unknown) => {
      // A failed fetch is not remembered: the next boot tries again.
      cached = undefined;
      throw error;
    });
  return cached;
}
