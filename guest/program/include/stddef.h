/*
 * <stddef.h> for students' programs in the guest, written for modlab: the
 * types and macros C gives every program, from the compiler's own
 * predefined types (tcc and gcc both define __SIZE_TYPE__ and friends).
 */
#ifndef MODLAB_STDDEF_H
#define MODLAB_STDDEF_H

#ifndef NULL
#define NULL ((void *)0)
#endif

#ifndef MODLAB_SIZE_T
#define MODLAB_SIZE_T
typedef __SIZE_TYPE__ size_t;
#endif

typedef __PTRDIFF_TYPE__ ptrdiff_t;
typedef __WCHAR_TYPE__ wchar_t;

#define offsetof(type, member) __builtin_offsetof(type, member)

#endif
