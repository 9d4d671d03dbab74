/** The call form's state as URL parameters, so a link opens the lab with a call filled in. */
import type { KernelId } from '../kernel-images/manifest.ts';

export interface FormState {
  kernel: KernelId;
  call: string;
  kind: string;
  name: string;
  ptr: string;
  size: string;
  uid: string | null;
}

/** Longer names do not go into a URL (servers refuse long request lines); one character repeated does, as repeat/times. */
export const MAX_URL_NAME = 2000;

/** Whether toQuery can carry this state whole. */
export function fitsInLink(s: FormState): boolean {
  return s.kind !== 'string' || s.name.length <= MAX_URL_NAME || /^(.)\1*$/su.test(s.name);
}

export function toQuery(s: FormState, run: boolean): string {
  const q = new URLSearchParams({ kernel: s.kernel, call: s.call });
  const ch = [...s.name][0] ?? '';
  if (s.kind === 'string' && s.name.length > 64 && s.name === ch.repeat([...s.name].length)) {
    q.set('repeat', ch);
    q.set('times', String([...s.name].length));
  } else if (s.kind === 'string' && s.name.length <= MAX_URL_NAME) q.set('name', s.name);
  else if (s.kind === 'null') q.set('null', '1');
  else q.set('ptr', s.ptr);
  if (s.call === 'create_module') q.set('size', s.size);
  if (s.uid !== null) q.set('uid', s.uid);
  if (run) q.set('run', '1');
  return `?${q.toString()}`;
}

/** What the URL asks for; unknown or missing parameters fall back to the form's defaults. */
export function fromQuery(search: string): Partial<FormState> & { run: boolean } {
  const q = new URLSearchParams(search);
  const out: Partial<FormState> & { run: boolean } = { run: q.get('run') === '1' };
  const kernel = q.get('kernel');
  if (kernel) out.kernel = kernel as KernelId;
  const call = q.get('call');
  if (call) out.call = call;
  if (q.has('null')) out.kind = 'null';
  else if (q.has('ptr')) {
    out.kind = 'pointer';
    out.ptr = q.get('ptr') ?? '';
  } else if (q.has('repeat')) {
    out.kind = 'string';
    const times = Math.min(Number(q.get('times') ?? '1') || 1, 65536);
    out.name = ([...(q.get('repeat') ?? 'n')][0] ?? 'n').repeat(times);
  } else if (q.has('name')) {
    out.kind = 'string';
    out.name = q.get('name') ?? '';
  }
  const size = q.get('size');
  if (size !== null) out.size = size;
  const uid = q.get('uid');
  if (uid !== null) out.uid = uid;
  return out;
}
