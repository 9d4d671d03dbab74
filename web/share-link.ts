/**
 * Share links: a call and its kernel as URL parameters, written and read by
 * the call model (callToParams / callFromParams), so a link carries exactly
 * what the form would run. Links shared by older pages use the same
 * parameter names and still open the same call.
 */
import { isKernelId, type KernelId } from '../kernel-images/manifest.ts';
import { MAX_LINK_NAME } from '../harness/calls/args.ts';
import { callFromParams, callToParams, type Call } from '../harness/calls/model.ts';

/** The query string of a link, or the argument too long to go into one. */
export type ShareQuery = { query: string } | { tooLong: string };

/** `run` asks the page to make the call as soon as the kernel is up. */
export function shareQuery(kernel: KernelId, call: Call, run: boolean): ShareQuery {
  const p = callToParams(call);
  if ('tooLong' in p) return p;
  const q = new URLSearchParams([['kernel', kernel], ...p.params]);
  if (run) q.set('run', '1');
  return { query: `?${q.toString()}` };
}

export interface LinkRequest {
  /** null when the link names no kernel modlab knows. */
  kernel: KernelId | null;
  /** The call as scenario JSON for the form to show and check; null when the link names no call modlab knows. */
  call: Record<string, unknown> | null;
  run: boolean;
}

/** What a link asks for. Never throws: whatever the parameters, the form gets values or its defaults. */
export function readLink(search: string): LinkRequest {
  const q = new URLSearchParams(search);
  const kernel = q.get('kernel');
  return {
    kernel: kernel !== null && isKernelId(kernel) ? kernel : null,
    call: callFromParams((name) => q.get(name)),
    run: q.get('run') === '1',
  };
}

/** Why a call has no link, in words for the page. */
export function tooLongText(key: string): string {
  const why = key === 'name' ? `over ${MAX_LINK_NAME} characters, and not a short unit repeated` : `over ${MAX_LINK_NAME} characters written out`;
  return `The ${key} is too long for a link (${why}), so this call has no link.`;
}
