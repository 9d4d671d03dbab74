/*
 * modlab's C runtime for students' programs in the guest, written for
 * modlab in place of a libc: the program's start, system calls that set
 * errno, the old glibc wrappers of the module calls, strings, numbers and
 * formatted output. TinyCC compiles it together with each program
 * (harness/compiler/tcc.ts compileProgram); the same executable runs on
 * every guest kernel (2.4.x, where the module calls exist, and 6.1).
 *
 * Every public definition is weak, as a libc's are in effect: a program
 * that defines its own create_module or strlen gets its own. The runtime
 * itself calls only its static functions, so such a program's printf and
 * exit still work as written here.
 */
#define __MODLAB_RUNTIME
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#define WEAK __attribute__((weak))

WEAK int errno;
WEAK char **environ;

int main(int argc, char **argv, char **envp);

/*
 * The kernel enters at _start with esp at argc, then argv[0..argc-1], NULL,
 * the environment, NULL. The stack is aligned to 16 for main, as the i386
 * ABI asks; ebp is cleared so that a debugger's frame walk ends here.
 */
__asm__(
	".text\n"
	".globl _start\n"
	"_start:\n"
	"\txorl %ebp, %ebp\n"
	"\tmovl %esp, %eax\n"
	"\tandl $-16, %esp\n"
	"\tsubl $12, %esp\n"
	"\tpushl %eax\n"
	"\tcall __modlab_start\n"
	"\thlt\n");

/*
 * __modlab_syscall6(number, a1, ..., a6): int $0x80 with the arguments in
 * ebx, ecx, edx, esi, edi, ebp, as i386 Linux takes them. Plain assembly,
 * so it does not depend on how a compiler allocates ebx and ebp; the four
 * callee-saved registers are pushed, which puts the number at 20(%esp).
 */
__asm__(
	".text\n"
	".globl __modlab_syscall6\n"
	"__modlab_syscall6:\n"
	"\tpushl %ebp\n"
	"\tpushl %edi\n"
	"\tpushl %esi\n"
	"\tpushl %ebx\n"
	"\tmovl 20(%esp), %eax\n"
	"\tmovl 24(%esp), %ebx\n"
	"\tmovl 28(%esp), %ecx\n"
	"\tmovl 32(%esp), %edx\n"
	"\tmovl 36(%esp), %esi\n"
	"\tmovl 40(%esp), %edi\n"
	"\tmovl 44(%esp), %ebp\n"
	"\tint $0x80\n"
	"\tpopl %ebx\n"
	"\tpopl %esi\n"
	"\tpopl %edi\n"
	"\tpopl %ebp\n"
	"\tret\n");

long __modlab_syscall6(long number, long a1, long a2, long a3, long a4, long a5, long a6);

/* The kernel answers -1 .. -4095 for an error (MAX_ERRNO); anything else, an address included, is a result. */
static long syscall_result(long raw)
{
	if ((unsigned long)raw > (unsigned long)-4096L) {
		errno = (int)-raw;
		return -1;
	}
	return raw;
}

#define CALL3(n, a, b, c) syscall_result(__modlab_syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0))

/* Reads six arguments whatever the caller passed: the extra words are the caller's stack, which the kernel ignores. */
WEAK long syscall(long number, ...)
{
	va_list ap;
	long a[6];
	int i;

	va_start(ap, number);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	return syscall_result(__modlab_syscall6(number, a[0], a[1], a[2], a[3], a[4], a[5]));
}

/*
 * The module calls as glibc before 2.23 exported them, undeclared in its
 * headers (create_module(2), NOTES): the program declares the one it uses.
 * Like those stubs, each passes its argument words straight to the kernel,
 * so 2.4's and 6.1's argument lists both go through.
 */
WEAK long create_module(long name, long size)
{
	return CALL3(SYS_create_module, name, size, 0);
}

WEAK long init_module(long name, long image, long params)
{
	return CALL3(SYS_init_module, name, image, params);
}

WEAK long delete_module(long name, long flags)
{
	return CALL3(SYS_delete_module, name, flags, 0);
}

WEAK long query_module(long name, long which, long buf, long bufsize, long ret)
{
	return syscall_result(__modlab_syscall6(SYS_query_module, name, which, buf, bufsize, ret, 0));
}

WEAK long get_kernel_syms(long table)
{
	return CALL3(SYS_get_kernel_syms, table, 0, 0);
}

WEAK ssize_t read(int fd, void *buf, size_t count)
{
	return CALL3(SYS_read, fd, buf, count);
}

WEAK ssize_t write(int fd, const void *buf, size_t count)
{
	return CALL3(SYS_write, fd, buf, count);
}

WEAK int close(int fd)
{
	return CALL3(SYS_close, fd, 0, 0);
}

WEAK pid_t getpid(void)
{
	return CALL3(SYS_getpid, 0, 0, 0);
}

WEAK pid_t getppid(void)
{
	return CALL3(SYS_getppid, 0, 0, 0);
}

/* The 32-bit uid calls (2.4 has both; the old ones give 16-bit ids). */
WEAK uid_t getuid(void)
{
	return CALL3(SYS_getuid32, 0, 0, 0);
}

WEAK uid_t geteuid(void)
{
	return CALL3(SYS_geteuid32, 0, 0, 0);
}

WEAK gid_t getgid(void)
{
	return CALL3(SYS_getgid32, 0, 0, 0);
}

WEAK int setuid(uid_t uid)
{
	return CALL3(SYS_setuid32, uid, 0, 0);
}

/* SYS_exit rather than exit_group: 2.4 has no exit_group, and the program has one thread. */
static void leave(int status) __attribute__((noreturn));
static void leave(int status)
{
	for (;;)
		__modlab_syscall6(SYS_exit, status, 0, 0, 0, 0, 0);
}

WEAK void _exit(int status)
{
	leave(status);
}

/* ---- strings ---- */

static size_t length(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

WEAK size_t strlen(const char *s)
{
	return length(s);
}

WEAK int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

WEAK int strncmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; n--, a++, b++)
		if (*a != *b || !*a)
			return (unsigned char)*a - (unsigned char)*b;
	return 0;
}

static char *copy(char *dst, const char *src)
{
	char *d = dst;

	while ((*d++ = *src++))
		;
	return dst;
}

WEAK char *strcpy(char *dst, const char *src)
{
	return copy(dst, src);
}

WEAK char *strncpy(char *dst, const char *src, size_t n)
{
	size_t i = 0;

	for (; i < n && src[i]; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = 0;
	return dst;
}

WEAK char *strcat(char *dst, const char *src)
{
	copy(dst + length(dst), src);
	return dst;
}

/* The terminating NUL counts as part of the string, so strchr(s, 0) finds the end. */
WEAK char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

WEAK char *strrchr(const char *s, int c)
{
	const char *found = NULL;

	for (;; s++) {
		if (*s == (char)c)
			found = s;
		if (!*s)
			return (char *)found;
	}
}

/* The compiler itself calls memcpy, memmove and memset for structure copies and initializers. */
WEAK void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

WEAK void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s)
		while (n--)
			*d++ = *s++;
	else
		while (n--)
			d[n] = s[n];
	return dst;
}

WEAK void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

WEAK int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n > 0; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

/* The messages of the errno-base numbers, which the module calls and file calls give. */
static const char *const messages[] = {
	"Success", "Operation not permitted", "No such file or directory", "No such process",
	"Interrupted system call", "Input/output error", "No such device or address",
	"Argument list too long", "Exec format error", "Bad file descriptor", "No child processes",
	"Resource temporarily unavailable", "Cannot allocate memory", "Permission denied",
	"Bad address", "Block device required", "Device or resource busy", "File exists",
	"Invalid cross-device link", "No such device", "Not a directory", "Is a directory",
	"Invalid argument", "Too many open files in system", "Too many open files",
	"Inappropriate ioctl for device", "Text file busy", "File too large",
	"No space left on device", "Illegal seek", "Read-only file system", "Too many links",
	"Broken pipe", "Numerical argument out of domain", "Numerical result out of range",
	"Resource deadlock avoided", "File name too long", "No locks available",
	"Function not implemented", "Directory not empty", "Too many levels of symbolic links",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *errno_name(int errnum)
{
	if (errnum <= 0 || errnum >= (int)COUNT(__modlab_errno_names))
		return NULL;
	return __modlab_errno_names[errnum];
}

WEAK const char *strerrorname_np(int errnum)
{
	return errno_name(errnum);
}

static int print_buffer(char *buf, size_t size, const char *fmt, ...);

/* The message for 0..40, the errno's name beyond ("ENOTSOCK"), else "Unknown error N". */
static char *message(int errnum)
{
	static char unknown[32];
	const char *name;

	if (errnum >= 0 && errnum < (int)COUNT(messages))
		return (char *)messages[errnum];
	name = errno_name(errnum);
	if (name)
		return (char *)name;
	print_buffer(unknown, sizeof unknown, "Unknown error %d", errnum);
	return unknown;
}

WEAK char *strerror(int errnum)
{
	return message(errnum);
}

/* ---- numbers ---- */

WEAK int abs(int n)
{
	return n < 0 ? -n : n;
}

WEAK long labs(long n)
{
	return n < 0 ? -n : n;
}

static int is_space(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/*
 * strtol and strtoul's common part: the magnitude of the number at s, its
 * sign, and whether it exceeded ULONG_MAX; *end is s itself when there are
 * no digits.
 */
static unsigned long parse_number(const char *s, char **end, int base, int *negative, int *overflow)
{
	const char *p = s;
	const char *digits;
	unsigned long value = 0;
	int d;

	*negative = 0;
	*overflow = 0;
	while (is_space(*p))
		p++;
	if (*p == '+' || *p == '-')
		*negative = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = *p == '0' ? 8 : 10;
	}
	digits = p;
	if (base >= 2 && base <= 36) {
		for (; (d = digit_value(*p)) < base; p++) {
			if (value > (ULONG_MAX - (unsigned long)d) / (unsigned long)base)
				*overflow = 1;
			value = value * (unsigned long)base + (unsigned long)d;
		}
	}
	if (end)
		*end = (char *)(p == digits ? s : p);
	return value;
}

WEAK long strtol(const char *s, char **end, int base)
{
	int negative, overflow;
	unsigned long value = parse_number(s, end, base, &negative, &overflow);

	if (!negative && (overflow || value > (unsigned long)LONG_MAX)) {
		errno = ERANGE;
		return LONG_MAX;
	}
	if (negative && (overflow || value > (unsigned long)LONG_MAX + 1)) {
		errno = ERANGE;
		return LONG_MIN;
	}
	return negative ? (long)(0UL - value) : (long)value;
}

/* As C says: a minus sign negates the value as an unsigned long. */
WEAK unsigned long strtoul(const char *s, char **end, int base)
{
	int negative, overflow;
	unsigned long value = parse_number(s, end, base, &negative, &overflow);

	if (overflow) {
		errno = ERANGE;
		return ULONG_MAX;
	}
	return negative ? 0UL - value : value;
}

WEAK long atol(const char *s)
{
	return strtol(s, NULL, 10);
}

WEAK int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

/* ---- output ---- */

#define FILE_BUFFER 1024

struct __modlab_file {
	int fd;
	/* stdout: written at each newline; stderr: at the end of each call. */
	int line_buffered;
	size_t len;
	/* FILE_BUFFER bytes, apart so that they are in .bss, not in the executable. */
	char *buf;
};

static char stdout_buffer[FILE_BUFFER], stderr_buffer[FILE_BUFFER];
static struct __modlab_file stdout_file = { 1, 1, 0, stdout_buffer };
static struct __modlab_file stderr_file = { 2, 0, 0, stderr_buffer };
WEAK FILE *stdout = &stdout_file;
WEAK FILE *stderr = &stderr_file;

/* Writes all of p, retrying after an interrupted or short write; gives up on an error. */
static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t done = CALL3(SYS_write, fd, p, n);

		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0)
			return EOF;
		p += done;
		n -= (size_t)done;
	}
	return 0;
}

static int flush(FILE *f)
{
	int result = write_all(f->fd, f->buf, f->len);

	f->len = 0;
	return result;
}

/* NULL: every stream, as C says. */
WEAK int fflush(FILE *f)
{
	return f ? flush(f) : flush(stdout) | flush(stderr);
}

static void file_put(FILE *f, char c)
{
	f->buf[f->len++] = c;
	if (f->len == FILE_BUFFER || (c == '\n' && f->line_buffered))
		flush(f);
}

/* What goes to stderr comes after what the program printed before it. */
static void before_output(FILE *f)
{
	if (f != stdout && stdout->len > 0)
		flush(stdout);
}

static int after_output(FILE *f)
{
	return f->line_buffered ? 0 : flush(f);
}

/* Where formatted text goes: a FILE, or a caller's buffer of cap bytes (the NUL included). */
struct sink {
	FILE *file;
	char *buf;
	size_t cap;
	/* Every character produced, kept or not: what printf and snprintf return. */
	size_t count;
};

static void emit(struct sink *s, char c)
{
	if (s->file)
		file_put(s->file, c);
	else if (s->count + 1 < s->cap)
		s->buf[s->count] = c;
	s->count++;
}

static void emit_repeat(struct sink *s, char c, int n)
{
	while (n-- > 0)
		emit(s, c);
}

static void emit_text(struct sink *s, const char *text, int n)
{
	while (n-- > 0)
		emit(s, *text++);
}

/* One conversion's flags, width and precision (-1: none given). */
struct spec {
	int left, zero, plus, space, alternate;
	int width, precision;
};

/*
 * Writes v's digits in base, backwards, ending just before end; returns
 * where they start. A 64-bit value is divided 16 bits at a time with 32-bit
 * division, so no 64-bit division helper is needed.
 */
static char *format_digits(char *end, unsigned long long v, unsigned base, const char *alphabet)
{
	unsigned hi = (unsigned)(v >> 32), lo = (unsigned)v;

	while (hi != 0) {
		unsigned r = hi % base, upper, lower;

		hi /= base;
		upper = (r << 16) | (lo >> 16);
		r = upper % base;
		upper /= base;
		lower = (r << 16) | (lo & 0xffff);
		r = lower % base;
		lo = (upper << 16) | (lower / base);
		*--end = alphabet[r];
	}
	do {
		*--end = alphabet[lo % base];
		lo /= base;
	} while (lo);
	return end;
}

static void emit_padded(struct sink *s, const struct spec *sp, const char *text, int len)
{
	int pad = sp->width - len;

	if (!sp->left)
		emit_repeat(s, ' ', pad);
	emit_text(s, text, len);
	if (sp->left)
		emit_repeat(s, ' ', pad);
}

/* sign is '-', '+', ' ' or 0; prefix is "0x", "0X" or "". */
static void emit_number(struct sink *s, const struct spec *sp, unsigned long long v, unsigned base, int upper, char sign, const char *prefix)
{
	char text[24];
	char *end = text + sizeof text;
	char *start = format_digits(end, v, base, upper ? "0123456789ABCDEF" : "0123456789abcdef");
	int len = (int)(end - start);
	int zeros, pad;

	/* C: zero with a precision of 0 is no digits at all. */
	if (sp->precision == 0 && v == 0)
		len = 0;
	zeros = sp->precision > len ? sp->precision - len : 0;
	/* %#o: the number starts with a 0. */
	if (base == 8 && sp->alternate && zeros == 0 && (len == 0 || *start != '0'))
		zeros = 1;
	pad = sp->width - len - zeros - (sign != 0) - (int)length(prefix);
	if (!sp->left && !(sp->zero && sp->precision < 0))
		emit_repeat(s, ' ', pad);
	if (sign)
		emit(s, sign);
	emit_text(s, prefix, (int)length(prefix));
	if (!sp->left && sp->zero && sp->precision < 0)
		emit_repeat(s, '0', pad);
	emit_repeat(s, '0', zeros);
	emit_text(s, start, len);
	if (sp->left)
		emit_repeat(s, ' ', pad);
}

/* The argument sizes: hh, h, none, l, ll (j: intmax_t is long long; z and t are int-sized here). */
enum { SIZE_CHAR, SIZE_SHORT, SIZE_INT, SIZE_LONG, SIZE_LLONG };

static void format(struct sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		struct spec sp = { 0, 0, 0, 0, 0, 0, -1 };
		int size = SIZE_INT;
		unsigned long long u;
		long long n;
		const char *str;
		char c;

		if (*fmt != '%') {
			emit(s, *fmt);
			continue;
		}
		for (fmt++;; fmt++) {
			if (*fmt == '-')
				sp.left = 1;
			else if (*fmt == '0')
				sp.zero = 1;
			else if (*fmt == '+')
				sp.plus = 1;
			else if (*fmt == ' ')
				sp.space = 1;
			else if (*fmt == '#')
				sp.alternate = 1;
			else
				break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = 1;
				sp.width = -sp.width;
			}
			fmt++;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			sp.width = sp.width * 10 + (*fmt - '0');
		if (*fmt == '.') {
			sp.precision = 0;
			if (*++fmt == '*') {
				sp.precision = va_arg(ap, int);
				if (sp.precision < 0)
					sp.precision = -1;
				fmt++;
			}
			for (; *fmt >= '0' && *fmt <= '9'; fmt++)
				sp.precision = sp.precision * 10 + (*fmt - '0');
		}
		for (;; fmt++) {
			if (*fmt == 'h')
				size = size == SIZE_SHORT ? SIZE_CHAR : SIZE_SHORT;
			else if (*fmt == 'l')
				size = size == SIZE_LONG ? SIZE_LLONG : SIZE_LONG;
			else if (*fmt == 'j')
				size = SIZE_LLONG;
			else if (*fmt != 'z' && *fmt != 't')
				break;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			if (size == SIZE_LLONG)
				n = va_arg(ap, long long);
			else if (size == SIZE_CHAR)
				n = (signed char)va_arg(ap, int);
			else if (size == SIZE_SHORT)
				n = (short)va_arg(ap, int);
			else
				n = va_arg(ap, long);
			/* 0 - u, not -n: the most negative number has no positive twin. */
			u = (unsigned long long)n;
			emit_number(s, &sp, n < 0 ? 0 - u : u, 10, 0, n < 0 ? '-' : sp.plus ? '+' : sp.space ? ' ' : 0, "");
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (size == SIZE_LLONG)
				u = va_arg(ap, unsigned long long);
			else if (size == SIZE_CHAR)
				u = (unsigned char)va_arg(ap, unsigned);
			else if (size == SIZE_SHORT)
				u = (unsigned short)va_arg(ap, unsigned);
			else
				u = va_arg(ap, unsigned long);
			c = *fmt;
			emit_number(s, &sp, u, c == 'u' ? 10 : c == 'o' ? 8 : 16, c == 'X', 0,
				    sp.alternate && u != 0 && c == 'x' ? "0x" : sp.alternate && u != 0 && c == 'X' ? "0X" : "");
			break;
		case 'p':
			u = (unsigned long)va_arg(ap, void *);
			/* glibc's spelling of a NULL pointer. */
			if (u == 0)
				emit_padded(s, &sp, "(nil)", 5);
			else
				emit_number(s, &sp, u, 16, 0, 0, "0x");
			break;
		case 'c':
			c = (char)va_arg(ap, int);
			emit_padded(s, &sp, &c, 1);
			break;
		case 's':
			str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			n = 0;
			while (str[n] && (sp.precision < 0 || n < sp.precision))
				n++;
			emit_padded(s, &sp, str, (int)n);
			break;
		case '%':
			emit(s, '%');
			break;
		case 0:
			/* A lone % at the end: nothing to convert. */
			return;
		default:
			/* Not a conversion this printf knows: shown as written. */
			emit(s, '%');
			emit(s, *fmt);
			break;
		}
	}
}

static int format_file(FILE *f, const char *fmt, va_list ap)
{
	struct sink s = { f, NULL, 0, 0 };

	before_output(f);
	format(&s, fmt, ap);
	return after_output(f) ? EOF : (int)s.count;
}

/* Writes at most size - 1 characters and a NUL; returns the length the whole text has. */
static int format_buffer(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { NULL, buf, size, 0 };

	format(&s, fmt, ap);
	if (size > 0)
		buf[s.count < size ? s.count : size - 1] = 0;
	return (int)s.count;
}

/* The body of a printer taking "fmt, ...": the arguments after fmt go to call, as ap. */
#define FORWARD(call)              \
	va_list ap;                \
	int n;                     \
	va_start(ap, fmt);         \
	n = (call);                \
	va_end(ap);                \
	return n

static int print_buffer(char *buf, size_t size, const char *fmt, ...)
{
	FORWARD(format_buffer(buf, size, fmt, ap));
}

static int print_file(FILE *f, const char *fmt, ...)
{
	FORWARD(format_file(f, fmt, ap));
}

WEAK int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	return format_file(f, fmt, ap);
}

WEAK int vprintf(const char *fmt, va_list ap)
{
	return format_file(stdout, fmt, ap);
}

WEAK int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return format_buffer(buf, size, fmt, ap);
}

WEAK int vsprintf(char *buf, const char *fmt, va_list ap)
{
	return format_buffer(buf, INT_MAX, fmt, ap);
}

WEAK int printf(const char *fmt, ...)
{
	FORWARD(format_file(stdout, fmt, ap));
}

WEAK int fprintf(FILE *f, const char *fmt, ...)
{
	FORWARD(format_file(f, fmt, ap));
}

WEAK int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	FORWARD(format_buffer(buf, size, fmt, ap));
}

WEAK int sprintf(char *buf, const char *fmt, ...)
{
	FORWARD(format_buffer(buf, INT_MAX, fmt, ap));
}

static int put_text(const char *str, FILE *f)
{
	before_output(f);
	while (*str)
		file_put(f, *str++);
	return after_output(f);
}

WEAK int fputs(const char *str, FILE *f)
{
	return put_text(str, f);
}

/* One write: the text and its newline go out together. */
WEAK int puts(const char *str)
{
	return print_file(stdout, "%s\n", str) < 0 ? EOF : 0;
}

static int put_char(int c, FILE *f)
{
	before_output(f);
	file_put(f, (char)c);
	return after_output(f) ? EOF : (unsigned char)c;
}

WEAK int fputc(int c, FILE *f)
{
	return put_char(c, f);
}

WEAK int putc(int c, FILE *f)
{
	return put_char(c, f);
}

WEAK int putchar(int c)
{
	return put_char(c, stdout);
}

WEAK void perror(const char *s)
{
	/* Read first: writing stdout out may change errno. */
	const char *text = message(errno);

	if (s && *s)
		print_file(stderr, "%s: %s\n", s, text);
	else
		print_file(stderr, "%s\n", text);
}

/* ---- the start and the end ---- */

static void finish(int status) __attribute__((noreturn));
static void finish(int status)
{
	flush(stdout);
	flush(stderr);
	leave(status);
}

WEAK void exit(int status)
{
	finish(status);
}

WEAK void abort(void)
{
	/* SIGABRT is 6 on i386; leave() stays in case the signal is blocked. */
	flush(stdout);
	CALL3(SYS_kill, CALL3(SYS_getpid, 0, 0, 0), 6, 0);
	leave(127);
}

/* Called by _start with the stack the kernel built. */
void __modlab_start(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);

	environ = argv + argc + 1;
	finish(main(argc, argv, environ));
}
