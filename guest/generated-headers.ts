/**
 * The C headers made from harness/calls/linux-i386.ts, so that no errno or
 * system call number is written twice: <linux/errno.h> for students'
 * modules (guest/include) and <errno.h>, <sys/syscall.h> for their programs
 * (guest/program/include). `npm run build:guest` writes them (committed, so
 * the targets read plain files); a unit test fails when they drift.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERRNO, ERRNO_NAMES, PROGRAM_SYSCALLS, SYSCALLS } from '../harness/calls/linux-i386.ts';
import { GUEST_DIR } from './paths.ts';

const BANNER = '/* Generated from harness/calls/linux-i386.ts by guest/generated-headers.ts (npm run build:guest): do not edit. */';

/** glibc's other names for three of the numbers. */
const ERRNO_ALIASES = { EWOULDBLOCK: 'EAGAIN', EDEADLOCK: 'EDEADLK', ENOTSUP: 'EOPNOTSUPP' } as const;

function errnoDefines(): string[] {
  return [...Object.entries(ERRNO).map(([name, n]) => `#define ${name} ${n}`), ...Object.entries(ERRNO_ALIASES).map(([alias, name]) => `#define ${alias} ${name}`)];
}

/** <linux/errno.h> for modules: init_module returns -ENODEV and the like, as 2.4's asm/errno.h numbered them. */
export function moduleErrnoHeader(): string {
  return [BANNER, '#ifndef MODLAB_LINUX_ERRNO_H', '#define MODLAB_LINUX_ERRNO_H', ...errnoDefines(), '#endif', ''].join('\n');
}

/** <errno.h> for programs; the runtime (which defines __MODLAB_RUNTIME) also gets the names by number, for strerror. */
export function programErrnoHeader(): string {
  const names = ERRNO_NAMES.map((name) => (name ? `"${name}"` : '0'));
  const rows: string[] = [];
  for (let i = 0; i < names.length; i += 10) rows.push(`\t${names.slice(i, i + 10).join(', ')},`);
  return [
    BANNER,
    '#ifndef MODLAB_ERRNO_H',
    '#define MODLAB_ERRNO_H',
    '/* Set by the runtime when a system call fails; a success leaves it as it was. */',
    'extern int errno;',
    ...errnoDefines(),
    '#ifdef __MODLAB_RUNTIME',
    '/* errno names by number, 0 where a number has none. */',
    'static const char *const __modlab_errno_names[] = {',
    ...rows,
    '};',
    '#endif',
    '#endif',
    '',
  ].join('\n');
}

/** <sys/syscall.h>: SYS_<name> for the agent's calls (the module calls among them) and the common ones. */
export function programSyscallHeader(): string {
  const all: Record<string, number> = { ...SYSCALLS, ...PROGRAM_SYSCALLS };
  return [
    BANNER,
    '#ifndef MODLAB_SYS_SYSCALL_H',
    '#define MODLAB_SYS_SYSCALL_H',
    ...Object.entries(all)
      .sort(([, a], [, b]) => a - b)
      .map(([name, n]) => `#define SYS_${name} ${n}`),
    '#endif',
    '',
  ].join('\n');
}

/** Each generated header, by its path under guest/. */
export const GENERATED_HEADERS: Readonly<Record<string, () => string>> = {
  'include/linux/errno.h': moduleErrnoHeader,
  'program/include/errno.h': programErrnoHeader,
  'program/include/sys/syscall.h': programSyscallHeader,
};

export function writeGeneratedHeaders(): void {
  for (const [path, make] of Object.entries(GENERATED_HEADERS)) writeFileSync(join(GUEST_DIR, path), make());
}
