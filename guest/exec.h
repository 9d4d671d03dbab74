/*
 * Running a user's program for EXEC (harness/protocol.ts): a forked child
 * with its output captured, a deadline, and a report of how it ended.
 */
#ifndef MODLAB_EXEC_H
#define MODLAB_EXEC_H

#include "types.h"

struct exec_job {
	const char *path;
	/* NULL-terminated, argv[0] first. */
	char *const *argv;
	/* ML_NO_UID: the program runs as root. */
	u32 uid;
	u32 limit_ms;
	/* Where the program's output is echoed as it comes (the console), or -1. */
	int echo_fd;
	/* stdout and stderr are kept here, up to cap bytes each. */
	u8 *out[2];
	u32 cap;
};

struct exec_report {
	/* ML_EXEC_EXITED … ML_EXEC_NOTRUN, and its word (status, signal, errno). */
	u32 end, word;
	/* ML_STEP_*, for ML_EXEC_NOTRUN. */
	u32 step;
	u32 guest_us;
	/* ML_EXEC_STDOUT_TRUNCATED | ML_EXEC_STDERR_TRUNCATED. */
	u32 flags;
	u32 len[2];
};

/* Runs job's program to its end or its deadline and fills *r; the caller deletes the file. */
void run_program(const struct exec_job *job, struct exec_report *r);

#endif
