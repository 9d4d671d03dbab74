/**
 * Recognises a kernel crash in console text. The patterns are what 2.4 and
 * 6.1 print at the start of an oops, a BUG and a panic, and when the OOM
 * killer strikes (on these small guests it may pick init, which leaves the
 * machine unusable, so modlab treats it as a crash too).
 */
import type { CrashKind } from '../errors.ts';

const PANIC = /Kernel panic/;
const OOM = /Out of Memory: Killed process|Out of memory: Kill/;
const OOPS = /\bOops\b|Unable to handle kernel|kernel BUG at|\bBUG: |invalid operand: |general protection fault/;

export function detectCrash(text: string): CrashKind | null {
  if (PANIC.test(text)) return 'panic';
  if (OOPS.test(text)) return 'oops';
  if (OOM.test(text)) return 'oom';
  return null;
}
