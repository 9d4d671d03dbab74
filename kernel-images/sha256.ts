/**
 * SHA-256 through Web Crypto, which both Node 20 and browsers provide, so the
 * same verification code runs on either side. Environment-free.
 */

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // Typed as always present, but absent on old runtimes and insecure pages.
  const subtle = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (subtle === undefined) {
    // Browsers hide crypto.subtle outside secure contexts (https or localhost).
    throw new Error('Web Crypto (crypto.subtle) is unavailable here: serve the page over https or from localhost.');
  }
  const digest = new Uint8Array(await subtle.digest('SHA-256', ownBuffer(bytes)));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** Web Crypto refuses views of a SharedArrayBuffer; copy only in that case. */
function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return isArrayBufferView(bytes) ? bytes : new Uint8Array(bytes);
}

function isArrayBufferView(bytes: Uint8Array): bytes is Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer;
}
