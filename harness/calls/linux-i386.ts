/**
 * The Linux i386 numbers both halves of modlab use: system calls, errnos,
 * query_module's `which`, the serial devices. Each is written only here;
 * guest/build.ts turns them into guest/linux.h for the agent.
 */

/** The module system calls of 2.4 (arch/i386/kernel/entry.S); 2.6 drops all but init and delete. */
export const MODULE_SYSCALLS = {
  create_module: 127,
  init_module: 128,
  delete_module: 129,
  get_kernel_syms: 130,
  query_module: 167,
} as const;

/** Every i386 system call the agent makes, by its kernel name (SYS_<name> in C). */
export const SYSCALLS = {
  exit: 1,
  fork: 2,
  read: 3,
  write: 4,
  open: 5,
  close: 6,
  waitpid: 7,
  unlink: 10,
  execve: 11,
  mknod: 14,
  chmod: 15,
  mount: 21,
  kill: 37,
  mkdir: 39,
  pipe: 42,
  ioctl: 54,
  fcntl: 55,
  dup2: 63,
  setsid: 66,
  gettimeofday: 78,
  syslog: 103,
  clone: 120,
  uname: 122,
  _newselect: 142,
  setuid32: 213,
  ...MODULE_SYSCALLS,
} as const;

/**
 * More i386 system calls for students' programs (<sys/syscall.h> in
 * guest/program/include), beside SYSCALLS; kept apart so guest/linux.h, the
 * agent's header, stays as it is. A name in both tables has one number.
 */
export const PROGRAM_SYSCALLS = {
  creat: 8, link: 9, unlink: 10, execve: 11, chdir: 12, time: 13, chmod: 15, lseek: 19,
  getpid: 20, umount: 22, setuid: 23, getuid: 24, alarm: 27, pause: 29, access: 33, sync: 36,
  kill: 37, rename: 38, rmdir: 40, dup: 41, times: 43, brk: 45, setgid: 46, getgid: 47,
  geteuid: 49, getegid: 50, setpgid: 57, umask: 60, chroot: 61, dup2: 63, getppid: 64, getpgrp: 65,
  sethostname: 74, gettimeofday: 78, symlink: 83, readlink: 85, reboot: 88, mmap: 90, munmap: 91,
  fchmod: 94, syslog: 103, stat: 106, lstat: 107, fstat: 108, mprotect: 125, getpgid: 132,
  fchdir: 133, personality: 136, _llseek: 140, getdents: 141, flock: 143, msync: 144, readv: 145,
  writev: 146, getsid: 147, sched_yield: 158, nanosleep: 162, mremap: 163, poll: 168,
  rt_sigaction: 174, rt_sigprocmask: 175, getcwd: 183, vfork: 190, mmap2: 192, getuid32: 199,
  getgid32: 200, geteuid32: 201, getegid32: 202, setgid32: 214, getdents64: 220, fcntl64: 221,
  gettid: 224, exit_group: 252,
} as const;

/** errno names by number (asm-generic/errno-base.h and errno.h, 1..133); '' where a number has none. */
export const ERRNO_NAMES = [
  '', 'EPERM', 'ENOENT', 'ESRCH', 'EINTR', 'EIO', 'ENXIO', 'E2BIG', 'ENOEXEC', 'EBADF', 'ECHILD',
  'EAGAIN', 'ENOMEM', 'EACCES', 'EFAULT', 'ENOTBLK', 'EBUSY', 'EEXIST', 'EXDEV', 'ENODEV', 'ENOTDIR',
  'EISDIR', 'EINVAL', 'ENFILE', 'EMFILE', 'ENOTTY', 'ETXTBSY', 'EFBIG', 'ENOSPC', 'ESPIPE', 'EROFS',
  'EMLINK', 'EPIPE', 'EDOM', 'ERANGE', 'EDEADLK', 'ENAMETOOLONG', 'ENOLCK', 'ENOSYS', 'ENOTEMPTY', 'ELOOP',
  '', 'ENOMSG', 'EIDRM', 'ECHRNG', 'EL2NSYNC', 'EL3HLT', 'EL3RST', 'ELNRNG', 'EUNATCH', 'ENOCSI',
  'EL2HLT', 'EBADE', 'EBADR', 'EXFULL', 'ENOANO', 'EBADRQC', 'EBADSLT', '', 'EBFONT', 'ENOSTR',
  'ENODATA', 'ETIME', 'ENOSR', 'ENONET', 'ENOPKG', 'EREMOTE', 'ENOLINK', 'EADV', 'ESRMNT', 'ECOMM',
  'EPROTO', 'EMULTIHOP', 'EDOTDOT', 'EBADMSG', 'EOVERFLOW', 'ENOTUNIQ', 'EBADFD', 'EREMCHG', 'ELIBACC', 'ELIBBAD',
  'ELIBSCN', 'ELIBMAX', 'ELIBEXEC', 'EILSEQ', 'ERESTART', 'ESTRPIPE', 'EUSERS', 'ENOTSOCK', 'EDESTADDRREQ', 'EMSGSIZE',
  'EPROTOTYPE', 'ENOPROTOOPT', 'EPROTONOSUPPORT', 'ESOCKTNOSUPPORT', 'EOPNOTSUPP', 'EPFNOSUPPORT', 'EAFNOSUPPORT', 'EADDRINUSE', 'EADDRNOTAVAIL', 'ENETDOWN',
  'ENETUNREACH', 'ENETRESET', 'ECONNABORTED', 'ECONNRESET', 'ENOBUFS', 'EISCONN', 'ENOTCONN', 'ESHUTDOWN', 'ETOOMANYREFS', 'ETIMEDOUT',
  'ECONNREFUSED', 'EHOSTDOWN', 'EHOSTUNREACH', 'EALREADY', 'EINPROGRESS', 'ESTALE', 'EUCLEAN', 'ENOTNAM', 'ENAVAIL', 'EISNAM',
  'EREMOTEIO', 'EDQUOT', 'ENOMEDIUM', 'EMEDIUMTYPE', 'ECANCELED', 'ENOKEY', 'EKEYEXPIRED', 'EKEYREVOKED', 'EKEYREJECTED', 'EOWNERDEAD',
  'ENOTRECOVERABLE', 'ERFKILL', 'EHWPOISON',
] as const;

export type ErrnoName = Exclude<(typeof ERRNO_NAMES)[number], ''>;

/** Each errno's number, read off the table above so that no number is written twice. */
export const ERRNO = Object.fromEntries(ERRNO_NAMES.flatMap((name, n) => (name ? [[name, n]] : []))) as Readonly<Record<ErrnoName, number>>;

/** A raw return word is an error when it lies in -MAX_ERRNO..-1 (the libc convention). */
export const MAX_ERRNO = 4095;

/** i386 signal names by number (asm/signal.h, 1..31); '' for 0. */
export const SIGNAL_NAMES = [
  '', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1',
  'SIGSEGV', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP',
  'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR',
  'SIGSYS',
] as const;

/** query_module's `which` (linux/module.h, 2.4). */
export const QUERY_WHICH = { QM_MODULES: 1, QM_DEPS: 2, QM_REFS: 3, QM_SYMS: 4, QM_INFO: 5 } as const;

/** What query_module writes (2.4, i386), in bytes. */
export const MODULE_LAYOUTS = {
  /** QM_SYMS: struct module_symbol { unsigned long value; unsigned long name; }, name an offset into the buffer. */
  MODULE_SYMBOL_SIZE: 8,
  /** QM_INFO: struct module_info { unsigned long addr, size, flags; long usecount; }. */
  MODULE_INFO_SIZE: 16,
} as const;

/** The character devices the guest opens, [major, minor] (Documentation/devices.txt). */
export const CHAR_DEVICES = {
  console: [5, 1],
  ttyS0: [4, 64],
  ttyS1: [4, 65],
} as const;
