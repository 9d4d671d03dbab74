/*
 * Raw i386 Linux system calls for the agent: no libc exists on these guests
 * (glibc wants a newer kernel, musl wants set_thread_area), so every call
 * goes through int $0x80 directly and returns the kernel's raw eax.
 */
#ifndef MODLAB_SYS_H
#define MODLAB_SYS_H

typedef unsigned int u32;
typedef int s32;
typedef unsigned short u16;
typedef unsigned char u8;
typedef unsigned int size_t;

#define SYS_exit 1
#define SYS_fork 2
#define SYS_read 3
#define SYS_write 4
#define SYS_open 5
#define SYS_close 6
#define SYS_waitpid 7
#define SYS_mknod 14
#define SYS_mount 21
#define SYS_pipe 42
#define SYS_clone 120
#define SYS_ioctl 54
#define SYS_setsid 66
#define SYS_uname 122
#define SYS_newselect 142
#define SYS_query_module 167
#define SYS_setuid32 213

#define O_RDONLY 0
#define O_RDWR 2
#define O_NOCTTY 0400
#define S_IFCHR 0020000
#define EINTR 4
#define SIGCHLD 17
#define CLONE_VM 0x00000100
#define CLONE_VFORK 0x00004000
#define EEXIST 17

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
#define TCGETS 0x5401
#define TCSETS 0x5402
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
