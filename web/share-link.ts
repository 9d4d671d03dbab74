/**
 * Share links: a call and its kernel as URL parameters, written and read by
 * the call model (callToParams / callFromParams), so a link carries exactly
 * what the form would run. Links shared by older pages use the same
 * parameter names and still open the same call.
 */
import { isKernelId, KERNEL_IDS, type KernelId } from '../kernel-images/manifest.ts';
import { isUserKernelId, type UserKernelId } from '../kernel-images/user-kernel.ts';
import { MAX_LINK_NAME, quote } from '../harness/calls/args.ts';
import { CALL_SPECS, callFromParams, callSpec, callToParams, type Call } from '../harness/calls/model.ts';

/** The query string of a link, or the argument too long to go into one. */
export type ShareQuery = { query: string } | { tooLong: string };

/**
 * A user's kernel image as a link names it: a link cannot carry the image,
 * so it says which version, which bytes (sha256) and which file to open.
 */
export interface ImageLink {
  id: UserKernelId;
  sha256: string;
  file: string;
}

/** File names a link repeats: short, a base name, and nothing a page or terminal would act on. */
function isLinkFileName(file: string): boolean {
  return file.length >= 1 && file.length <= 128 && [...file].every((c) => c.charCodeAt(0) >= 0x20 && c !== '\u007f' && c !== '/' && c !== '\\');
}

/** `run` asks the page to make the call as soon as the kernel is up. */
export function shareQuery(kernel: KernelId | ImageLink, call: Call, run: boolean): ShareQuery {
  const p = callToParams(call);
  if ('tooLong' in p) return p;
  const named: Array<[string, string]> = typeof kernel === 'string' ? [['kernel', kernel]] : [['kernel', kernel.id], ['sha256', kernel.sha256], ['file', kernel.file]];
  const q = new URLSearchParams([...named, ...p.params]);
  if (run) q.set('run', '1');
  return { query: `?${q.toString()}` };
}

export interface LinkRequest {
  /** null when the link names no kernel modlab knows (or a user's image: see image). */
  kernel: KernelId | null;
  /** The user's kernel image the link was made on, which the page must be given again. */
  image: ImageLink | null;
  /** The call as scenario JSON for the form to show and check; null when the link names no call modlab knows. */
  call: Record<string, unknown> | null;
  run: boolean;
  /** What in the link modlab cannot use, one sentence each; the page says them and runs nothing. */
  problems: string[];
}

/**
 * The parameters any call's arguments are read from, asked of the model
 * itself so the list cannot drift. A kind may ask for one parameter only
 * when another is present (times after repeat), so each one found is given
 * in turn until no new name is asked for.
 */
function argParams(): Set<string> {
  const asked = new Set<string>(['uid']);
  const probe = (present: string | null): void => {
    for (const spec of CALL_SPECS) {
      for (const a of spec.args) {
        a.kind.fromParams(a.key, (name) => {
          asked.add(name);
          return name === present ? '' : null;
        });
      }
    }
  };
  probe(null);
  const tried = new Set<string>();
  for (let next = [...asked].find((n) => !tried.has(n)); next !== undefined; next = [...asked].find((n) => !tried.has(n))) {
    tried.add(next);
    probe(next);
  }
  return asked;
}

const ARG_PARAMS = argParams();

/** What a link asks for. Never throws: whatever the parameters, the form gets values or its defaults, and what was wrong is named. */
export function readLink(search: string): LinkRequest {
  const q = new URLSearchParams(search);
  const kernel = q.get('kernel');
  const callName = q.get('call');
  const problems: string[] = [];
  const image = kernel !== null && isUserKernelId(kernel) ? imageLink(kernel, q.get('sha256'), q.get('file')) : null;
  if (kernel !== null && isUserKernelId(kernel) && image === null) problems.push(`the link names a kernel image of its own, ${quote(kernel)}, without a valid sha256 and file name`);
  else if (kernel !== null && !isKernelId(kernel) && !isUserKernelId(kernel)) problems.push(`the link asks for kernel ${quote(kernel)}, which modlab does not have (it has ${KERNEL_IDS.join(', ')})`);
  if (callName !== null && !callSpec(callName)) problems.push(`the link asks for the call ${quote(callName)}, which modlab does not make (it makes ${CALL_SPECS.map((c) => c.name).join(', ')})`);
  if (callName === null) {
    const given = [...ARG_PARAMS].filter((p) => q.has(p));
    if (given.length) problems.push(`the link gives ${given.join(', ')} but names no call`);
  }
  return {
    kernel: kernel !== null && isKernelId(kernel) ? kernel : null,
    image,
    call: callFromParams((name) => q.get(name)),
    run: q.get('run') === '1',
    problems,
  };
}

function imageLink(id: UserKernelId, sha256: string | null, file: string | null): ImageLink | null {
  // The id is shown on the page: the same characters readUserKernel allows.
  if (!/^file:[A-Za-z0-9._+-]{1,64}$/.test(id) || sha256 === null || !/^[0-9a-f]{64}$/.test(sha256) || file === null || !isLinkFileName(file)) return null;
  return { id, sha256, file };
}

/** What the page says for a link made on a user's kernel image: which file to open. */
export function imageLinkText(image: ImageLink): string {
  return `This link was made on a kernel image of its own, ${image.id} (sha256 ${image.sha256}), opened from a file named ${quote(image.file)}. A link cannot carry the image: open that file with "Open a kernel image…" or drop it on the page, and the call runs on it.`;
}

/** Why a call has no link, in words for the page. */
export function tooLongText(key: string): string {
  const why = key === 'name' ? `over ${MAX_LINK_NAME} characters, and not a short unit repeated` : `over ${MAX_LINK_NAME} characters written out`;
  return `The ${key} is too long for a link (${why}), so this call has no link.`;
}
