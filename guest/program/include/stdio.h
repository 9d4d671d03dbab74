/*
 * <stdio.h> for students' programs, written for modlab: formatted output
 * to stdout and stderr. stdout is buffered and written at each newline,
 * when full, before anything goes to stderr, and at exit; stderr is
 * written at the end of each call.
 *
 * printf's conversions: %d %i %u %x %X %o %c %s %p %%, with the flags
 * - 0 + space #, a width and a precision (numbers or *), and the sizes
 * hh h l ll z t j (ll: 64-bit numbers). No floating point.
 */
#ifndef MODLAB_STDIO_H
#define MODLAB_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)

typedef struct __modlab_file FILE;
extern FILE *stdout;
extern FILE *stderr;

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sprintf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vprintf(const char *fmt, va_list ap);
int vfprintf(FILE *f, const char *fmt, va_list ap);
int vsprintf(char *buf, const char *fmt, va_list ap);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

int putchar(int c);
int fputc(int c, FILE *f);
int putc(int c, FILE *f);
/* Writes s and a newline. */
int puts(const char *s);
int fputs(const char *s, FILE *f);
int fflush(FILE *f);
/* Writes "s: " (when s is not NULL or empty) and strerror(errno) to stderr. */
void perror(const char *s);

#endif
