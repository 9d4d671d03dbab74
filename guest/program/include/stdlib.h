/*
 * <stdlib.h> for students' programs, written for modlab: leaving the
 * program and reading numbers. No malloc: a program in the guest uses
 * arrays of a fixed size.
 */
#ifndef MODLAB_STDLIB_H
#define MODLAB_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

/* Flushes stdout, then ends the program with status & 0xff. */
void exit(int status) __attribute__((noreturn));
/* Ends the program at once with SIGABRT. */
void abort(void) __attribute__((noreturn));

int atoi(const char *s);
long atol(const char *s);
/* base 0 reads a 0x or 0 prefix; out-of-range values give LONG_MAX/LONG_MIN (or ULONG_MAX) and ERANGE. */
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);

int abs(int n);
long labs(long n);

#endif
