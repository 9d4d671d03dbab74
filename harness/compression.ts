/**
 * Compression with what every platform modlab runs on has built in: the
 * Compression Streams API (Node 18+, every current browser). Used for saved
 * machines (gzip) and code in share links (deflate-raw). A target may hand
 * the snapshot code a faster codec of its own (Node's zlib); the bytes are
 * the same format either way.
 */

export type CompressionFormat = 'gzip' | 'deflate-raw';

/** A gzip codec: how snapshot states are stored. */
export interface GzipCodec {
  compress(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array>;
  /** The inflated bytes, or null as soon as there would be more than `limit`; throws on damaged input. */
  decompress(bytes: Uint8Array<ArrayBuffer>, limit: number): Promise<Uint8Array<ArrayBuffer> | null>;
}

/** All of a stream's bytes, or null as soon as there are more than `limit` (a small input may inflate to gigabytes). */
async function readAtMost(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function transform(bytes: Uint8Array<ArrayBuffer>, stream: CompressionStream | DecompressionStream, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const writer = stream.writable.getWriter();
  // The write and close settle only as the output is read: not awaited here, their errors surface in the read.
  writer.write(bytes).catch(() => undefined);
  writer.close().catch(() => undefined);
  return readAtMost(stream.readable, limit);
}

export async function compress(bytes: Uint8Array<ArrayBuffer>, format: CompressionFormat): Promise<Uint8Array> {
  return (await transform(bytes, new CompressionStream(format), Number.MAX_SAFE_INTEGER)) ?? new Uint8Array();
}

/** The inflated bytes, or null when they would be more than `limit`; throws on damaged input. */
export function decompress(bytes: Uint8Array<ArrayBuffer>, format: CompressionFormat, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  return transform(bytes, new DecompressionStream(format), limit);
}

/** gzip through the platform's streams: what the browser uses. */
export const streamGzip: GzipCodec = {
  compress: (bytes) => compress(bytes, 'gzip'),
  decompress: (bytes, limit) => decompress(bytes, 'gzip', limit),
};
