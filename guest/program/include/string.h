/*
 * <string.h> for students' programs, written for modlab; the runtime
 * (guest/program/runtime.c) defines these.
 */
#ifndef MODLAB_STRING_H
#define MODLAB_STRING_H

#include <stddef.h>

size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *dst, const char *src);
/* Pads with NULs, and leaves dst unterminated when src has n or more characters. */
char *strncpy(char *dst, const char *src, size_t n);
char *strcat(char *dst, const char *src);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* The message for errno 0..40 ("File exists"), the name beyond ("ENOTSOCK"), else "Unknown error N". */
char *strerror(int errnum);
/* The errno's name ("EEXIST"), or NULL for a number with none (as glibc 2.32's). */
const char *strerrorname_np(int errnum);

#endif
