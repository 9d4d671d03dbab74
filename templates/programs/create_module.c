/*
 * create_module(2) called as its man page tells: glibc before 2.23
 * exported the call but no header declared it, so the program declares it
 * itself. A second module is asked for by system call number. On 2.4 each
 * answer is the kernel address where the module will live; on 6.1 the call
 * is gone (ENOSYS).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

caddr_t create_module(const char *name, size_t size);

/* Prints what the kernel answered: an address, or -1 with errno. */
static void answer(const char *call, long ret)
{
	if (ret == -1)
		printf("%s = -1, errno %d %s (%s)\n", call, errno, strerrorname_np(errno), strerror(errno));
	else
		printf("%s = %#lx\n", call, ret);
}

int main(void)
{
	answer("create_module(\"first\", 4096)", (long)create_module("first", 4096));
	answer("syscall(SYS_create_module, \"second\", 8192)", syscall(SYS_create_module, "second", 8192));

	/* A module that was created but never loaded stays until it is deleted. */
	answer("delete_module(\"first\")", syscall(SYS_delete_module, "first"));
	answer("delete_module(\"second\")", syscall(SYS_delete_module, "second"));

	printf("getuid() = %u\n", getuid());
	return 0;
}
