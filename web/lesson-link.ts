/**
 * A lesson in a link: a teacher shares `…/#lesson=<the lesson, deflated,
 * base64url>`. The fragment, as for code links: browsers never send it to a
 * server and no server limits its length. Reading never throws and never
 * runs anything: a link that cannot be used gets one sentence.
 */
import { compress, decompress } from '../harness/compression.ts';
import { MAX_LESSON_BYTES, readLesson, type LessonRead } from './lesson.ts';
import { fromBase64Url, toBase64Url } from './base64url.ts';

const FORMAT = 'deflate-raw';
/** Base64 of a lesson that did not compress at all, with room to spare; anything longer is refused unread. */
const MAX_ENCODED = 100_000;
const SOURCE = 'The lesson in this link';

/** The fragment (starting with #) that carries a lesson's JSON text. */
export async function lessonFragment(text: string): Promise<string> {
  const deflated = await compress(new TextEncoder().encode(text), FORMAT);
  return `#lesson=${toBase64Url(deflated)}`;
}

/**
 * The lesson a link's fragment carries; null when it carries none (no
 * `lesson` in the fragment: a code link, or none at all).
 */
export async function readLessonFragment(hash: string): Promise<LessonRead | null> {
  const encoded = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash).get('lesson');
  if (encoded === null) return null;
  const damaged = 'The lesson in this link is damaged: it may have been cut short when it was copied. Nothing was run.';
  if (encoded.length === 0) return { problem: 'The link names a lesson but carries none. Nothing was run.' };
  if (encoded.length > MAX_ENCODED) return { problem: `The lesson in this link is too long (${encoded.length} characters; a lesson may have at most ${MAX_LESSON_BYTES / 1024} KiB). Nothing was run.` };
  const deflated = fromBase64Url(encoded);
  if (!deflated) return { problem: damaged };
  let bytes: Uint8Array | null;
  try {
    bytes = await decompress(deflated, FORMAT, MAX_LESSON_BYTES);
  } catch {
    return { problem: damaged };
  }
  if (!bytes) return { problem: `The lesson in this link is over ${MAX_LESSON_BYTES / 1024} KiB once decompressed, more than a lesson may have. Nothing was run.` };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { problem: 'The lesson in this link is not text (it is not valid UTF-8). Nothing was run.' };
  }
  return readLesson(text, SOURCE);
}
