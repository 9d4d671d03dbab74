/*
 * modlab guest agent: runs as init (pid 1) on the guest kernel.
 *
 * It serves two serial ports:
 *   ttyS1  the machine protocol (frames defined in harness/protocol.ts,
 *          constants in protocol.h), raw 8-bit, nothing else writes there;
 *   ttyS0  the console, shared with the kernel's printk, where a person can
 *          type the same calls into a tiny shell.
 *
 * Every system call runs in a child task, so that a kernel oops kills the
 * child and not init; the child reports eax through the memory it shares
 * with the agent (see run_call).
 */
#include "sys.h"
#include "protocol.h"
#include "runtime.h"
#include "link.h"
#include "exec.h"

#define FRAME_MAX (ML_HEADER_SIZE + ML_MAX_PAYLOAD + ML_TRAILER_SIZE)

static int proto_fd = -1;
static int con_fd = -1;

/* Receive buffer holds at most one whole frame plus what follows it. */
static u8 rx[FRAME_MAX + 4096];
static u32 rx_len;
/* Bytes read from the protocol port so far, and the count last acknowledged (flow control). */
static u32 rx_total, rx_acked;
static u8 tx[FRAME_MAX];
static u8 filebuf[ML_MAX_PAYLOAD];
/* Memory for ML_ARG_OUT arguments, which the kernel fills and the RESULT frame carries back. */
static u8 outbuf[ML_MAX_OUT];
/* The bulk window (protocol.ts): where the host writes large arguments; 0 when there is none. */
static u8 *window;
static u32 window_size;

static u32 crc_table[256];

static void crc_init(void)
{
	for (u32 n = 0; n < 256; n++) {
		u32 c = n;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
}

static u32 crc32(const u8 *p, u32 n)
{
	u32 c = 0xffffffffu;
	while (n--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

/* Frames are built in tx and written in one go; the payload may already be there. */
static void send_frame(u32 type, u32 id, const u8 *payload, u32 n)
{
	tx[0] = ML_MAGIC0;
	tx[1] = ML_MAGIC1;
	tx[2] = ML_PROTOCOL_VERSION;
	tx[ML_FRAME_TYPE_AT] = (u8)type;
	put32(tx + ML_FRAME_ID_AT, id);
	put32(tx + ML_FRAME_LENGTH_AT, n);
	if (payload && payload != tx + ML_HEADER_SIZE)
		memcpy(tx + ML_HEADER_SIZE, payload, n);
	put32(tx + ML_HEADER_SIZE + n, crc32(tx, ML_HEADER_SIZE + n));
	write_all(proto_fd, tx, ML_HEADER_SIZE + n + ML_TRAILER_SIZE);
}

static void send_error(u32 id, const char *msg)
{
	send_frame(ML_FRAME_ERROR, id, (const u8 *)msg, str_len(msg));
}

/*
 * A console mark (protocol.ts): ESC _ tag, the request id in 8 hex digits,
 * ESC \\. The start mark is written right before a request's child or
 * program runs, the end mark after it and before the reply; the kernel's
 * printk reaches the serial console synchronously, so all it printed
 * meanwhile is out between the two. One write, so nothing else the agent
 * says can come between a mark's bytes.
 */
static void console_mark(const char *tag, u32 id)
{
	static const char hex[] = "0123456789abcdef";
	char m[sizeof(ML_END_MARK_TAG) + 12];
	u32 n = 0;
	if (con_fd < 0)
		return;
	m[n++] = 033;
	m[n++] = '_';
	for (const char *t = tag; *t; t++)
		m[n++] = *t;
	for (int shift = 28; shift >= 0; shift -= 4)
		m[n++] = hex[(id >> shift) & 15];
	m[n++] = 033;
	m[n++] = '\\';
	write_all(con_fd, m, n);
}

_Static_assert(sizeof(ML_START_MARK_TAG) == sizeof(ML_END_MARK_TAG), "console_mark's buffer fits either tag");
static void start_mark(u32 id) { console_mark(ML_START_MARK_TAG, id); }
static void end_mark(u32 id) { console_mark(ML_END_MARK_TAG, id); }

/*
 * Runs one system call in a child, as `uid` unless it is ML_NO_UID.
 * Returns the outcome and its word (eax, signal or errno).
 */
/*
 * Each call runs in a child task, so that a kernel oops kills the child and
 * not init. The child shares the agent's memory and the agent sleeps until
 * it exits (CLONE_VM | CLONE_VFORK): no page tables to copy, no copy-on-write
 * faults and no pipe, which halves the cost of a call. The child runs on its
 * own stack and reports through `job`; a child that dies inside the call
 * leaves job.done at 0.
 */
static struct {
	u32 sysno, uid, argv[ML_MAX_ARGS];
	volatile u32 done, outcome, word;
} job;
static u8 child_stack[16384] __attribute__((aligned(16)));

__attribute__((noreturn, used)) static void call_child(void)
{
	if (job.uid != ML_NO_UID) {
		s32 r = sys1(SYS_setuid32, job.uid);
		if (r < 0) {
			job.outcome = ML_OUTCOME_SETUPFAILED;
			job.word = (u32)-r;
			job.done = 1;
			sys1(SYS_exit, 0);
		}
	}
	s32 r = sys5((s32)job.sysno, job.argv[0], job.argv[1], job.argv[2], job.argv[3], job.argv[4]);
	job.outcome = ML_OUTCOME_RETURNED;
	job.word = (u32)r;
	job.done = 1;
	sys1(SYS_exit, 0);
	for (;;)
		;
}

/* clone() returns twice: the child continues on child_stack into call_child and never comes back. */
static s32 spawn_child(void)
{
	s32 pid;
	__asm__ volatile("int $0x80\n\t"
			 "testl %%eax, %%eax\n\t"
			 "jnz 1f\n\t"
			 "call call_child\n"
			 "1:"
			 : "=a"(pid)
			 : "0"(SYS_clone), "b"(CLONE_VM | CLONE_VFORK | SIGCHLD), "c"(child_stack + sizeof(child_stack))
			 : "memory");
	return pid;
}

static u32 run_call(u32 sysno, u32 uid, const u32 *argv, u32 *word)
{
	job.sysno = sysno;
	job.uid = uid;
	for (u32 i = 0; i < ML_MAX_ARGS; i++)
		job.argv[i] = argv[i];
	job.done = 0;
	s32 pid = spawn_child();
	if (pid < 0) {
		*word = (u32)-pid;
		return ML_OUTCOME_SETUPFAILED;
	}
	s32 status = 0;
	while (sys3(SYS_waitpid, pid, (u32)&status, 0) == -EINTR)
		;
	if (job.done) {
		*word = job.word;
		return job.outcome;
	}
	/* No report: the child died inside the call. */
	*word = (u32)WTERMSIG(status);
	return ML_OUTCOME_KILLED;
}

static void serve_call(u32 id, const u8 *p, u32 n)
{
	u32 argv[ML_MAX_ARGS] = { 0 };
	u32 out_at[ML_MAX_ARGS], out_len[ML_MAX_ARGS], nout = 0, out_used = 0;
	if (n < ML_CALL_HEAD) {
		send_error(id, "call payload too short");
		return;
	}
	u32 sysno = get32(p), uid = get32(p + 4), argc = get32(p + 8);
	u32 at = ML_CALL_HEAD;
	if (argc > ML_MAX_ARGS) {
		send_error(id, "too many arguments");
		return;
	}
	for (u32 i = 0; i < argc; i++) {
		if (at + ML_ARG_HEAD > n) {
			send_error(id, "argument list truncated");
			return;
		}
		u32 kind = get32(p + at), value = get32(p + at + 4);
		at += ML_ARG_HEAD;
		if (kind == ML_ARG_VALUE) {
			argv[i] = value;
		} else if (kind == ML_ARG_BUFFER) {
			if (value > n - at) {
				send_error(id, "argument buffer truncated");
				return;
			}
			argv[i] = (u32)(p + at);
			at += value;
		} else if (kind == ML_ARG_WINDOW) {
			/* The bytes are already in the window; only their offset follows on the line. */
			if (at + ML_WINDOW_ARG_TAIL > n) {
				send_error(id, "window argument truncated");
				return;
			}
			u32 off = get32(p + at);
			at += ML_WINDOW_ARG_TAIL;
			if (!window || off > window_size || value > window_size - off) {
				send_error(id, "argument outside the bulk window");
				return;
			}
			argv[i] = (u32)(window + off);
		} else if (kind == ML_ARG_OUT) {
			if (value > sizeof(outbuf) - out_used) {
				send_error(id, "output buffers too large");
				return;
			}
			memset(outbuf + out_used, 0, value);
			argv[i] = (u32)(outbuf + out_used);
			out_at[nout] = out_used;
			out_len[nout++] = value;
			out_used += value;
		} else {
			send_error(id, "unknown argument kind");
			return;
		}
	}
	u32 word;
	start_mark(id);
	u32 outcome = run_call(sysno, uid, argv, &word);
	end_mark(id);
	u8 *out = tx + ML_HEADER_SIZE;
	put32(out, outcome);
	put32(out + 4, word);
	u32 len = ML_RESULT_HEAD;
	for (u32 i = 0; i < nout; i++) {
		/* The zeros the kernel left at the end stay here; the host puts them back. */
		u32 used = out_len[i];
		const u8 *b = outbuf + out_at[i];
		while (used >= 4 && (used & 3) == 0 && get32(b + used - 4) == 0)
			used -= 4;
		while (used > 0 && b[used - 1] == 0)
			used--;
		put32(out + len, out_len[i]);
		put32(out + len + 4, used);
		memcpy(out + len + ML_OUT_HEAD, outbuf + out_at[i], used);
		len += ML_OUT_HEAD + used;
	}
	send_frame(ML_FRAME_RESULT, id, out, len);
}

/* Reads a whole file into filebuf + ML_FILE_HEAD; returns its length, or -errno. */
static s32 read_file(const char *path)
{
	s32 fd = sys3(SYS_open, (u32)path, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	u32 have = 0;
	for (;;) {
		u32 room = sizeof(filebuf) - ML_FILE_HEAD - have;
		if (room == 0)
			break;
		s32 r = sys3(SYS_read, fd, (u32)(filebuf + ML_FILE_HEAD + have), room);
		if (r == -EINTR)
			continue;
		if (r < 0) {
			sys1(SYS_close, fd);
			return r;
		}
		if (r == 0)
			break;
		have += (u32)r;
	}
	sys1(SYS_close, fd);
	return (s32)have;
}

/* ---- LINK: the minimal insmod (link.c) with symbols from query_module ---- */

static u8 ksyms[262144];
static u8 msyms[65536];
static u8 modnames[8192];
static u8 image[65536];
static char report[16384];

static s32 qm(const char *name, u32 which, u8 *buf, u32 size, u32 *ret)
{
	return sys5(SYS_query_module, (u32)name, which, (u32)buf, size, (u32)ret);
}

/* A kernel export matches `name` itself or with a MODVERSIONS suffix, as printk_R1b7d4074. */
static int sym_matches(const char *have, const char *want)
{
	while (*want && *have == *want)
		have++, want++;
	if (*want)
		return 0;
	if (!*have)
		return 1;
	if (have[0] != '_' || have[1] != 'R')
		return 0;
	for (int i = 2; i < 10; i++) {
		char c = have[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return have[10] == 0;
}

/* Searches a QM_SYMS buffer: n pairs {value, name offset}, then the names. */
static int find_in(const u8 *buf, u32 n, const char *want, u32 *value, const char **found_as)
{
	for (u32 i = 0; i < n; i++) {
		const u8 *sym = buf + i * MODULE_SYMBOL_SIZE;
		const char *nm = (const char *)buf + get32(sym + 4);
		if (sym_matches(nm, want)) {
			*value = get32(sym);
			*found_as = nm;
			return 1;
		}
	}
	return 0;
}

static u32 ksym_count;

static int resolve_symbol(const char *want, u32 *value, const char **found_as, u32 *owner)
{
	*owner = 0;
	if (find_in(ksyms, ksym_count, want, value, found_as))
		return 1;
	/* Then the loaded modules' exports; the module's address makes it a dependency. */
	u32 nmods = 0;
	if (qm(0, QM_MODULES, modnames, sizeof(modnames), &nmods) < 0)
		return 0;
	const char *m = (const char *)modnames;
	for (u32 k = 0; k < nmods; k++, m += str_len(m) + 1) {
		u32 n = 0, info[MODULE_INFO_SIZE / 4];
		if (qm(m, QM_SYMS, msyms, sizeof(msyms), &n) < 0 || !find_in(msyms, n, want, value, found_as))
			continue;
		if (qm(m, QM_INFO, (u8 *)info, sizeof(info), &n) < 0)
			return 0;
		*owner = info[0];
		return 1;
	}
	return 0;
}

/* For a layout on a kernel without query_module: every symbol is taken as the kernel's, which adds no dependency. */
static int assume_kernel_symbol(const char *want, u32 *value, const char **found_as, u32 *owner)
{
	(void)want;
	*value = 0;
	*found_as = "the kernel's (not looked up: query_module failed)";
	*owner = 0;
	return 1;
}

/*
 * The one insmod link path, for LINK frames and the shell: reads the object
 * at `path` into filebuf, takes the kernel's symbols from query_module and
 * links the object for `base` (0: lays it out only) into image and report.
 * Returns 0 or -errno.
 */
static s32 link_object(const char *path, const char *name, u32 base, struct link_out *lo)
{
	*lo = (struct link_out){ image, sizeof(image), report, sizeof(report), 0, 0 };
	report[0] = 0;
	s32 objlen = read_file(path);
	if (objlen < 0)
		return objlen;
	s32 r = qm(0, QM_SYMS, ksyms, sizeof(ksyms), &ksym_count);
	/* A layout needs only sizes: without the kernel's symbols (no query_module), assume each comes from it. */
	if (r < 0 && base == 0)
		return link_module(filebuf + ML_FILE_HEAD, (u32)objlen, name, base, assume_kernel_symbol, lo);
	if (r < 0)
		return r;
	return link_module(filebuf + ML_FILE_HEAD, (u32)objlen, name, base, resolve_symbol, lo);
}

/* LINK: u32 base, path NUL, module name NUL. LINKED: u32 status, u32 size, u32 report length, report, image. */
static void serve_link(u32 id, const u8 *p, u32 n)
{
	/* At least the base, a one-character path and both NULs. */
	if (n < ML_LINK_HEAD + 2 || p[n - 1] != 0) {
		send_error(id, "link payload malformed");
		return;
	}
	u32 base = get32(p);
	const char *path = (const char *)p + ML_LINK_HEAD;
	u32 plen = str_len(path);
	if (ML_LINK_HEAD + plen + 1 >= n) {
		send_error(id, "link payload has no module name");
		return;
	}
	const char *name = path + plen + 1;
	struct link_out lo;
	s32 status = link_object(path, name, base, &lo);
	u8 *out = tx + ML_HEADER_SIZE;
	u32 img = status == 0 && base ? lo.size : 0;
	put32(out, (u32)-status);
	put32(out + 4, lo.size);
	put32(out + 8, lo.report_len);
	memcpy(out + ML_LINKED_HEAD, report, lo.report_len);
	memcpy(out + ML_LINKED_HEAD + lo.report_len, image, img);
	send_frame(ML_FRAME_LINKED, id, out, ML_LINKED_HEAD + lo.report_len + img);
}

static void serve_read(u32 id, u8 *p, u32 n)
{
	/* The path is not NUL-terminated on the wire: copy it out and terminate it. */
	char path[256];
	if (n == 0 || n >= sizeof(path)) {
		send_error(id, "bad path length");
		return;
	}
	memcpy(path, p, n);
	path[n] = 0;
	s32 r = read_file(path);
	u32 len = r < 0 ? 0 : (u32)r;
	put32(filebuf, r < 0 ? (u32)-r : 0);
	send_frame(ML_FRAME_FILE, id, filebuf, ML_FILE_HEAD + len);
}

/*
 * Whether WRITE may create `path`: a plain name directly in ML_WRITE_DIR, so
 * that no request reaches /sbin/init, /dev or a parent folder.
 */
static int write_path_allowed(const char *path)
{
	const char *dir = ML_WRITE_DIR "/";
	u32 d = str_len(dir), n = str_len(path);
	if (n <= d || n > 255)
		return 0;
	for (u32 i = 0; i < d; i++)
		if (path[i] != dir[i])
			return 0;
	if (path[d] == '.')
		return 0; /* no ".", "..", or hidden files */
	for (u32 i = d; i < n; i++)
		if (path[i] == '/')
			return 0;
	return 1;
}

/* Writes all of `bytes` to a new (or truncated) file; 0 or -errno. */
static s32 write_file(const char *path, const u8 *bytes, u32 n)
{
	s32 fd = sys3(SYS_open, (u32)path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fd;
	s32 r = 0;
	while (n > 0) {
		r = sys3(SYS_write, fd, (u32)bytes, n);
		if (r == -EINTR)
			continue;
		if (r < 0)
			break;
		if (r == 0) {
			r = -ENOSPC;
			break;
		}
		bytes += r;
		n -= (u32)r;
		r = 0;
	}
	s32 c = sys1(SYS_close, fd);
	if (r < 0 || c < 0)
		sys1(SYS_unlink, (u32)path); /* a partial file would only take the small initrd's room */
	return r < 0 ? r : c < 0 ? c : 0;
}

/* WRITE: u32 source, u32 length, u32 window offset, path NUL, bytes (for ML_ARG_BUFFER). WRITTEN: u32 errno. */
static void serve_write(u32 id, const u8 *p, u32 n)
{
	if (n < ML_WRITE_HEAD) {
		send_error(id, "write payload too short");
		return;
	}
	u32 source = get32(p), len = get32(p + 4), off = get32(p + 8);
	u32 plen = 0, at = ML_WRITE_HEAD;
	while (at + plen < n && p[at + plen])
		plen++;
	if (at + plen == n) {
		send_error(id, "write payload has no path");
		return;
	}
	const char *path = (const char *)p + at;
	const u8 *bytes;
	at += plen + 1;
	if (source == ML_ARG_BUFFER && len == n - at) {
		bytes = p + at;
	} else if (source == ML_ARG_WINDOW && at == n && window && off <= window_size && len <= window_size - off) {
		/* The host wrote the file's bytes into the window; only their place came on the line. */
		bytes = window + off;
	} else {
		send_error(id, "write payload malformed");
		return;
	}
	s32 r = write_path_allowed(path) ? write_file(path, bytes, len) : -EACCES;
	u8 out[ML_WRITTEN_HEAD];
	put32(out, (u32)-r);
	send_frame(ML_FRAME_WRITTEN, id, out, sizeof(out));
}

/* ---- EXEC: a user's program (exec.c), its output and how it ended ---- */

static u8 exec_out[2][ML_EXEC_OUTPUT_MAX];
static char *exec_argv[ML_EXEC_MAX_ARGS + 1];

/* EXEC: u32 uid, u32 limit ms, u32 argc, path NUL, argc strings NUL. EXITED: see protocol.ts. */
static void serve_exec(u32 id, u8 *p, u32 n)
{
	if (n < ML_EXEC_HEAD + 2 || p[n - 1] != 0) {
		send_error(id, "exec payload malformed");
		return;
	}
	u32 uid = get32(p), limit = get32(p + 4), argc = get32(p + 8);
	char *path = (char *)p + ML_EXEC_HEAD;
	char *s = path + str_len(path) + 1;
	if (argc < 1 || argc > ML_EXEC_MAX_ARGS) {
		send_error(id, "exec argument count out of range");
		return;
	}
	for (u32 i = 0; i < argc; i++) {
		if ((u8 *)s >= p + n) {
			send_error(id, "exec arguments truncated");
			return;
		}
		exec_argv[i] = s;
		s += str_len(s) + 1;
	}
	exec_argv[argc] = 0;
	struct exec_report r = { ML_EXEC_NOTRUN, EACCES, ML_STEP_EXEC, 0, 0, { 0, 0 } };
	if (write_path_allowed(path)) {
		struct exec_job job = { path, exec_argv, uid, limit, con_fd, { exec_out[0], exec_out[1] }, ML_EXEC_OUTPUT_MAX };
		start_mark(id);
		run_program(&job, &r);
		/* The initrd is small: the next program needs the room. */
		sys1(SYS_unlink, (u32)path);
		/* The echo leaves the console before the reply does, so the host has it all when the reply comes. */
		if (con_fd >= 0)
			sys3(SYS_ioctl, (u32)con_fd, TCSBRK, 1);
	}
	u8 *out = tx + ML_HEADER_SIZE;
	put32(out, r.end);
	put32(out + 4, r.word);
	put32(out + 8, r.step);
	put32(out + 12, r.guest_us);
	put32(out + 16, r.flags);
	put32(out + 20, r.len[0]);
	put32(out + 24, r.len[1]);
	memcpy(out + ML_EXITED_HEAD, exec_out[0], r.len[0]);
	memcpy(out + ML_EXITED_HEAD + r.len[0], exec_out[1], r.len[1]);
	end_mark(id);
	send_frame(ML_FRAME_EXITED, id, out, ML_EXITED_HEAD + r.len[0] + r.len[1]);
}

static void serve_frame(u32 type, u32 id, u8 *p, u32 n)
{
	switch (type) {
	case ML_FRAME_CALL:
		serve_call(id, p, n);
		break;
	case ML_FRAME_READ:
		serve_read(id, p, n);
		break;
	case ML_FRAME_LINK:
		serve_link(id, p, n);
		break;
	case ML_FRAME_WRITE:
		serve_write(id, p, n);
		break;
	case ML_FRAME_EXEC:
		serve_exec(id, p, n);
		break;
	case ML_FRAME_PING:
		send_frame(ML_FRAME_PONG, id, 0, 0);
		break;
	case ML_FRAME_WINDOW: {
		u8 info[ML_WINDOW_INFO_HEAD];
		put32(info, window ? ML_WINDOW_PHYS : 0);
		put32(info + 4, window_size);
		send_frame(ML_FRAME_WINDOWINFO, id, info, sizeof(info));
		break;
	}
	case ML_FRAME_EXIT:
		/* init exiting is fatal for the kernel: that is the point of this request. */
		sys1(SYS_exit, 0);
		break;
	default:
		send_error(id, "unknown frame type");
	}
}

/* Takes complete frames off the front of rx; skips garbage one byte at a time. */
/*
 * Where the first complete frame with a good CRC after `pos` starts, or 0.
 * Noise that looks like the header of a long frame would otherwise hold back
 * every real frame behind it until its length had arrived.
 */
static u32 complete_frame_after(u32 pos)
{
	for (u32 q = pos + 1; q + ML_HEADER_SIZE + ML_TRAILER_SIZE <= rx_len; q++) {
		u8 *f = rx + q;
		if (f[0] != ML_MAGIC0 || f[1] != ML_MAGIC1 || f[2] != ML_PROTOCOL_VERSION)
			continue;
		u32 n = get32(f + ML_FRAME_LENGTH_AT);
		if (n > ML_MAX_PAYLOAD || q + ML_HEADER_SIZE + n + ML_TRAILER_SIZE > rx_len)
			continue;
		if (crc32(f, ML_HEADER_SIZE + n) == get32(f + ML_HEADER_SIZE + n))
			return q;
	}
	return 0;
}

static void drain_frames(void)
{
	u32 pos = 0;
	for (;;) {
		while (pos + 1 < rx_len && !(rx[pos] == ML_MAGIC0 && rx[pos + 1] == ML_MAGIC1))
			pos++;
		if (pos + ML_HEADER_SIZE > rx_len)
			break;
		u8 *f = rx + pos;
		u32 n = get32(f + ML_FRAME_LENGTH_AT);
		if (f[2] != ML_PROTOCOL_VERSION || n > ML_MAX_PAYLOAD) {
			pos++;
			continue;
		}
		u32 total = ML_HEADER_SIZE + n + ML_TRAILER_SIZE;
		if (pos + total > rx_len) {
			u32 next = complete_frame_after(pos);
			if (!next)
				break;
			pos = next;
			continue;
		}
		if (crc32(f, ML_HEADER_SIZE + n) != get32(f + ML_HEADER_SIZE + n)) {
			pos++;
			continue;
		}
		serve_frame(f[ML_FRAME_TYPE_AT], get32(f + ML_FRAME_ID_AT), f + ML_HEADER_SIZE, n);
		pos += total;
	}
	memmove(rx, rx + pos, rx_len - pos);
	rx_len -= pos;
}

/*
 * Low latency makes the 2.4 serial driver hand received bytes to the tty at
 * once instead of at the next timer tick (10 ms). Kernels that refuse keep
 * working, only slower.
 */
static void make_low_latency(int fd)
{
	struct serial_struct ss;
	if (sys3(SYS_ioctl, fd, TIOCGSERIAL, (u32)&ss) < 0)
		return;
	ss.flags |= ASYNC_LOW_LATENCY;
	sys3(SYS_ioctl, fd, TIOCSSERIAL, (u32)&ss);
}

static void make_raw(int fd)
{
	struct ktermios t;
	if (sys3(SYS_ioctl, fd, TCGETS, (u32)&t) < 0)
		return;
	t.c_iflag = 0;
	t.c_oflag = 0;
	t.c_lflag = 0;
	/* Eight bits, no parity, no modem lines; the baud bits stay. */
	t.c_cflag = (t.c_cflag & CBAUD) | CS8 | CREAD | CLOCAL;
	/* A read returns as soon as one byte is there. */
	t.c_cc[VTIME] = 0;
	t.c_cc[VMIN] = 1;
	sys3(SYS_ioctl, fd, TCSETS, (u32)&t);
}

/*
 * The console stays a cooked tty (whole lines), but it must never hold up
 * the protocol. Without XON/XOFF: a ^S would stop its output and block the
 * agent's next write. Its reads are non-blocking (serve_console): some
 * control characters leave 2.4's line discipline reporting input that a
 * read then waits for. Without echo: the lab's page edits and echoes the
 * line itself. Nothing typed comes back as typed, then: the shell repeats
 * a typed word only through say_typed, which writes control characters as
 * ^X, so console input cannot forge the end-of-call mark.
 */
static void make_console(int fd)
{
	struct ktermios t;
	if (sys3(SYS_ioctl, fd, TCGETS, (u32)&t) >= 0) {
		t.c_iflag &= ~(u32)(IXON | IXANY | IXOFF);
		t.c_lflag &= ~(u32)(ECHO | ECHOCTL);
		sys3(SYS_ioctl, fd, TCSETS, (u32)&t);
	}
}

/* ---- the console shell ---- */

static void say(const char *s)
{
	write_all(con_fd, s, str_len(s));
}

/*
 * Text that came from outside (a typed word, the kernel's log) with its
 * control characters written as ^X, as ECHOCTL did: an ESC never reaches
 * the console, so such text cannot start an escape sequence or a mark.
 * Newlines and tabs pass when `lines` is set.
 */
static void say_typed(const char *s, u32 n, int lines)
{
	char out[256];
	u32 k = 0;
	for (u32 i = 0; i < n; i++) {
		u8 c = (u8)s[i];
		if (k + 2 > sizeof(out)) {
			write_all(con_fd, out, k);
			k = 0;
		}
		if ((c < 0x20 && !(lines && (c == '\n' || c == '\t'))) || c == 0x7f) {
			out[k++] = '^';
			out[k++] = (char)(c ^ 0x40);
		} else {
			out[k++] = (char)c;
		}
	}
	write_all(con_fd, out, k);
}

static void say_hex(u32 v)
{
	char b[NUM_TEXT_SIZE];
	say(fmt_hex(b, v));
}

static void say_dec(u32 v)
{
	char b[NUM_TEXT_SIZE];
	say(fmt_dec(b, v));
}

/* An errno as its name and number, e.g. "ENOENT (2)". */
static void say_errno(u32 e)
{
	const char *name = e < sizeof(errno_names) / sizeof(errno_names[0]) ? errno_names[e] : 0;
	say(name ? name : "E?");
	say(" (");
	say_dec(e);
	say(")");
}

/* Parses decimal or 0x-hex; returns 0 on a malformed number. */
static int parse_num(const char *s, u32 *out)
{
	u32 v = 0, base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	if (!*s)
		return 0;
	for (; *s; s++) {
		u32 d;
		if (*s >= '0' && *s <= '9')
			d = (u32)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (u32)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (u32)(*s - 'A' + 10);
		else
			return 0;
		if (v > (0xffffffffu - d) / base)
			return 0;
		v = v * base + d;
	}
	*out = v;
	return 1;
}

/* NAME is a string, NULL for the null pointer, or @0xADDR for a raw pointer. */
static u32 name_arg(char *word)
{
	u32 v;
	if (str_eq(word, "NULL"))
		return 0;
	if (word[0] == '@' && parse_num(word + 1, &v))
		return v;
	return (u32)word;
}

static void say_result(const char *call, u32 outcome, u32 word)
{
	say(call);
	if (outcome == ML_OUTCOME_SETUPFAILED) {
		say(": could not set up the call, errno ");
		say_dec(word);
	} else if (outcome == ML_OUTCOME_KILLED) {
		say(": the calling process died (signal ");
		say_dec(word);
		say(") - see the kernel messages above");
	} else if (is_error_return(word)) {
		say(" = -1 ");
		say_errno((u32)-(s32)word);
	} else {
		say(" = ");
		say_hex(word);
	}
	say("\n");
}

static void shell_help(void)
{
	say("commands:\n"
	    "  create_module NAME SIZE [--uid N]  NAME: text, NULL, or @0xADDR for a raw pointer\n"
	    "  delete_module NAME [--uid N]\n"
	    "  insmod MODULE                      hello, hello_user or hello_fail: create, link, init\n"
	    "  rmmod MODULE                       delete_module\n"
	    "  lsmod                              cat /proc/modules\n"
	    "  cat FILE                           e.g. cat /proc/modules\n"
	    "  dmesg                              the kernel's messages\n"
	    "  uname\n"
	    "  help\n"
	    "In the lab, all five calls (also init_module, query_module and\n"
	    "get_kernel_syms) take the words of `modlab call`; Tab completes.\n");
}

/* syslog(2) actions. */
#define SYSLOG_READ_ALL 3
#define SYSLOG_SIZE_BUFFER 10

/*
 * The kernel's log buffer, as dmesg prints it: syslog(READ_ALL), each line's
 * <level> prefix left out. The log holds what printk wrote, names users
 * chose among it, so it goes out through say_typed.
 */
static void shell_dmesg(void)
{
	char *buf = (char *)filebuf;
	s32 r = sys3(SYS_syslog, SYSLOG_READ_ALL, (u32)buf, sizeof(filebuf));
	if (r < 0) {
		say("dmesg: syslog failed: ");
		say_errno((u32)-r);
		say("\n");
		return;
	}
	u32 i = 0, n = (u32)r;
	while (i < n) {
		u32 end = i;
		while (end < n && buf[end] != '\n')
			end++;
		u32 from = i;
		if (end - from >= 3 && buf[from] == '<' && buf[from + 1] >= '0' && buf[from + 1] <= '9' && buf[from + 2] == '>')
			from += 3;
		say_typed(buf + from, end - from, 0);
		say("\n");
		i = end + 1;
	}
}

/* What insmod did: lay the object out, create_module, link for that address, init_module. */
static void shell_insmod(const char *module)
{
	char path[96] = "/modules/";
	u32 at = str_len(path), i = 0;
	while (module[i] && at + sizeof(".o") < sizeof(path))
		path[at++] = module[i++];
	memcpy(path + at, ".o", sizeof(".o"));
	struct link_out lo;
	u32 word, argv[ML_MAX_ARGS] = { 0 };
	s32 r = link_object(path, module, 0, &lo);
	if (r == -ENOENT) {
		say("insmod: no such module in /modules (try hello)\n");
		return;
	}
	if (r < 0) {
		say("insmod: cannot lay the module out: ");
		say_errno((u32)-r);
		say("\n");
		say(report);
		return;
	}
	argv[0] = (u32)module;
	argv[1] = lo.size;
	u32 outcome = run_call(SYS_create_module, ML_NO_UID, argv, &word);
	say_result("create_module", outcome, word);
	if (outcome != ML_OUTCOME_RETURNED || is_error_return(word))
		return;
	if (link_object(path, module, word, &lo) != 0) {
		say("insmod: link failed: ");
		say(report);
		return;
	}
	say("linked for that address (");
	say_dec(lo.size);
	say(" bytes)\n");
	argv[1] = (u32)image;
	outcome = run_call(SYS_init_module, ML_NO_UID, argv, &word);
	say_result("init_module", outcome, word);
}

/* One command of the shell: its name, how many words it takes after it, and what it says when given the wrong number. */
struct command {
	const char *name;
	int min, max, takes_uid;
	const char *usage;
};

static const struct command commands[] = {
	{ "help", 0, 0, 0, "help" },
	{ "uname", 0, 0, 0, "uname" },
	{ "dmesg", 0, 0, 0, "dmesg" },
	{ "insmod", 1, 1, 0, "insmod MODULE   (hello, hello_user or hello_fail)" },
	{ "rmmod", 1, 1, 0, "rmmod MODULE" },
	{ "lsmod", 0, 0, 0, "lsmod" },
	{ "cat", 1, 1, 0, "cat FILE" },
	{ "create_module", 2, 2, 1, "create_module NAME SIZE [--uid N]" },
	{ "delete_module", 1, 1, 1, "delete_module NAME [--uid N]" },
};

/*
 * Takes `--uid N` or `--uid=N` out of the words, as modlab call reads it.
 * Returns 0 when it is there but not a number.
 */
static int take_uid(char **w, int *n, u32 *uid)
{
	for (int i = 1; i < *n; i++) {
		const char *v = 0;
		int used = 1;
		if (str_eq(w[i], "--uid") && i + 1 < *n)
			v = w[i + 1], used = 2;
		else if (w[i][0] == '-' && w[i][1] == '-' && w[i][2] == 'u' && w[i][3] == 'i' && w[i][4] == 'd' && w[i][5] == '=')
			v = w[i] + 6;
		else if (str_eq(w[i], "--uid"))
			return 0;
		if (!v)
			continue;
		if (!parse_num(v, uid))
			return 0;
		for (int j = i; j + used < *n; j++)
			w[j] = w[j + used];
		*n -= used;
		return 1;
	}
	return 1;
}

static void shell_line(char *line)
{
	char *w[8];
	int n = 0;
	char *p = line;
	u32 len = str_len(line);
	while (*p && n < 8) {
		while (*p == ' ' || *p == '\t')
			*p++ = 0;
		if (!*p)
			break;
		w[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (n == 0)
		return;
	u32 argv[ML_MAX_ARGS] = { 0 };
	u32 uid = ML_NO_UID, word, outcome, size;
	const struct command *cmd = 0;
	for (u32 i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (str_eq(w[0], commands[i].name))
			cmd = &commands[i];
	if (!cmd) {
		/* The line as typed, its spaces back in place of the words' ends. */
		for (u32 i = 0; i < len; i++)
			if (!line[i])
				line[i] = ' ';
		say("unknown command: ");
		say_typed(line, len, 0);
		say(" (try: help)\n");
		return;
	}
	if (cmd->takes_uid && !take_uid(w, &n, &uid)) {
		say(cmd->name);
		say(": --uid takes a number (decimal or 0x hex)\n");
		return;
	}
	/* Words beyond the room for them count as too many. */
	while (*p == ' ' || *p == '\t')
		p++;
	if (n - 1 < cmd->min || n - 1 > cmd->max || *p) {
		say("usage: ");
		say(cmd->usage);
		say("\n");
		return;
	}
	if (str_eq(w[0], "help")) {
		shell_help();
	} else if (str_eq(w[0], "uname")) {
		struct utsname u;
		sys1(SYS_uname, (u32)&u);
		say(u.sysname);
		say(" ");
		say(u.release);
		say(" ");
		say(u.version);
		say("\n");
	} else if (str_eq(w[0], "dmesg")) {
		shell_dmesg();
	} else if (str_eq(w[0], "insmod")) {
		shell_insmod(w[1]);
	} else if (str_eq(w[0], "rmmod")) {
		argv[0] = (u32)w[1];
		outcome = run_call(SYS_delete_module, ML_NO_UID, argv, &word);
		say_result("delete_module", outcome, word);
	} else if (str_eq(w[0], "lsmod")) {
		s32 r = read_file("/proc/modules");
		if (r >= 0)
			write_all(con_fd, filebuf + ML_FILE_HEAD, (u32)r);
	} else if (str_eq(w[0], "cat")) {
		s32 r = read_file(w[1]);
		if (r < 0) {
			say("cat: cannot read that file\n");
		} else {
			write_all(con_fd, filebuf + ML_FILE_HEAD, (u32)r);
		}
	} else if (str_eq(w[0], "create_module")) {
		if (!parse_num(w[2], &size)) {
			say("create_module: SIZE is a number (decimal or 0x hex)\n");
			return;
		}
		argv[0] = name_arg(w[1]);
		argv[1] = size;
		outcome = run_call(SYS_create_module, uid, argv, &word);
		say_result("create_module", outcome, word);
	} else if (str_eq(w[0], "delete_module")) {
		argv[0] = name_arg(w[1]);
		outcome = run_call(SYS_delete_module, uid, argv, &word);
		say_result("delete_module", outcome, word);
	}
}

static char line[1024];
static u32 line_len;

static void serve_console(void)
{
	char buf[256];
	/* Non-blocking for this read only: writes to the console may wait, reads never. */
	sys3(SYS_fcntl, con_fd, F_SETFL, O_NONBLOCK);
	s32 r = sys3(SYS_read, con_fd, (u32)buf, sizeof(buf));
	sys3(SYS_fcntl, con_fd, F_SETFL, 0);
	if (r <= 0)
		return;
	for (s32 i = 0; i < r; i++) {
		char c = buf[i];
		if (c == '\n' || c == '\r') {
			line[line_len] = 0;
			shell_line(line);
			line_len = 0;
			say("modlab# ");
		} else if (line_len < sizeof(line) - 1) {
			line[line_len++] = c;
		}
	}
}

/* ---- start-up and the main loop ---- */

/*
 * Maps the bulk window from /dev/mem, only where the kernel keeps no RAM
 * (booted with mem= at most ML_WINDOW_PHYS): the host writes there behind the
 * kernel's back. Anything missing leaves window at 0 and the serial path.
 */
static void map_window(void)
{
	struct sysinfo si;
	if (sys1(SYS_sysinfo, (u32)&si) < 0)
		return;
	u32 unit = si.mem_unit ? si.mem_unit : 1;
	if (si.totalram > ML_WINDOW_PHYS / unit)
		return;
	s32 fd = sys3(SYS_open, (u32)"/dev/mem", O_RDWR, 0);
	if (fd < 0)
		return;
	struct mmap_args a = { 0, ML_WINDOW_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, (u32)fd, ML_WINDOW_PHYS };
	s32 r = sys1(SYS_old_mmap, (u32)&a);
	sys1(SYS_close, fd);
	if (is_error_return((u32)r))
		return;
	window = (u8 *)r;
	window_size = ML_WINDOW_SIZE;
}

static void setup_files(void)
{
	sys3(SYS_mknod, (u32)"/dev/ttyS0", S_IFCHR | 0600, DEV_TTYS0);
	sys3(SYS_mknod, (u32)"/dev/ttyS1", S_IFCHR | 0600, DEV_TTYS1);
	sys5(SYS_mount, (u32)"proc", (u32)"/proc", (u32)"proc", 0, 0);
	/* Where WRITE puts users' objects; EEXIST on a later boot of the same image is fine. */
	sys2(SYS_mkdir, (u32)ML_WRITE_DIR, 0755);
}

static void main_loop(void)
{
	for (;;) {
		u32 fds[32] = { 0 };
		fds[proto_fd / 32] |= 1u << (proto_fd % 32);
		if (con_fd >= 0)
			fds[con_fd / 32] |= 1u << (con_fd % 32);
		int maxfd = (proto_fd > con_fd ? proto_fd : con_fd) + 1;
		s32 r = sys5(SYS__newselect, maxfd, (u32)fds, 0, 0, 0);
		if (r <= 0)
			continue;
		if (fds[proto_fd / 32] & (1u << (proto_fd % 32))) {
			u32 room = sizeof(rx) - rx_len;
			if (room == 0) {
				/* A full buffer without a frame in it is garbage: drop it. */
				rx_len = 0;
				room = sizeof(rx);
			}
			r = sys3(SYS_read, proto_fd, (u32)(rx + rx_len), room);
			if (r > 0) {
				rx_len += (u32)r;
				rx_total += (u32)r;
				drain_frames();
				if (rx_total - rx_acked >= ML_ACK_EVERY) {
					u8 count[4];
					put32(count, rx_total - rx_acked);
					send_frame(ML_FRAME_ACK, 0, count, 4);
					rx_acked = rx_total;
				}
			}
		}
		if (con_fd >= 0 && (fds[con_fd / 32] & (1u << (con_fd % 32))))
			serve_console();
	}
}

void agent_main(void)
{
	crc_init();
	setup_files();
	con_fd = sys3(SYS_open, (u32)"/dev/ttyS0", O_RDWR | O_NOCTTY, 0);
	/* O_NONBLOCK so that open does not wait for a carrier on a port with no modem lines. */
	proto_fd = sys3(SYS_open, (u32)"/dev/ttyS1", O_RDWR | O_NOCTTY | O_NONBLOCK, 0);
	if (proto_fd < 0) {
		say("modlab agent: cannot open /dev/ttyS1 (errno ");
		say_dec((u32)-proto_fd);
		say("); is the second serial port enabled?\n");
		for (;;)
			sys5(SYS__newselect, 0, 0, 0, 0, 0);
	}
	map_window();
	make_raw(proto_fd);
	make_low_latency(proto_fd);
	if (con_fd >= 0)
		make_console(con_fd);
	sys3(SYS_fcntl, proto_fd, F_SETFL, 0);

	struct utsname u;
	sys1(SYS_uname, (u32)&u);
	u32 a = str_len(u.release) + 1, b = str_len(u.version) + 1;
	memcpy(tx + ML_HEADER_SIZE, u.release, a);
	memcpy(tx + ML_HEADER_SIZE + a, u.version, b);
	send_frame(ML_FRAME_READY, 0, tx + ML_HEADER_SIZE, a + b);

	say("\nmodlab agent ready on ");
	say(u.release);
	say(". Type help for commands.\nmodlab# ");
	main_loop();
}

/* The kernel enters here with argc/argv on the stack; the agent needs neither. */
__asm__(".globl _start\n"
	"_start:\n"
	"  xorl %ebp, %ebp\n"
	"  andl $-16, %esp\n"
	"  call agent_main\n"
	"  hlt\n");
