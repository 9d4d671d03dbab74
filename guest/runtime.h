/*
 * The little runtime the agent and its linker share, in place of a libc:
 * memory and string functions, little-endian words and number formatting.
 */
#ifndef MODLAB_RUNTIME_H
#define MODLAB_RUNTIME_H

#include "types.h"

/* gcc may emit calls to these even in freestanding code, so they keep their libc names. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memmove(void *dst, const void *src, size_t n);

u32 str_len(const char *s);
/* Writes all n bytes to fd, retrying after signals; stops at the first error. */
void write_all(int fd, const void *buf, u32 n);
/* Whether two strings are equal. */
int str_eq(const char *a, const char *b);

/* Words in guest memory, on the wire and in ELF files are little-endian and may be unaligned. */
static inline u32 get32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static inline void put32(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
}

/* Room for "0x" and eight hex digits, or for ten decimal digits, and the NUL. */
#define NUM_TEXT_SIZE 11

/* Writes v as 0x and eight hex digits; returns buf. */
char *fmt_hex(char buf[NUM_TEXT_SIZE], u32 v);
/* Writes v in decimal; returns where its digits start within buf. */
char *fmt_dec(char buf[NUM_TEXT_SIZE], u32 v);

#endif
