/**
 * What a step produced, as typed records: numbers stay numbers, outcomes
 * stay unions. Compare, the result card, lifecycle and the explanations take
 * these; the JSON shape (reports/step-report.ts) is made from them only at
 * the edge (--json, history, export).
 */
import type { KernelId } from '../../kernel-images/manifest.ts';
import type { CrashKind } from '../errors.ts';
import type { CallData } from './buffers.ts';
import { errnoName, isErrorReturn } from './errno.ts';
import type { LinkReport } from './link-report.ts';
import type { Call } from './model.ts';

export type CallResult =
  /** The call returned a non-error value: an address for create_module, 0 for delete_module; `data`, what it wrote for us. */
  | { kind: 'success'; ret: number; data?: CallData }
  /** The call failed with an errno; `during` says what failed: the call, dropping to the uid first, or linking its module. */
  | { kind: 'errno'; errno: number; errnoName: string; during: 'call' | 'setuid' | 'link'; data?: CallData }
  /** The kernel crashed, or the guest stopped answering ('hang'). */
  | { kind: 'crash'; crash: CrashKind | 'hang'; console: string; detail: string };

export interface CallRecord {
  kind: 'call';
  /** The call as sent (a module's size or image filled in). */
  call: Call;
  kernel: KernelId;
  /** 1 for the first machine; each recovery after a crash brings up the next. */
  machine: number;
  result: CallResult;
  /** Set on a crash result when a clean machine has taken over. */
  recovered: boolean;
  elapsedMs: number;
  /** What the kernel printed on its console during the call. */
  console: string;
}

/** The agent linking a module's object for a kernel address (0: only laying it out), as insmod did. */
export interface LinkRecord {
  kind: 'link';
  /** A built-in module's name (hello), or the guest path of a user's object (/tmp/NAME.o). */
  module: string;
  /** The module name written into the image. */
  name: string;
  base: number;
  /** The image's size: what create_module must reserve. */
  size: number;
  result: { kind: 'linked'; image: Uint8Array } | { kind: 'errno'; errno: number; errnoName: string };
  report: LinkReport;
  kernel: KernelId;
  machine: number;
  elapsedMs: number;
}

export type StepRecord = CallRecord | LinkRecord;

export function resultFromEax(eax: number, data?: (ok: boolean) => CallData | undefined): CallResult {
  if (isErrorReturn(eax)) {
    const errno = -(eax | 0);
    const d = data?.(false);
    return { kind: 'errno', errno, errnoName: errnoName(errno), during: 'call', ...(d ? { data: d } : {}) };
  }
  const d = data?.(true);
  return { kind: 'success', ret: eax >>> 0, ...(d ? { data: d } : {}) };
}

/**
 * The answer's class, for lining kernels up: addresses differ from kernel to
 * kernel, but success is success; other values, errnos and crashes must match.
 */
export function outcomeClass(r: CallRecord): string {
  switch (r.result.kind) {
    case 'crash':
      return `crash:${r.result.crash}`;
    case 'errno':
      return r.result.during === 'call' ? `errno:${r.result.errnoName}` : `${r.result.during}:${r.result.errnoName}`;
    case 'success':
      return r.call.call === 'create_module' ? 'address' : `ret:${r.result.ret | 0}`;
  }
}
