/*
 * <unistd.h> for students' programs, written for modlab. syscall() makes
 * any system call by number (<sys/syscall.h>): like glibc's, it returns -1
 * and sets errno when the kernel answers with an error.
 */
#ifndef MODLAB_UNISTD_H
#define MODLAB_UNISTD_H

#include <sys/types.h>

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

/* Up to six arguments after the number, each a long (a pointer fits). */
long syscall(long number, ...);

ssize_t read(int fd, void *buf, size_t count);
ssize_t write(int fd, const void *buf, size_t count);
int close(int fd);
pid_t getpid(void);
pid_t getppid(void);
uid_t getuid(void);
uid_t geteuid(void);
gid_t getgid(void);
/* Dropping root makes the module calls answer EPERM. */
int setuid(uid_t uid);
/* Ends the program at once: stdout is not flushed. */
void _exit(int status) __attribute__((noreturn));

#endif
