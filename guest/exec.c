/*
 * EXEC: runs a user's static program in a forked child (see exec.h).
 *
 * A real fork, not the CLONE_VM child of a call: the program gets an address
 * space of its own the moment it execs, and nothing it does can scribble on
 * the agent. The child's stdin is a pipe nobody writes (end of file at once),
 * its stdout and stderr are pipes the agent reads with select() until the
 * deadline, and a fourth pipe, closed by a successful execve
 * (FD_CLOEXEC), carries back the step and errno when the program could not
 * be started. The child leads a process group of its own so that the
 * deadline's SIGKILL also reaches whatever it forked.
 */
#include "exec.h"
#include "protocol.h"
#include "runtime.h"
#include "sys.h"

/* How often the agent looks for a child that exited while something it forked still holds its pipes. */
#define TICK_MS 50
/* fds from here up are free in the child while it rearranges 0, 1 and 2. */
#define HIGH_FD 16
#define MAX_FD 64

static const char *const program_env[] = { "HOME=/", "PATH=/tmp:/sbin", 0 };

/*
 * Microseconds since t0 by the guest's clock (the limit is a minute, far
 * from overflow). 2.4 on v86 may step back by a few ms between two reads:
 * that counts as no time, never as a wrapped-around eternity.
 */
static u32 since_us(const struct timeval *t0)
{
	struct timeval t;
	sys2(SYS_gettimeofday, (u32)&t, 0);
	s32 us = (t.tv_sec - t0->tv_sec) * 1000000 + (t.tv_usec - t0->tv_usec);
	return us > 0 ? (u32)us : 0;
}

/* The child: stdio onto the pipes, everything else closed, the uid dropped, then the program. */
__attribute__((noreturn)) static void child(const struct exec_job *job, int in, int out, int err, int status)
{
	int fd[4] = { in, out, err, status };
	u32 why[2] = { ML_STEP_SETUID, 0 };
	sys0(SYS_setsid);
	/* Out of the way first: the pipes may have been given any of fds 0-2 (init starts with none open). */
	for (int i = 0; i < 4; i++)
		fd[i] = sys3(SYS_fcntl, (u32)fd[i], F_DUPFD, HIGH_FD);
	for (int i = 0; i < 3; i++)
		sys2(SYS_dup2, (u32)fd[i], (u32)i);
	/* The agent's ports and the other pipe ends are not the program's. */
	for (int i = 3; i < MAX_FD; i++)
		if (i != fd[3])
			sys1(SYS_close, (u32)i);
	sys3(SYS_fcntl, (u32)fd[3], F_SETFD, FD_CLOEXEC);
	s32 r = job->uid == ML_NO_UID ? 0 : sys1(SYS_setuid32, job->uid);
	if (r >= 0) {
		why[0] = ML_STEP_EXEC;
		r = sys3(SYS_execve, (u32)job->path, (u32)job->argv, (u32)program_env);
	}
	why[1] = (u32)-r;
	write_all(fd[3], why, sizeof(why));
	for (;;)
		sys1(SYS_exit, 127);
}

static void not_run(struct exec_report *r, u32 step, s32 err)
{
	r->end = ML_EXEC_NOTRUN;
	r->step = step;
	r->word = (u32)-err;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		sys1(SYS_close, (u32)*fd);
	*fd = -1;
}

/* Four pipes: the child's stdin, stdout, stderr, and the start-up report. 0 or -errno, nothing left open on failure. */
static s32 make_pipes(int p[4][2])
{
	for (int i = 0; i < 4; i++) {
		s32 e = sys1(SYS_pipe, (u32)p[i]);
		if (e < 0) {
			while (i-- > 0) {
				close_fd(&p[i][0]);
				close_fd(&p[i][1]);
			}
			return e;
		}
	}
	return 0;
}

/* Reads what one stream has: kept up to the cap and echoed, the rest dropped. Closes it at end of file. */
static void take(const struct exec_job *job, struct exec_report *r, int i, int *fd)
{
	u8 scratch[4096];
	u32 room = job->cap - r->len[i];
	u8 *to = room ? job->out[i] + r->len[i] : scratch;
	u32 want = room && room < sizeof(scratch) ? room : sizeof(scratch);
	s32 n = sys3(SYS_read, (u32)*fd, (u32)to, want);
	if (n == -EINTR || n == -EAGAIN)
		return;
	if (n <= 0) {
		close_fd(fd);
		return;
	}
	if (!room) {
		r->flags |= i == 0 ? ML_EXEC_STDOUT_TRUNCATED : ML_EXEC_STDERR_TRUNCATED;
		return;
	}
	r->len[i] += (u32)n;
	if (job->echo_fd >= 0)
		write_all(job->echo_fd, to, (u32)n);
}

/* Waits up to ms for output on the open streams and takes it; returns how many were ready. */
static s32 pump(const struct exec_job *job, struct exec_report *r, int fd[2], u32 ms)
{
	u32 set[MAX_FD / 32] = { 0 };
	int top = -1;
	for (int i = 0; i < 2; i++) {
		if (fd[i] < 0)
			continue;
		set[fd[i] / 32] |= 1u << (fd[i] % 32);
		if (fd[i] > top)
			top = fd[i];
	}
	struct timeval tv = { (s32)(ms / 1000), (s32)(ms % 1000) * 1000 };
	s32 n = sys5(SYS__newselect, (u32)(top + 1), top >= 0 ? (u32)set : 0, 0, 0, (u32)&tv);
	if (n <= 0)
		return 0;
	for (int i = 0; i < 2; i++)
		if (fd[i] >= 0 && (set[fd[i] / 32] & (1u << (fd[i] % 32))))
			take(job, r, i, &fd[i]);
	return n;
}

static void reap(s32 pid, s32 *status)
{
	while (sys3(SYS_waitpid, (u32)pid, (u32)status, 0) == -EINTR)
		;
}

void run_program(const struct exec_job *job, struct exec_report *r)
{
	int p[4][2];
	*r = (struct exec_report){ 0 };
	/* Executable for every uid: a program run as another user must still be allowed to run. */
	s32 e = sys2(SYS_chmod, (u32)job->path, 0755);
	if (e < 0) {
		not_run(r, ML_STEP_EXEC, e);
		return;
	}
	e = make_pipes(p);
	if (e < 0) {
		not_run(r, ML_STEP_FORK, e);
		return;
	}
	struct timeval t0;
	sys2(SYS_gettimeofday, (u32)&t0, 0);
	s32 pid = sys0(SYS_fork);
	if (pid == 0)
		child(job, p[0][0], p[1][1], p[2][1], p[3][1]);
	/* The agent keeps only the read ends: end of file on them means every writer has let go. */
	close_fd(&p[0][0]);
	close_fd(&p[0][1]);
	close_fd(&p[1][1]);
	close_fd(&p[2][1]);
	close_fd(&p[3][1]);
	int fd[2] = { p[1][0], p[2][0] };
	if (pid < 0) {
		close_fd(&fd[0]);
		close_fd(&fd[1]);
		close_fd(&p[3][0]);
		not_run(r, ML_STEP_FORK, pid);
		return;
	}
	/* Eight bytes if the child could not start the program; end of file once it has. */
	u32 why[2];
	s32 n;
	while ((n = sys3(SYS_read, (u32)p[3][0], (u32)why, sizeof(why))) == -EINTR)
		;
	close_fd(&p[3][0]);
	s32 status = 0;
	if (n == (s32)sizeof(why)) {
		reap(pid, &status);
		close_fd(&fd[0]);
		close_fd(&fd[1]);
		not_run(r, why[0], -(s32)why[1]);
		r->guest_us = since_us(&t0);
		return;
	}
	int reaped = 0, timed_out = 0;
	for (;;) {
		if (!reaped && sys3(SYS_waitpid, (u32)pid, (u32)&status, WNOHANG) == pid) {
			reaped = 1;
			/* What it left running in its group would hold the pipes open: that ends with it. */
			sys2(SYS_kill, (u32)-pid, SIGKILL);
		}
		if (reaped && fd[0] < 0 && fd[1] < 0)
			break;
		u32 used = since_us(&t0) / 1000;
		if (used >= job->limit_ms) {
			if (!reaped) {
				timed_out = 1;
				sys2(SYS_kill, (u32)-pid, SIGKILL);
				sys2(SYS_kill, (u32)pid, SIGKILL);
				reap(pid, &status);
			}
			break;
		}
		u32 wait = job->limit_ms - used;
		pump(job, r, fd, wait < TICK_MS ? wait : TICK_MS);
	}
	r->guest_us = since_us(&t0);
	/* What the pipes still hold is the program's too; take it without waiting. */
	for (int round = 0; round < 64 && (fd[0] >= 0 || fd[1] >= 0); round++)
		if (pump(job, r, fd, 0) <= 0)
			break;
	close_fd(&fd[0]);
	close_fd(&fd[1]);
	/* Anything it forked that outlived it is init's to reap now. */
	s32 stray;
	while (sys3(SYS_waitpid, (u32)-1, (u32)&stray, WNOHANG) > 0)
		;
	if (timed_out) {
		r->end = ML_EXEC_TIMEOUT;
	} else if (WIFEXITED(status)) {
		r->end = ML_EXEC_EXITED;
		r->word = (u32)WEXITSTATUS(status);
	} else {
		r->end = ML_EXEC_SIGNALED;
		r->word = (u32)WTERMSIG(status);
	}
}
