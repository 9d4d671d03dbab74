/**
 * A step as JSON: the shape `modlab run --json` and `modlab lifecycle --json`
 * print, the web lab keeps in its history and exports. Made from a typed
 * record at the edge only; nothing inside modlab reads it back.
 */
import { hex32, type Json } from '../calls/args.ts';
import type { CallData } from '../calls/buffers.ts';
import type { LinkReport } from '../calls/link-report.ts';
import { callJson } from '../calls/model.ts';
import type { CallRecord, ExecRecord, LinkRecord, StepRecord } from '../calls/record.ts';

export interface StepReport {
  step: number;
  /** The call's name, or "link" for the agent linking a module. */
  call: string;
  kernel: string;
  /** Absent for get_kernel_syms, which takes no name. */
  name?: Json;
  size?: Json;
  /** init_module: the image's length (after linking, for a module), or the pointer passed instead. */
  image?: Json;
  /** query_module's which and buffer size; get_kernel_syms' table entries. */
  which?: Json;
  bufsize?: Json;
  table?: Json;
  /** What the call wrote into its buffers (query_module, get_kernel_syms). */
  data?: CallData;
  /** The link step's report, with the image size. */
  link?: LinkReport & { size: number };
  /** /proc/modules after the step (scenario runs, lifecycle). */
  procModules?: string;
  uid: number;
  ok: boolean;
  /** "0x…" for an address, a decimal for other values, "-1" on failure, null after a crash. */
  ret: string | null;
  errno: number | null;
  errnoName: string | null;
  /** Set when the errno came before the call ("setuid", "link"): the call itself never reached the kernel. */
  during?: 'setuid' | 'link';
  /** Why the link failed, as the agent's linker said it (an unresolved symbol is named). */
  detail?: string;
  crash: string | null;
  elapsedMs: number;
  machine: number;
  recovered?: boolean;
  console?: string;
}

const ms = (t: number): number => Math.round(t * 100) / 100;

export function stepReport(step: number, r: StepRecord, procModules?: string): StepReport {
  const report = r.kind === 'call' ? callReport(step, r) : linkReport(step, r);
  return procModules === undefined ? report : { ...report, procModules };
}

function callReport(step: number, r: CallRecord): StepReport {
  const head = { step, call: r.call.call, kernel: r.kernel };
  const tail = {
    elapsedMs: ms(r.elapsedMs),
    machine: r.machine,
    ...callJson(r.call),
    uid: r.call.uid,
    // What the kernel printed during the call (a crash's console comes with the crash, below).
    ...(r.result.kind !== 'crash' ? { console: r.console } : {}),
  };
  switch (r.result.kind) {
    case 'success': {
      const ret = r.call.call === 'create_module' ? hex32(r.result.ret) : String(r.result.ret | 0);
      return { ...head, ok: true, ret, errno: null, errnoName: null, crash: null, ...tail, ...(r.result.data ? { data: r.result.data } : {}) };
    }
    case 'errno':
      return {
        ...head,
        ok: false,
        ret: '-1',
        errno: r.result.errno,
        errnoName: r.result.errnoName,
        // Only for an errno that was not the call's own answer.
        ...(r.result.during !== 'call' ? { during: r.result.during } : {}),
        ...(r.result.detail !== undefined ? { detail: r.result.detail } : {}),
        crash: null,
        ...tail,
        ...(r.result.data ? { data: r.result.data } : {}),
      };
    case 'crash':
      return { ...head, ok: false, ret: null, errno: null, errnoName: null, crash: r.result.crash, ...tail, recovered: r.recovered, console: r.result.console };
  }
}

function linkReport(step: number, r: LinkRecord): StepReport {
  const ok = r.result.kind === 'linked';
  return {
    step,
    call: 'link',
    kernel: r.kernel,
    name: r.name,
    size: r.size,
    uid: 0,
    ok,
    ret: ok && r.base !== 0 ? hex32(r.base) : '-1',
    errno: r.result.kind === 'errno' ? r.result.errno : null,
    errnoName: r.result.kind === 'errno' ? r.result.errnoName : null,
    crash: null,
    elapsedMs: ms(r.elapsedMs),
    machine: r.machine,
    link: { size: r.size, ...r.report },
    console: '',
  };
}

/**
 * `modlab exec --json`: one object for a program's run. `ok` is true when
 * the program ran and exited with status 0; how it ended otherwise is in
 * exactly one of exitStatus (another status), signal, timedOut, notRun and
 * crash.
 */
export interface ExecReport {
  call: 'exec';
  program: string;
  args: string[];
  kernel: string;
  uid: number;
  ok: boolean;
  /** Its exit status, or null when it did not exit by itself. */
  exitStatus: number | null;
  /** The signal that killed it (a crash of the kernel is reported as crash instead). */
  signal: number | null;
  signalName: string | null;
  /** Killed at its time limit (limitMs). */
  timedOut: boolean;
  limitMs?: number;
  /** It never ran: the step that failed and its errno. */
  notRun: { errno: number; errnoName: string; during: 'write' | 'fork' | 'setuid' | 'exec' } | null;
  /** The kernel crashed while it ran, or the guest stopped answering ("hang"); a clean machine took over. */
  crash: { kind: string; detail: string } | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** The console during the run: its output as echoed there and what the kernel printed. */
  console: string;
  elapsedMs: number;
  /** From fork to reaping on the guest's clock. */
  guestMs: number;
  machine: number;
  recovered: boolean;
}

export function execReport(r: ExecRecord): ExecReport {
  const x = r.result;
  return {
    call: 'exec',
    program: r.program,
    args: r.args,
    kernel: r.kernel,
    uid: r.uid,
    ok: x.kind === 'exited' && x.status === 0,
    exitStatus: x.kind === 'exited' ? x.status : null,
    signal: x.kind === 'signaled' ? x.signal : null,
    signalName: x.kind === 'signaled' ? x.signalName : null,
    timedOut: x.kind === 'timeout',
    ...(x.kind === 'timeout' ? { limitMs: x.limitMs } : {}),
    notRun: x.kind === 'not-run' ? { errno: x.errno, errnoName: x.errnoName, during: x.during } : null,
    crash: x.kind === 'crash' ? { kind: x.crash, detail: x.detail } : null,
    stdout: r.stdout,
    stderr: r.stderr,
    stdoutTruncated: r.stdoutTruncated,
    stderrTruncated: r.stderrTruncated,
    console: r.console,
    elapsedMs: ms(r.elapsedMs),
    guestMs: ms(r.guestMs),
    machine: r.machine,
    recovered: r.recovered,
  };
}
