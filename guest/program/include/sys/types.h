/*
 * <sys/types.h> for students' programs, written for modlab: the i386
 * Linux sizes of the system's types. caddr_t is what create_module(2)
 * returns: the kernel address of the new module, as a char pointer.
 */
#ifndef MODLAB_SYS_TYPES_H
#define MODLAB_SYS_TYPES_H

#include <stddef.h>

typedef int ssize_t;
typedef int pid_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;
typedef unsigned int mode_t;
typedef long off_t;
typedef char *caddr_t;

#endif
