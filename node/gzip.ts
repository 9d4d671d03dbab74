/**
 * gzip for saved machines through Node's zlib: the same bytes as the
 * platform's CompressionStream, about three times faster to inflate (a 2.4
 * state: ~30 ms against ~90 ms), on the thread pool rather than the event
 * loop a running emulator shares.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { GzipCodec } from '../harness/compression.ts';

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

export const zlibGzip: GzipCodec = {
  // Level 1: a 2.4 state to 1.4 MB in ~90 ms; level 6 saves another tenth for three times the time.
  compress: async (bytes) => new Uint8Array(await gzip(bytes, { level: 1 })),
  decompress: async (bytes, limit) => {
    try {
      // One output chunk of exactly the expected size: the default 16 KiB chunks cost ~800 thread-pool round
      // trips for a 2.4 state (inflate ~90 ms against ~20 ms), and more when the event loop is busy; a chunk
      // one byte larger made the result a view that had to be copied (14 MB) before v86 could take it.
      const chunkSize = Math.max(zlib.constants.Z_MIN_CHUNK, limit);
      const out = await gunzip(bytes, { maxOutputLength: Math.max(1, limit), chunkSize });
      return out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? new Uint8Array(out.buffer) : new Uint8Array(out);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return null;
      throw e;
    }
  },
};
