/* The shared runtime (see runtime.h). */
#include "runtime.h"
#include "sys.h"

void *memcpy(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	u8 *d = dst;
	while (n--)
		*d++ = (u8)c;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;
	if (d < s)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void write_all(int fd, const void *buf, u32 n)
{
	const u8 *p = buf;
	while (n > 0) {
		s32 r = sys3(SYS_write, (u32)fd, (u32)p, n);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			return;
		p += r;
		n -= (u32)r;
	}
}

u32 str_len(const char *s)
{
	u32 n = 0;
	while (s[n])
		n++;
	return n;
}

int str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

char *fmt_hex(char buf[NUM_TEXT_SIZE], u32 v)
{
	buf[0] = '0';
	buf[1] = 'x';
	for (int i = 0; i < 8; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
	buf[NUM_TEXT_SIZE - 1] = 0;
	return buf;
}

char *fmt_dec(char buf[NUM_TEXT_SIZE], u32 v)
{
	int i = NUM_TEXT_SIZE - 1;
	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return buf + i;
}
