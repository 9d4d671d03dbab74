/**
 * Code in a share link: a teacher hands out an exercise as a URL. The source
 * travels deflated (the platform's CompressionStream) and base64url-encoded
 * in the fragment, with its kind and module name. The fragment, not the
 * query: browsers never send it to a server, and it has no server's length
 * limit. Reading never throws: a link that cannot be used gets a sentence.
 */
import { compress, decompress } from '../harness/compression.ts';
import type { TemplateKind } from '../templates/catalog.ts';
import { fromBase64Url, toBase64Url } from './base64url.ts';

export interface SharedCode {
  kind: TemplateKind;
  /** The module's name (as insmod took it from the file), or the program's. */
  name: string;
  source: string;
}

/** The most source a link may carry, in UTF-8 bytes, decompressed: an exercise, not a kernel. */
export const MAX_SHARED_SOURCE = 64 * 1024;
/** Base64 of 64 KiB that did not compress at all, with room to spare; anything longer is refused unread. */
const MAX_ENCODED = 100_000;
/** What the lab accepts as a name from a link: it becomes a module name or a file name in the guest. */
const NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,55}$/;
const FORMAT = 'deflate-raw';

export function isLinkName(name: string): boolean {
  return NAME.test(name);
}

export type CodeLinkRead = { code: SharedCode } | { problem: string } | null;

/** Why this source cannot go into a link, or null when it can. */
export function sourceProblem(source: string): string | null {
  const size = new TextEncoder().encode(source).length;
  if (size > MAX_SHARED_SOURCE) return `The source is ${size} bytes, over the ${MAX_SHARED_SOURCE / 1024} KiB a link may carry, so it has no link.`;
  return null;
}

/** The fragment (starting with #) that carries the code. */
export async function codeFragment(code: SharedCode): Promise<string> {
  const deflated = await compress(new TextEncoder().encode(code.source), FORMAT);
  const p = new URLSearchParams([
    ['kind', code.kind],
    ['name', code.name],
    ['code', toBase64Url(deflated)],
  ]);
  return `#${p.toString()}`;
}

/**
 * The code a link's fragment carries; null when it carries none (a fragment
 * without `code`). Every problem is one sentence for the page; nothing here throws.
 */
export async function readCodeFragment(hash: string): Promise<CodeLinkRead> {
  const p = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const encoded = p.get('code');
  if (encoded === null) return null;
  const kind = p.get('kind') ?? 'module';
  if (kind !== 'module' && kind !== 'program') return { problem: `The link says its code is a ${JSON.stringify(kind.slice(0, 40))}; modlab knows a module or a program only.` };
  const name = p.get('name') ?? (kind === 'module' ? 'module' : 'program');
  if (!NAME.test(name)) return { problem: `The link names its code ${JSON.stringify(name.slice(0, 60))}; a name is a letter or _ then up to 55 letters, digits, _ or -.` };
  if (encoded.length > MAX_ENCODED) return { problem: `The code in this link is too long (${encoded.length} characters; a link carries at most ${MAX_SHARED_SOURCE / 1024} KiB of source).` };
  const deflated = fromBase64Url(encoded);
  if (!deflated) return { problem: 'The code in this link is damaged (it is not base64url text): it may have been cut short when it was copied.' };
  let bytes: Uint8Array | null;
  try {
    bytes = await decompress(deflated, FORMAT, MAX_SHARED_SOURCE);
  } catch {
    return { problem: 'The code in this link is damaged (it does not decompress): it may have been cut short when it was copied.' };
  }
  if (!bytes) return { problem: `The code in this link is over ${MAX_SHARED_SOURCE / 1024} KiB once decompressed, more than a link may carry.` };
  let source: string;
  try {
    source = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { problem: 'The code in this link is not text (it is not valid UTF-8).' };
  }
  return { code: { kind, name, source } };
}
