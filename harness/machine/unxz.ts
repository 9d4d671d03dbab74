/**
 * The XZ decoder (unxz/unxz.wasm: liblzma's decoder, built by unxz/build.ts)
 * run from the core: a target hands over the wasm bytes, checked here against
 * unxz/checksums.ts, and gets a decoder for whole .xz buffers. Used by the
 * host-unpack tuning for kernels whose payload is XZ (6.1). Environment-free:
 * WebAssembly is common to Node and browsers, declared below for the core's
 * typecheck.
 */
import { sha256Hex } from '../../kernel-images/sha256.ts';

/** The exports unxz.c gives (pointers and sizes are wasm32 numbers). */
interface UnxzExports {
  memory: { buffer: ArrayBuffer };
  _initialize(): void;
  unxz_alloc(size: number): number;
  unxz_free(pointer: number): void;
  unxz_decode(input: number, inputSize: number, inputPos: number, output: number, outputSize: number, outputPos: number, memlimit: number): number;
}

/** The part of the WebAssembly API used here, which both targets provide. */
interface WasmApi {
  compile(bytes: Uint8Array<ArrayBuffer>): Promise<object>;
  instantiate(module: object, imports: Record<string, Record<string, () => void>>): Promise<{ exports: unknown }>;
}

export type XzResult =
  | { ok: true; /** The decoded bytes. */ output: Uint8Array; /** How many input bytes the stream took (a kernel payload has its size word after it). */ consumed: number }
  | { ok: false; reason: string };

export interface XzDecoder {
  /** Decodes the first .xz stream of `input`, refusing output past `maxOutput` bytes or a decoder needing more than `memlimit`. */
  decode(input: Uint8Array, maxOutput: number, memlimit: number): Promise<XzResult>;
}

/** What liblzma's lzma_ret values mean here (lzma/base.h). */
const LZMA_RET: Record<number, string> = {
  5: 'the decoder ran out of memory',
  6: 'the stream needs more memory than the limit',
  7: 'not an .xz stream',
  8: 'the stream uses a filter or option this decoder does not have',
  9: 'the stream is damaged (a check failed or the data is corrupt)',
  10: 'the stream is cut short, or decodes to more than allowed',
  11: 'the decoder was misused',
};

export async function verifyUnxzWasm(name: string, bytes: Uint8Array, expected: string): Promise<void> {
  const actual = await sha256Hex(bytes);
  if (actual !== expected) throw new Error(`the XZ decoder ${name} is corrupt or from another build (sha256 ${actual}, expected ${expected}); run npm run build:unxz or restore it`);
}

function wasmApi(): WasmApi {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) throw new Error('WebAssembly is not available here');
  return api;
}

/**
 * A decoder over the given (already checked) wasm. Each decode runs in a
 * fresh instance, so the tens of MiB a kernel takes go away with it.
 */
export async function startUnxz(wasm: Uint8Array): Promise<XzDecoder> {
  const api = wasmApi();
  const module = await api.compile(new Uint8Array(wasm));
  // Its one import: emscripten tells the host when memory grew; views are made after decoding.
  const imports = { env: { emscripten_notify_memory_growth: (): void => {} } };
  return {
    async decode(input, maxOutput, memlimit) {
      const exports = (await api.instantiate(module, imports)).exports as UnxzExports;
      exports._initialize();
      const inAt = exports.unxz_alloc(input.length);
      const outAt = exports.unxz_alloc(maxOutput);
      const positions = exports.unxz_alloc(8);
      if (inAt === 0 || outAt === 0 || positions === 0) return { ok: false, reason: `the decoder could not set aside ${input.length + maxOutput} bytes` };
      new Uint8Array(exports.memory.buffer).set(input, inAt);
      const ret = exports.unxz_decode(inAt, input.length, positions, outAt, maxOutput, positions + 4, memlimit);
      const view = new DataView(exports.memory.buffer);
      if (ret !== 0) return { ok: false, reason: LZMA_RET[ret] ?? `liblzma error ${ret}` };
      const consumed = view.getUint32(positions, true);
      const written = view.getUint32(positions + 4, true);
      return { ok: true, output: new Uint8Array(exports.memory.buffer, outAt, written).slice(), consumed };
    },
  };
}
