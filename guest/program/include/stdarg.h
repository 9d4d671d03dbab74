/*
 * <stdarg.h> for students' programs, written for modlab. On i386 every
 * argument sits on the stack in 4-byte slots; tcc and gcc both provide
 * __builtin_va_* that walk them, so this only gives them C's names.
 */
#ifndef MODLAB_STDARG_H
#define MODLAB_STDARG_H

typedef __builtin_va_list va_list;
#define va_start(ap, last) __builtin_va_start(ap, last)
#define va_arg(ap, type) __builtin_va_arg(ap, type)
#define va_end(ap) __builtin_va_end(ap)
#define va_copy(dst, src) __builtin_va_copy(dst, src)

#endif
