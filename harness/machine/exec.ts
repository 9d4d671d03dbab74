/**
 * A user's program on a guest kernel: what Machine.exec checks before
 * anything reaches the guest, and the agent's two steps, WRITE (the
 * executable into WRITE_DIR, through the bulk window when there is one) and
 * EXEC (run it as a uid with a time limit, its output captured); WRITE is
 * insmod's writeObject, the same request for a module's object. The
 * machine adds the deadlines and what a crash means (machine.ts).
 */
import type { AgentClient } from '../agent/client.ts';
import { UID } from '../calls/args.ts';
import { errnoName, signalName } from '../calls/errno.ts';
import type { ExecResult } from '../calls/record.ts';
import { elfExecutableProblem } from '../elf.ts';
import { InputError } from '../errors.ts';
import { EXEC_MAX_ARGS, WRITE_DIR, type ExitedReply } from '../protocol.ts';

/** How long a program may run unless told otherwise, and at most. */
export const DEFAULT_EXEC_LIMIT_MS = 5000;
export const MAX_EXEC_LIMIT_MS = 60_000;
/**
 * The 2.4 initrd has ~75 KiB free for /tmp; a static program built for the
 * guest is a few KiB. Anything larger than this is not one (and would not fit).
 */
export const MAX_EXECUTABLE_SIZE = 512 * 1024;
/** argv strings together, well inside what execve takes on 2.4 (32 pages for argv and env). */
export const MAX_ARGV_BYTES = 32 * 1024;
/** File names in WRITE_DIR that are also fine as argv[0]. */
const PROGRAM_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,55}$/;

export interface ExecOptions {
  /** The program's file name in the guest and its argv[0] (default "program"). */
  name?: string;
  /** argv after argv[0]. */
  args?: readonly string[];
  /** 0 (the default) runs it as root. */
  uid?: number;
  /** The time limit (default DEFAULT_EXEC_LIMIT_MS, at most MAX_EXEC_LIMIT_MS). */
  timeoutMs?: number;
}

/** A run checked and ready to send. */
export interface ExecPlan {
  executable: Uint8Array;
  name: string;
  path: string;
  args: string[];
  uid: number;
  limitMs: number;
}

/**
 * Why `bytes` cannot be run on the guest, as a sentence about `what`, or null
 * when they are a static ELF32 i386 executable (the compiler's own check:
 * the guests have no dynamic loader and no libc) of a size modlab sends.
 */
export function executableProblem(bytes: Uint8Array, what: string): string | null {
  const problem = elfExecutableProblem(bytes);
  if (problem !== undefined) return `${what} is not a static i386 executable (${problem}); give a C file (FILE.c) or build one with gcc -m32 -static -no-pie`;
  if (bytes.length > MAX_EXECUTABLE_SIZE) return `${what} is ${bytes.length} bytes; modlab runs programs of up to ${MAX_EXECUTABLE_SIZE} bytes`;
  return null;
}

/** Why `name` cannot name a program in the guest, or null. */
export function programNameProblem(name: string): string | null {
  return PROGRAM_NAME.test(name) ? null : `the program name ${JSON.stringify(name)} must be 1 to 56 letters, digits, _, - or . (and start with a letter, digit or _)`;
}

/** Checks a run before anything reaches the guest; throws InputError naming what modlab cannot use. */
export function planExec(executable: Uint8Array, options: ExecOptions = {}): ExecPlan {
  const name = options.name ?? 'program';
  const problem = programNameProblem(name) ?? executableProblem(executable, `the program ${name}`);
  if (problem) throw new InputError(problem);
  const args = [...(options.args ?? [])];
  if (args.length > EXEC_MAX_ARGS - 1) throw new InputError(`${args.length} program arguments; modlab passes up to ${EXEC_MAX_ARGS - 1}`);
  const nul = args.findIndex((a) => typeof a !== 'string' || a.includes('\0'));
  if (nul >= 0) throw new InputError(`program argument ${nul + 1} must be text without NUL characters`);
  const bytes = [name, ...args].reduce((n, a) => n + new TextEncoder().encode(a).length + 1, 0);
  if (bytes > MAX_ARGV_BYTES) throw new InputError(`the program's arguments take ${bytes} bytes; modlab passes up to ${MAX_ARGV_BYTES}`);
  const uid = UID.check(options.uid ?? 0, 'uid');
  const limitMs = options.timeoutMs ?? DEFAULT_EXEC_LIMIT_MS;
  if (!Number.isInteger(limitMs) || limitMs < 1 || limitMs > MAX_EXEC_LIMIT_MS) throw new InputError(`the time limit must be a whole number of milliseconds from 1 to ${MAX_EXEC_LIMIT_MS}, not ${String(limitMs)}`);
  return { executable, name, path: `${WRITE_DIR}/${name}`, args, uid, limitMs };
}

/** The agent runs the program written at plan.path; `timeoutMs` must leave room beyond the program's own limit. */
export function runProgram(agent: AgentClient, plan: ExecPlan, timeoutMs: number): Promise<ExitedReply> {
  const request = { path: plan.path, argv: [plan.name, ...plan.args], uid: plan.uid === 0 ? null : plan.uid, limitMs: plan.limitMs };
  return agent.request('exec', request, timeoutMs, `running ${plan.name}`);
}

/** The agent's account of the run as a result (a signal here is the program's own; the machine decides about crashes). */
export function execResult(reply: ExitedReply, limitMs: number): ExecResult {
  switch (reply.end) {
    case 'exited':
      return { kind: 'exited', status: reply.status };
    case 'signaled':
      return { kind: 'signaled', signal: reply.signal, signalName: signalName(reply.signal) };
    case 'timeout':
      return { kind: 'timeout', limitMs };
    case 'not-run':
      return { kind: 'not-run', errno: reply.errno, errnoName: errnoName(reply.errno), during: reply.step };
  }
}

/**
 * Whether a crash-like console line could be the program's doing rather
 * than the kernel's: its own output echoed there, or 6.1 reporting a fault
 * in user space ("traps: prog[42] general protection fault ip:…").
 */
export function programsLine(line: string, output: string): boolean {
  const text = line.replace(/\r/g, '').trim();
  if (/\btraps: \S+\[\d+\] general protection fault ip:/.test(text)) return true;
  return text.length > 0 && output.includes(text);
}
