/** Linux i386 errno names; the table itself lives in linux-i386.ts, shared with the guest. */
import { ERRNO_NAMES, MAX_ERRNO, SIGNAL_NAMES } from './linux-i386.ts';

const NAMES: readonly string[] = ERRNO_NAMES;

/** The symbolic name of an errno, or `E<n>` for numbers with none. */
export function errnoName(errno: number): string {
  const name = NAMES[errno];
  return name ? name : `E${errno}`;
}

/** The kernel's raw return word is an error when it lies in -MAX_ERRNO..-1 (the libc convention). */
export function isErrorReturn(eax: number): boolean {
  return eax >>> 0 >= -MAX_ERRNO >>> 0;
}

/** Whether `name` is an errno name this table knows (for checking scenario files). */
export function isErrnoName(name: string): boolean {
  return name.length > 1 && NAMES.includes(name);
}

const SIGNALS: readonly string[] = SIGNAL_NAMES;

/** The symbolic name of a signal, or `SIG<n>` (real-time signals and others without one). */
export function signalName(signal: number): string {
  const name = SIGNALS[signal];
  return name ? name : `SIG${signal}`;
}
