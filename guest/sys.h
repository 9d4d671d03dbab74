/*
 * Raw i386 Linux system calls for the agent: no libc exists on these guests
 * (glibc wants a newer kernel, musl wants set_thread_area), so every call
 * goes through int $0x80 directly and returns the kernel's raw eax.
 */
#ifndef MODLAB_SYS_H
#define MODLAB_SYS_H

#include "types.h"
#include "linux.h"

/* Whether a raw return word is an error, -MAX_ERRNO..-1 (as libc decides). */
static inline int is_error_return(u32 word)
{
	return word >= (u32)-MAX_ERRNO;
}

#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_NOCTTY 0400
#define O_NONBLOCK 04000
#define F_DUPFD 0
#define F_SETFD 2
#define F_SETFL 4
#define FD_CLOEXEC 1
#define S_IFCHR 0020000
#define SIGKILL 9
#define SIGCHLD 17
#define WNOHANG 1
#define CLONE_VM 0x00000100
#define CLONE_VFORK 0x00004000
/* The signal that killed a child, from its waitpid status. */
#define WTERMSIG(status) ((status) & 0x7f)
/* Whether the child exited (rather than died from a signal), and with what status. */
#define WIFEXITED(status) (WTERMSIG(status) == 0)
#define WEXITSTATUS(status) (((status) >> 8) & 0xff)

/* The kernel's struct timeval (gettimeofday, select's timeout). */
struct timeval {
	s32 tv_sec, tv_usec;
};

/* Not in linux.h (the call model never makes them): the agent's own bulk window. */
#define SYS_old_mmap 90
#define SYS_sysinfo 116
#define PROT_READ 1
#define PROT_WRITE 2
#define MAP_SHARED 1

/* old_mmap takes its six arguments in memory, in this order. */
struct mmap_args {
	u32 addr, len, prot, flags, fd, offset;
};

/* The kernel's struct sysinfo on i386 (2.4 has mem_unit already): 64 bytes. */
struct sysinfo {
	s32 uptime;
	u32 loads[3];
	u32 totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	u16 procs, pad;
	u32 totalhigh, freehigh, mem_unit;
	u8 reserved[8];
};

/* 2.4's struct new_utsname: six fields of 65 bytes. */
struct utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

/* The kernel's i386 struct termios (not glibc's larger one). */
struct ktermios {
	u32 c_iflag, c_oflag, c_cflag, c_lflag;
	u8 c_line;
	u8 c_cc[19];
};
#define VTIME 5
#define VMIN 6
#define IXON 0002000
#define IXANY 0004000
/* c_lflag: the tty's echo of typed input, and its ^X spelling of control characters. */
#define ECHO 0000010
#define ECHOCTL 0001000
#define IXOFF 0010000
#define CBAUD 0010017
#define CS8 0000060
#define CREAD 0000200
#define CLOCAL 0004000
#define TCGETS 0x5401
#define TCSETS 0x5402
/* With a non-zero argument: wait until the output has been sent (tcdrain). */
#define TCSBRK 0x5409

/* The head of the kernel's struct serial_struct, with room for the rest of it. */
struct serial_struct {
	s32 type, line;
	u32 port;
	s32 irq, flags;
	u32 rest[27];
};
#define TIOCGSERIAL 0x541e
#define TIOCSSERIAL 0x541f
#define ASYNC_LOW_LATENCY 0x2000

static inline s32 sys0(s32 n)
{
	s32 r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(n) : "memory");
	return r;
}
static inline s32 sys1(s32 n, u32 a)
{
	s32 r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a) : "memory");
	return r;
}
static inline s32 sys2(s32 n, u32 a, u32 b)
{
	s32 r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b) : "memory");
	return r;
}
static inline s32 sys3(s32 n, u32 a, u32 b, u32 c)
{
	s32 r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}
/* Five arguments: ebx, ecx, edx, esi, edi. ebp is left alone (frame pointer). */
static inline s32 sys5(s32 n, u32 a, u32 b, u32 c, u32 d, u32 e)
{
	s32 r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e) : "memory");
	return r;
}

#endif
