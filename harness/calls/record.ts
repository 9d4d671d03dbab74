/**
 * What a step produced, as typed records: numbers stay numbers, outcomes
 * stay unions. Compare, the result card, lifecycle and the explanations take
 * these; the JSON shape (reports/step-report.ts) is made from them only at
 * the edge (--json, history, export).
 */
import type { KernelRef } from '../../kernel-images/user-kernel.ts';
import type { CrashKind } from '../errors.ts';
import type { CallData } from './buffers.ts';
import { errnoName, isErrorReturn } from './errno.ts';
import type { LinkReport } from './link-report.ts';
import type { Call } from './model.ts';

export type CallResult =
  /** The call returned a non-error value: an address for create_module, 0 for delete_module; `data`, what it wrote for us. */
  | { kind: 'success'; ret: number; data?: CallData }
  /**
   * The call failed with an errno; `during` says what failed: the call, dropping to the uid first, or linking its module.
   * `detail`: why a link failed, as the agent's linker said it (an unresolved symbol is named there).
   */
  | { kind: 'errno'; errno: number; errnoName: string; during: 'call' | 'setuid' | 'link'; detail?: string; data?: CallData }
  /** The kernel crashed, or the guest stopped answering ('hang'). */
  | { kind: 'crash'; crash: CrashKind | 'hang'; console: string; detail: string };

export interface CallRecord {
  kind: 'call';
  /** The call as sent (a module's size or image filled in). */
  call: Call;
  kernel: KernelRef;
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
  kernel: KernelRef;
  machine: number;
  elapsedMs: number;
}

export type StepRecord = CallRecord | LinkRecord;

/** How a user's program run by the agent (Machine.exec) ended. */
export type ExecResult =
  /** It exited with this status (0 … 255). */
  | { kind: 'exited'; status: number }
  /** A signal killed it, and the kernel did not crash (a segfault in the program itself, say). */
  | { kind: 'signaled'; signal: number; signalName: string }
  /** It was still running at its time limit and was killed (SIGKILL). */
  | { kind: 'timeout'; limitMs: number }
  /** It never ran: writing it into the guest, forking, dropping to the uid or execve failed. */
  | { kind: 'not-run'; errno: number; errnoName: string; during: 'write' | 'fork' | 'setuid' | 'exec' }
  /** The kernel crashed while it ran (it was killed and the console shows an oops), or the guest stopped answering ('hang'). */
  | { kind: 'crash'; crash: CrashKind | 'hang'; console: string; detail: string };

export interface ExecRecord {
  kind: 'exec';
  /** The program's name in the guest (its file in WRITE_DIR, and argv[0]). */
  program: string;
  /** argv after argv[0]. */
  args: string[];
  uid: number;
  kernel: KernelRef;
  /** The machine it ran on (1 for the first; a crash brings up the next). */
  machine: number;
  result: ExecResult;
  /** What it wrote (as UTF-8, invalid bytes as U+FFFD), each stream kept up to EXEC_OUTPUT_MAX bytes. */
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** The console during the run: the program's output as echoed there, and whatever the kernel printed. */
  console: string;
  /** Set when a clean machine took over after a crash. */
  recovered: boolean;
  /** Writing, running and reporting, on the host's clock. */
  elapsedMs: number;
  /** From fork to reaping, on the guest's clock (0 when it never ran); rough over a few ms, where 2.4 on v86 may step back. */
  guestMs: number;
}

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
