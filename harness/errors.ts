/**
 * Every error class modlab throws, in one place. Each message is written for a
 * person: one sentence naming what was wrong, so the CLI and the page print it
 * as is instead of a stack trace. What they mean to a caller:
 *   InputError     input modlab itself cannot use; nothing reached the guest (CLI exit 2)
 *   ImageError     a kernel image cannot be supplied (exit 3)
 *   BootError      a kernel did not boot to the agent (exit 4)
 *   CrashError     the kernel crashed while a request was outstanding
 *   TransportError the agent did not answer in time, or the machine went away
 *   SnapshotError  a stored machine is not usable (it is deleted, never used)
 */

/** Input modlab cannot use; the message names the field and says what to do. */
export class InputError extends Error {
  override name = 'InputError';
}

export class BootError extends Error {
  override name = 'BootError';
}

/** What the kernel did to itself: an oops (or BUG), a panic, or its OOM killer striking. */
export type CrashKind = 'oops' | 'panic' | 'oom';

export class CrashError extends Error {
  override name = 'CrashError';
  constructor(readonly crash: CrashKind) {
    super(`the kernel crashed (${crash})`);
  }
}

/** The serial transport to the agent failed: no answer by the deadline, closed, or refused. */
export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    message: string,
    readonly reason: 'timeout' | 'closed' | 'agent',
  ) {
    super(message);
  }
}

export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

/** Why a kernel image cannot be supplied; lets callers branch without parsing the message. */
export type ImageErrorCode =
  | 'unknown-kernel' // the id is not in the manifest
  | 'not-found' // no source (cache, mirror, download) produced a verified file
  | 'malformed'; // the bytes are not a kernel v86 can boot

export interface ImageErrorOptions {
  code: ImageErrorCode;
  /** The kernel id the error is about, when there is one. */
  imageId?: string;
  cause?: unknown;
}

export class ImageError extends Error {
  override readonly name = 'ImageError';
  readonly code: ImageErrorCode;
  readonly imageId: string | undefined;

  constructor(message: string, options: ImageErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.imageId = options.imageId;
  }
}

/**
 * A short, single-line description of any thrown value. Follows the `cause`
 * chain to its end, because runtime errors hide the useful part there (Node's
 * fetch reports "fetch failed" with the DNS or TLS error as its cause).
 */
export function describeError(error: unknown): string {
  let text = 'unknown error';
  let current: unknown = error;
  // Bounded, in case a cause chain is cyclic.
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    const message = messageOf(current).replace(/\s+/g, ' ').trim(); // one line, for one-sentence messages
    if (message !== '') text = message;
    current = current instanceof Error ? current.cause : undefined;
  }
  return text;
}

function messageOf(value: unknown): string {
  if (typeof value === 'string') return value;
  // Errors, DOMExceptions and error-like objects from other realms.
  if (typeof value === 'object' && value !== null && 'message' in value && typeof value.message === 'string') {
    return value.message;
  }
  // JSON.stringify gives undefined for these.
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return typeof value;
  try {
    return JSON.stringify(value);
  } catch {
    return typeof value; // e.g. a BigInt or a cyclic object
  }
}
