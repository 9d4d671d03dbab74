/** What a call produced, as the harness hands it to the CLI and the web lab. */
import type { KernelId } from '../../kernel-images/manifest.ts';
import type { Call } from './model.ts';
import type { CrashKind } from '../machine/crash.ts';
import { errnoName, isErrorReturn } from './errno.ts';
import { hex32 } from './model.ts';
import type { CallData } from './buffers.ts';

export type CallResult =
  /** The call returned a non-error value: an address for create_module, 0 for delete_module; `data`, what it wrote for us. */
  | { kind: 'success'; ret: number; retHex: string; data?: CallData }
  /** The call failed with an errno; `during` is 'setuid' when dropping to the uid failed first. */
  | { kind: 'errno'; errno: number; errnoName: string; during: 'call' | 'setuid' | 'link'; data?: CallData }
  /** The kernel crashed, or the guest stopped answering ('hang'). */
  | { kind: 'crash'; crash: CrashKind | 'hang'; console: string; detail: string };

export interface CallRecord {
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

export function resultFromEax(eax: number, data?: (ok: boolean) => CallData | undefined): CallResult {
  if (isErrorReturn(eax)) {
    const errno = -(eax | 0);
    const d = data?.(false);
    return { kind: 'errno', errno, errnoName: errnoName(errno), during: 'call', ...(d ? { data: d } : {}) };
  }
  const d = data?.(true);
  return { kind: 'success', ret: eax >>> 0, retHex: hex32(eax), ...(d ? { data: d } : {}) };
}
