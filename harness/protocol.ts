/**
 * The wire protocol between the harness and the guest agent: the one place
 * where it is defined. The C side (guest/agent.c) includes
 * guest/protocol.h, which is generated from the constants below by
 * `npm run build:guest`; a unit test fails when the two drift apart.
 *
 * Transport: the guest's second serial port (ttyS1, raw mode, 8 bits), which
 * carries nothing else, so kernel messages on the console can never corrupt it.
 *
 * Frame layout, all integers little-endian, the same in both directions:
 *
 *   offset  size  field
 *   0       2     magic "ML" (0x4d 0x4c)
 *   2       1     protocol version (PROTOCOL_VERSION)
 *   3       1     frame type (FrameType)
 *   4       4     request id: chosen by the host, echoed by the agent's reply
 *   8       4     payload length N (at most MAX_PAYLOAD)
 *   12      N     payload (layout per type, below)
 *   12+N    4     CRC-32 (IEEE 802.3) of bytes 0 .. 12+N-1
 *
 * Payloads:
 *   READY   agent→host, id 0: utsname release, NUL, utsname version, NUL.
 *   ACK     agent→host, id 0: u32 count of bytes the agent has read from the
 *           port since its previous ACK, sent once that reaches ACK_EVERY. The guest's
 *           tty drops input beyond its 4 KiB buffer, so the host never has
 *           more than SEND_WINDOW bytes unacknowledged; a reply to a request
 *           acknowledges everything up to the end of that request.
 *   CALL    host→agent: u32 syscall number, u32 uid (NO_UID keeps root),
 *           u32 argument count (≤ MAX_ARGS), then per argument:
 *           u32 kind (ArgKind), u32 value, and for ArgKind.Buffer `value` bytes
 *           of data that the agent places in its memory and passes by address.
 *           For ArgKind.Out, `value` zeroed bytes (all of them together at most
 *           MAX_OUT) are passed by address for the kernel to fill.
 *           For ArgKind.Window, `value` bytes already in the bulk window, at
 *           the u32 offset that follows the head (WINDOW_ARG_TAIL); the agent
 *           passes their address in its mapping of the window.
 *   RESULT  agent→host: u32 outcome (CallOutcome), u32 raw eax of the call
 *           (Returned) / the signal number (Killed) / the errno (SetupFailed),
 *           then for each ArgKind.Out argument in order: u32 its size S, u32 N,
 *           and its first N bytes as the call left them (the S - N after them
 *           are zeros, left out: most of a large buffer is usually untouched).
 *   LINK    host→agent: u32 kernel address (0: only lay out), a path to an
 *           i386 ELF object in the guest, NUL, the module name, NUL. The
 *           agent links it as a 2.4 module image for that address
 *           (guest/link.c), resolving symbols with query_module.
 *   LINKED  agent→host: u32 errno (0: linked), u32 image size, u32 report
 *           length R, R bytes of report (lines described in link.c), then the
 *           image (when an address was given and linking succeeded).
 *   READ    host→agent: a path; the agent reads the whole file.
 *   FILE    agent→host: u32 errno (0 on success), then the file's bytes.
 *   WRITE   host→agent: u32 source (ArgKind.Buffer: the bytes follow in
 *           the frame; ArgKind.Window: they are in the bulk window), u32
 *           length, u32 window offset (0 for Buffer), a path, NUL, then for
 *           Buffer the file's bytes. The agent creates (or truncates) the
 *           file, mode 0644; only paths directly in WRITE_DIR are accepted
 *           (a user's module object for LINK, a program for EXEC).
 *   WRITTEN agent→host: u32 errno (0: written).
 *   EXEC    host→agent: u32 uid (NO_UID: root), u32 time limit in ms, u32
 *           argc (1 … EXEC_MAX_ARGS), the program's path (in WRITE_DIR, as
 *           WRITE's), NUL, then argc strings (argv[0] first), each NUL-ended.
 *           The agent makes the file executable and runs it in a forked
 *           child (stdin at end of file, stdout and stderr into pipes, also
 *           echoed to the console), kills it (SIGKILL, its whole process
 *           group) at the limit, and deletes the file afterwards.
 *   EXITED  agent→host: u32 how it ended (ExecEnd), u32 word (exit status /
 *           signal / 0 / errno), u32 step (ExecStep, for NotRun; else 0),
 *           u32 microseconds the guest measured from fork to reaping, u32
 *           flags (EXEC_STDOUT_TRUNCATED | EXEC_STDERR_TRUNCATED), u32 stdout
 *           length O, u32 stderr length E, then O bytes of stdout and E of
 *           stderr (each at most EXEC_OUTPUT_MAX: the rest was read, echoed
 *           no further, and dropped).
 *   WINDOW  host→agent, empty: asks for the bulk window (below).
 *   WINDOWINFO agent→host: u32 physical address, u32 size (0: the agent has
 *           no window; arguments then travel in CALL frames).
 *   PING    host→agent, empty; PONG agent→host, empty.
 *   EXIT    host→agent, empty: init exits, which makes the kernel panic
 *           (a real fault, used to test recovery).
 *   ERROR   agent→host: a message about a request it could not serve.
 *
 * The bulk window: the serial line moves ~36 bytes per ms, so large
 * arguments go through memory instead. Kernels booted with mem= up to
 * WINDOW_PHYS leave the emulated memory above it alone; the agent maps
 * WINDOW_SIZE bytes there from /dev/mem (MAP_SHARED) at start-up, the host
 * writes an argument's bytes there directly (v86's write_memory) and sends
 * a short CALL naming them (ArgKind.Window); a file for WRITE goes the same
 * way (its source ArgKind.Window). The agent maps it only when the
 * kernel's RAM ends below it, and says so in WINDOWINFO; a host that gets no
 * window (or an ERROR from an older agent) sends everything in frames.
 *
 * The start-of-call mark: right before a CALL's child starts and before an
 * EXEC's program starts, the agent writes the same sequence with
 * START_MARK_TAG. The agent is single-threaded and sleeps while the child
 * or program runs, so nothing of its own (a shell prompt for console input
 * it read just before) comes between the two marks: the host takes the
 * request's console text from the start mark, not from when it sent it.
 *
 * The end-of-call mark: after a CALL's child has returned and after an
 * EXEC's program has ended, and before its reply frame, the agent writes
 * END_MARK_OPEN, the request id as 8 lowercase hex digits, END_MARK_CLOSE
 * on the console (ttyS0): an APC escape sequence no kernel prints. printk
 * reaches the serial console synchronously, so everything the kernel printed
 * during the request is on the console before the mark; the host waits for
 * the mark (and the reply, which races it on the other port) instead of for
 * the console to fall quiet, and strips it from the console text. The host
 * starts its request ids at a random number, so neither the tty's echo of
 * what a person types nor a program's echoed output can forge the mark of a
 * request still to come.
 *
 * REQUESTS (below) pairs each request with the reply type it must get and
 * the codecs of both; the agent client (harness/agent/client.ts) is typed
 * from it. System call numbers are Linux's, in harness/calls/linux-i386.ts.
 */

export const PROTOCOL_VERSION = 2;
export const MAGIC = [0x4d, 0x4c] as const;
export const HEADER_SIZE = 12;
export const TRAILER_SIZE = 4;
/** Large enough for a 64 KiB name or a module image, small enough for the agent's static buffers. */
export const MAX_PAYLOAD = 1 << 20;
export const MAX_ARGS = 5;
/** Room for ArgKind.Out arguments: the kernel's symbol table from query_module fits. */
export const MAX_OUT = 512 * 1024;
export const NO_UID = 0xffffffff;
export const ACK_EVERY = 512;
export const SEND_WINDOW = 2048;
/** Guest physical address of the bulk window: 128 MiB, just past the RAM a kernel booted with mem=128M uses (see v86-config.ts). */
export const WINDOW_PHYS = 128 * 1024 * 1024;
/** Room for every argument of one call (each at most MAX_PAYLOAD), clear of the BIOS tables at the top of memory. */
export const WINDOW_SIZE = 2 * 1024 * 1024;
/** Buffers from this size on go through the window when there is one; smaller ones cost less in the frame. */
export const WINDOW_MIN_ARG = 4096;

/** The end-of-call mark on the console (above): ESC _ opens an APC string, ESC \\ ends it. */
export const END_MARK_TAG = 'modlab:end:';
/** The start-of-call mark's tag: as long as END_MARK_TAG, so one filter reads both. */
export const START_MARK_TAG = 'modlab:beg:';
export const END_MARK_OPEN = `\x1b_${END_MARK_TAG}`;
export const START_MARK_OPEN = `\x1b_${START_MARK_TAG}`;
export const END_MARK_CLOSE = '\x1b\\';

/** The mark the agent writes for request `id`. */
export function endMark(id: number): string {
  return `${END_MARK_OPEN}${(id >>> 0).toString(16).padStart(8, '0')}${END_MARK_CLOSE}`;
}

/** The start-of-call mark the agent writes for request `id`. */
export function startMark(id: number): string {
  return `${START_MARK_OPEN}${(id >>> 0).toString(16).padStart(8, '0')}${END_MARK_CLOSE}`;
}

/** Where the header's fields sit (the magic and version take bytes 0–2). */
export const FRAME_TYPE_AT = 3;
export const FRAME_ID_AT = 4;
export const FRAME_LENGTH_AT = 8;
/** The fixed parts of the payloads described above, in bytes (u32 words). */
export const CALL_HEAD = 12; // syscall, uid, argument count
export const ARG_HEAD = 8; // kind, value
export const RESULT_HEAD = 8; // outcome, word
export const OUT_HEAD = 8; // size, bytes sent
export const LINK_HEAD = 4; // base
export const LINKED_HEAD = 12; // errno, size, report length
export const FILE_HEAD = 4; // errno
export const WRITTEN_HEAD = 4; // errno
export const WINDOW_ARG_TAIL = 4; // offset in the window, after an ArgKind.Window head
export const WINDOW_INFO_HEAD = 8; // physical address, size
export const WRITE_HEAD = 12; // source, length, window offset
export const EXEC_HEAD = 12; // uid, limit, argc
export const EXITED_HEAD = 28; // end, word, step, guest µs, flags, stdout length, stderr length
/** A program's stdout and stderr are each kept up to this many bytes (the reply carries both). */
export const EXEC_OUTPUT_MAX = 64 * 1024;
/** argv entries EXEC takes, argv[0] included. */
export const EXEC_MAX_ARGS = 64;
/** EXITED flags: that stream went past EXEC_OUTPUT_MAX. */
export const EXEC_STDOUT_TRUNCATED = 1;
export const EXEC_STDERR_TRUNCATED = 2;

export const FrameType = {
  Ready: 0x01,
  Ack: 0x02,
  Call: 0x10,
  Result: 0x11,
  Link: 0x12,
  Linked: 0x13,
  Read: 0x20,
  File: 0x21,
  Write: 0x22,
  Written: 0x23,
  Exec: 0x24,
  Exited: 0x25,
  Ping: 0x30,
  Pong: 0x31,
  Window: 0x32,
  WindowInfo: 0x33,
  Exit: 0x40,
  Error: 0x7f,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export const ArgKind = {
  /** Passed as is: a number or a raw pointer value. */
  Value: 0,
  /** Bytes placed in the agent's memory; the call gets their address. */
  Buffer: 1,
  /** Zeroed memory of the given size for the kernel to fill; returned in RESULT. */
  Out: 2,
  /** Bytes in the bulk window at an offset; the call gets their address in the agent's mapping. */
  Window: 3,
} as const;
export type ArgKind = (typeof ArgKind)[keyof typeof ArgKind];

export const CallOutcome = {
  /** The system call returned; the second word is eax. */
  Returned: 0,
  /** The calling child died from a signal (after a kernel oops, for one). */
  Killed: 1,
  /** The child could not be set up (setuid or clone failed); the word is the errno. */
  SetupFailed: 2,
} as const;
export type CallOutcome = (typeof CallOutcome)[keyof typeof CallOutcome];

/** How a program run by EXEC ended (EXITED's first word). */
export const ExecEnd = {
  /** It exited; the word is its exit status. */
  Exited: 0,
  /** A signal killed it; the word is the signal. */
  Signaled: 1,
  /** It was still running at the time limit and was killed. */
  Timeout: 2,
  /** It never ran; the word is the errno, the step says where (ExecStep). */
  NotRun: 3,
} as const;
export type ExecEnd = (typeof ExecEnd)[keyof typeof ExecEnd];

/** Where a program that never ran failed. */
export const ExecStep = {
  /** Pipes or fork() (the agent's side). */
  Fork: 1,
  /** setuid() in the child, dropping to the uid asked for. */
  Setuid: 2,
  /** chmod() or execve(): the kernel would not run the file. */
  Exec: 3,
} as const;
export type ExecStep = (typeof ExecStep)[keyof typeof ExecStep];

export interface Frame {
  type: number;
  id: number;
  payload: Uint8Array;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function encodeFrame(frame: Frame): Uint8Array {
  const n = frame.payload.length;
  if (n > MAX_PAYLOAD) throw new RangeError(`frame payload of ${n} bytes exceeds the limit of ${MAX_PAYLOAD}`);
  const out = new Uint8Array(HEADER_SIZE + n + TRAILER_SIZE);
  const view = new DataView(out.buffer);
  out[0] = MAGIC[0];
  out[1] = MAGIC[1];
  out[2] = PROTOCOL_VERSION;
  out[FRAME_TYPE_AT] = frame.type;
  view.setUint32(FRAME_ID_AT, frame.id >>> 0, true);
  view.setUint32(FRAME_LENGTH_AT, n, true);
  out.set(frame.payload, HEADER_SIZE);
  view.setUint32(HEADER_SIZE + n, crc32(out, 0, HEADER_SIZE + n), true);
  return out;
}

/** Counters of what the decoder threw away; they only ever grow. */
export interface DecoderStats {
  framesOk: number;
  badCrc: number;
  badHeader: number;
  skippedBytes: number;
}

/**
 * Incremental frame decoder over an unreliable byte stream: it resynchronises
 * on the magic after garbage or a corrupt frame and never throws on input.
 * Noise that happens to look like the header of a long frame would hold
 * every later frame back; so while a frame is incomplete, a complete frame
 * with a good CRC further on proves it false, and decoding resumes there.
 * (The agent does the same in drain_frames.)
 */
export class FrameDecoder {
  readonly stats: DecoderStats = { framesOk: 0, badCrc: 0, badHeader: 0, skippedBytes: 0 };
  private buf = new Uint8Array(4096);
  private len = 0;

  /** Where the first complete, CRC-valid frame after `pos` starts, or -1. */
  private completeFrameAfter(pos: number): number {
    for (let q = pos + 1; q + HEADER_SIZE + TRAILER_SIZE <= this.len; q++) {
      if (this.buf[q] !== MAGIC[0] || this.buf[q + 1] !== MAGIC[1] || this.buf[q + 2] !== PROTOCOL_VERSION) continue;
      const n = new DataView(this.buf.buffer, this.buf.byteOffset + q).getUint32(FRAME_LENGTH_AT, true);
      if (n > MAX_PAYLOAD || q + HEADER_SIZE + n + TRAILER_SIZE > this.len) continue;
      const want = new DataView(this.buf.buffer, this.buf.byteOffset + q + HEADER_SIZE + n).getUint32(0, true);
      if (crc32(this.buf, q, q + HEADER_SIZE + n) === want) return q;
    }
    return -1;
  }

  push(chunk: Uint8Array): Frame[] {
    this.append(chunk);
    const frames: Frame[] = [];
    let pos = 0;
    for (;;) {
      while (pos + 1 < this.len && !(this.buf[pos] === MAGIC[0] && this.buf[pos + 1] === MAGIC[1])) {
        pos++;
        this.stats.skippedBytes++;
      }
      if (pos + HEADER_SIZE > this.len) break;
      const view = new DataView(this.buf.buffer, this.buf.byteOffset + pos);
      const n = view.getUint32(FRAME_LENGTH_AT, true);
      if (this.buf[pos + 2] !== PROTOCOL_VERSION || n > MAX_PAYLOAD) {
        this.stats.badHeader++;
        this.stats.skippedBytes++;
        pos++;
        continue;
      }
      const total = HEADER_SIZE + n + TRAILER_SIZE;
      if (pos + total > this.len) {
        const next = this.completeFrameAfter(pos);
        if (next < 0) break;
        this.stats.badHeader++;
        this.stats.skippedBytes += next - pos;
        pos = next;
        continue;
      }
      const want = view.getUint32(HEADER_SIZE + n, true);
      if (crc32(this.buf, pos, pos + HEADER_SIZE + n) !== want) {
        this.stats.badCrc++;
        this.stats.skippedBytes++;
        pos++;
        continue;
      }
      frames.push({
        type: this.buf[pos + FRAME_TYPE_AT] as number,
        id: view.getUint32(FRAME_ID_AT, true),
        payload: this.buf.slice(pos + HEADER_SIZE, pos + HEADER_SIZE + n),
      });
      this.stats.framesOk++;
      pos += total;
    }
    this.buf.copyWithin(0, pos, this.len);
    this.len -= pos;
    return frames;
  }

  private append(chunk: Uint8Array): void {
    if (this.len + chunk.length > this.buf.length) {
      let size = this.buf.length;
      while (size < this.len + chunk.length) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
  }
}

/** Little-endian payload writer. */
export class PayloadWriter {
  private parts: Uint8Array[] = [];
  private size = 0;

  u32(value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    return this.bytes(b);
  }

  bytes(b: Uint8Array): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** Argument of a CALL frame. */
export type CallArg = { kind: 'value'; value: number } | { kind: 'buffer'; bytes: Uint8Array } | { kind: 'out'; size: number };
/** A buffer the host has already written into the bulk window (see placeInWindow): on the wire only. */
export interface WindowArg {
  kind: 'window';
  offset: number;
  length: number;
}

/* ---- Requests and their replies: payload codecs, then the one table ---- */

export interface CallRequest {
  syscall: number;
  /** null: the call runs as root (NO_UID on the wire). */
  uid: number | null;
  args: readonly CallArg[];
}

/** A call as sent: its buffers may already sit in the bulk window. */
export interface WireCallRequest extends Omit<CallRequest, 'args'> {
  args: ReadonlyArray<CallArg | WindowArg>;
}

export function encodeCall(req: WireCallRequest): Uint8Array {
  if (req.args.length > MAX_ARGS) throw new RangeError(`at most ${MAX_ARGS} arguments`);
  const w = new PayloadWriter().u32(req.syscall).u32(req.uid === null ? NO_UID : req.uid).u32(req.args.length);
  for (const a of req.args) {
    if (a.kind === 'value') w.u32(ArgKind.Value).u32(a.value);
    else if (a.kind === 'out') w.u32(ArgKind.Out).u32(a.size);
    else if (a.kind === 'window') w.u32(ArgKind.Window).u32(a.length).u32(a.offset);
    else w.u32(ArgKind.Buffer).u32(a.bytes.length).bytes(a.bytes);
  }
  return w.finish();
}

export type CallReply =
  | { outcome: 'returned'; eax: number; out: Uint8Array[] }
  | { outcome: 'killed'; signal: number }
  | { outcome: 'setup-failed'; errno: number };

export function decodeResult(payload: Uint8Array): CallReply | null {
  if (payload.length < RESULT_HEAD) return null;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  const outcome = view.getUint32(0, true);
  const word = view.getUint32(4, true);
  const out: Uint8Array[] = [];
  for (let at = RESULT_HEAD; at < payload.length; ) {
    if (at + OUT_HEAD > payload.length) return null;
    const size = view.getUint32(at, true);
    const n = view.getUint32(at + 4, true);
    if (n > size || size > MAX_OUT || at + OUT_HEAD + n > payload.length) return null;
    const buf = new Uint8Array(size);
    buf.set(payload.subarray(at + OUT_HEAD, at + OUT_HEAD + n));
    out.push(buf);
    at += OUT_HEAD + n;
  }
  switch (outcome) {
    case CallOutcome.Returned:
      return { outcome: 'returned', eax: word, out };
    case CallOutcome.Killed:
      return { outcome: 'killed', signal: word };
    case CallOutcome.SetupFailed:
      return { outcome: 'setup-failed', errno: word };
    default:
      return null;
  }
}

export interface LinkRequest {
  /** Kernel address to link for; 0 only lays the object out. */
  base: number;
  /** The ELF object in the guest. */
  path: string;
  /** The module name written into the image. */
  name: string;
}

export function encodeLink(req: LinkRequest): Uint8Array {
  return new PayloadWriter().u32(req.base).bytes(new TextEncoder().encode(`${req.path}\0${req.name}\0`)).finish();
}

export interface LinkReply {
  /** 0: linked (or laid out). */
  errno: number;
  /** The image size, which create_module must reserve. */
  size: number;
  /** The agent's report, lines described in guest/link.c. */
  report: string;
  /** The linked image (empty when only laid out, or on failure). */
  image: Uint8Array;
}

export function decodeLinked(payload: Uint8Array): LinkReply | null {
  if (payload.length < LINKED_HEAD) return null;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  const reportLength = view.getUint32(8, true);
  if (LINKED_HEAD + reportLength > payload.length) return null;
  return {
    errno: view.getUint32(0, true),
    size: view.getUint32(4, true),
    report: new TextDecoder().decode(payload.subarray(LINKED_HEAD, LINKED_HEAD + reportLength)),
    image: payload.slice(LINKED_HEAD + reportLength),
  };
}

export interface ReadRequest {
  path: string;
}

export function encodeRead(req: ReadRequest): Uint8Array {
  return new TextEncoder().encode(req.path);
}

export interface FileReply {
  /** 0 on success. */
  errno: number;
  bytes: Uint8Array;
}

export function decodeFile(payload: Uint8Array): FileReply | null {
  if (payload.length < FILE_HEAD) return null;
  const errno = new DataView(payload.buffer, payload.byteOffset, FILE_HEAD).getUint32(0, true);
  return { errno, bytes: payload.slice(FILE_HEAD) };
}

/** The one folder WRITE may create files in; the agent makes it at start-up (the 2.4 initrd has ~75 KiB free). */
export const WRITE_DIR = '/tmp';

export interface WriteRequest {
  /** A file directly in WRITE_DIR, e.g. /tmp/hello_world.o. */
  path: string;
  bytes: Uint8Array;
}

/** A write as sent: its bytes in the frame, or already in the bulk window (see AgentClient). */
export type WireWriteRequest = WriteRequest | { path: string; window: WindowArg };

export function encodeWrite(req: WireWriteRequest): Uint8Array {
  const w = new PayloadWriter();
  if ('window' in req) w.u32(ArgKind.Window).u32(req.window.length).u32(req.window.offset);
  else w.u32(ArgKind.Buffer).u32(req.bytes.length).u32(0);
  w.bytes(new TextEncoder().encode(`${req.path}\0`));
  return 'window' in req ? w.finish() : w.bytes(req.bytes).finish();
}

export interface WrittenReply {
  /** 0: the whole file was written. */
  errno: number;
}

export function decodeWritten(payload: Uint8Array): WrittenReply | null {
  if (payload.length !== WRITTEN_HEAD) return null;
  return { errno: new DataView(payload.buffer, payload.byteOffset, WRITTEN_HEAD).getUint32(0, true) };
}

export interface ExecRequest {
  /** The program, a file directly in WRITE_DIR (written by WRITE). */
  path: string;
  /** argv, argv[0] first: at least one entry, none containing NUL. */
  argv: readonly string[];
  /** null: the program runs as root (NO_UID on the wire). */
  uid: number | null;
  /** The agent kills the program when it runs longer than this. */
  limitMs: number;
}

export function encodeExec(req: ExecRequest): Uint8Array {
  if (req.argv.length < 1 || req.argv.length > EXEC_MAX_ARGS) throw new RangeError(`EXEC takes 1 to ${EXEC_MAX_ARGS} argv entries`);
  const strings = [req.path, ...req.argv];
  if (strings.some((a) => a.includes('\0'))) throw new RangeError('EXEC strings cannot contain NUL');
  return new PayloadWriter()
    .u32(req.uid === null ? NO_UID : req.uid)
    .u32(req.limitMs)
    .u32(req.argv.length)
    .bytes(new TextEncoder().encode(strings.map((a) => `${a}\0`).join('')))
    .finish();
}

export type ExecEnding =
  | { end: 'exited'; status: number }
  | { end: 'signaled'; signal: number }
  | { end: 'timeout' }
  | { end: 'not-run'; errno: number; step: 'fork' | 'setuid' | 'exec' };

export type ExitedReply = ExecEnding & {
  /** The program's output as bytes (each at most EXEC_OUTPUT_MAX). */
  stdout: Uint8Array;
  stderr: Uint8Array;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** Time from fork to reaping, by the guest's clock. */
  guestUs: number;
};

const EXEC_STEPS: Record<number, 'fork' | 'setuid' | 'exec'> = { [ExecStep.Fork]: 'fork', [ExecStep.Setuid]: 'setuid', [ExecStep.Exec]: 'exec' };

export function decodeExited(payload: Uint8Array): ExitedReply | null {
  if (payload.length < EXITED_HEAD) return null;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  const [end, word, step, guestUs, flags, outLen, errLen] = [0, 4, 8, 12, 16, 20, 24].map((at) => view.getUint32(at, true)) as [number, number, number, number, number, number, number];
  if (outLen > EXEC_OUTPUT_MAX || errLen > EXEC_OUTPUT_MAX || EXITED_HEAD + outLen + errLen !== payload.length) return null;
  const output = {
    stdout: payload.slice(EXITED_HEAD, EXITED_HEAD + outLen),
    stderr: payload.slice(EXITED_HEAD + outLen),
    stdoutTruncated: (flags & EXEC_STDOUT_TRUNCATED) !== 0,
    stderrTruncated: (flags & EXEC_STDERR_TRUNCATED) !== 0,
    guestUs,
  };
  switch (end) {
    case ExecEnd.Exited:
      return word <= 255 ? { end: 'exited', status: word, ...output } : null;
    case ExecEnd.Signaled:
      return word >= 1 && word < 128 ? { end: 'signaled', signal: word, ...output } : null;
    case ExecEnd.Timeout:
      return { end: 'timeout', ...output };
    case ExecEnd.NotRun: {
      const at = EXEC_STEPS[step];
      return at ? { end: 'not-run', errno: word, step: at, ...output } : null;
    }
    default:
      return null;
  }
}

/**
 * Moves `req`'s buffers of at least WINDOW_MIN_ARG bytes into a window of
 * `windowSize` bytes, in order, while they fit; the rest stay in the frame.
 * Returns the request to send and the bytes to write at each offset first.
 */
export function placeInWindow(req: WireCallRequest, windowSize: number): { request: WireCallRequest; writes: Array<{ offset: number; bytes: Uint8Array }> } {
  const writes: Array<{ offset: number; bytes: Uint8Array }> = [];
  let used = 0;
  const args = req.args.map((a): CallArg | WindowArg => {
    if (a.kind !== 'buffer' || a.bytes.length < WINDOW_MIN_ARG || a.bytes.length > windowSize - used) return a;
    writes.push({ offset: used, bytes: a.bytes });
    const placed: WindowArg = { kind: 'window', offset: used, length: a.bytes.length };
    // Each argument starts on a word boundary, where the kernel's copy is fastest.
    used += (a.bytes.length + 3) & ~3;
    return placed;
  });
  return { request: { ...req, args }, writes };
}

export interface WindowInfo {
  /** Guest physical address of the window. */
  phys: number;
  /** 0: the agent has no window. */
  size: number;
}

export function decodeWindowInfo(payload: Uint8Array): WindowInfo | null {
  if (payload.length !== WINDOW_INFO_HEAD) return null;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  return { phys: view.getUint32(0, true), size: view.getUint32(4, true) };
}

/** PING and PONG carry nothing. */
export type Empty = Record<string, never>;
const encodeEmpty = (_request: Empty): Uint8Array => new Uint8Array(0);
/** An empty reply; anything else is malformed. */
const decodeEmpty = (payload: Uint8Array): Empty | null => (payload.length === 0 ? {} : null);

/**
 * Every request the host makes, with the frame type of the request, the
 * frame type its reply must have, and the codecs for both payloads. The agent
 * client (harness/agent/client.ts) is typed from this table alone.
 */
export const REQUESTS = {
  call: { type: FrameType.Call, reply: FrameType.Result, encode: encodeCall, decode: decodeResult },
  link: { type: FrameType.Link, reply: FrameType.Linked, encode: encodeLink, decode: decodeLinked },
  read: { type: FrameType.Read, reply: FrameType.File, encode: encodeRead, decode: decodeFile },
  write: { type: FrameType.Write, reply: FrameType.Written, encode: encodeWrite, decode: decodeWritten },
  exec: { type: FrameType.Exec, reply: FrameType.Exited, encode: encodeExec, decode: decodeExited },
  ping: { type: FrameType.Ping, reply: FrameType.Pong, encode: encodeEmpty, decode: decodeEmpty },
  window: { type: FrameType.Window, reply: FrameType.WindowInfo, encode: encodeEmpty, decode: decodeWindowInfo },
} as const;
export type RequestName = keyof typeof REQUESTS;
export type RequestOf<N extends RequestName> = Parameters<(typeof REQUESTS)[N]['encode']>[0];
export type ReplyOf<N extends RequestName> = NonNullable<ReturnType<(typeof REQUESTS)[N]['decode']>>;

export interface ReadyNotice {
  release: string;
  version: string;
}

/** READY's payload: utsname release and version, each NUL-terminated. */
export function decodeReady(payload: Uint8Array): ReadyNotice {
  const [release = '', version = ''] = new TextDecoder().decode(payload).split('\0');
  return { release, version };
}

/** The strings the C agent needs, as C string literals in protocol.h. */
export function cHeaderStrings(): Array<[string, string]> {
  // Printable only: the agent adds the escape bytes around the tag itself.
  return [
    ['ML_WRITE_DIR', WRITE_DIR],
    ['ML_END_MARK_TAG', END_MARK_TAG],
    ['ML_START_MARK_TAG', START_MARK_TAG],
  ];
}

/** The constants the C agent needs, in the order they appear in protocol.h. */
export function cHeaderConstants(): Array<[string, number]> {
  const out: Array<[string, number]> = [
    ['ML_PROTOCOL_VERSION', PROTOCOL_VERSION],
    ['ML_MAGIC0', MAGIC[0]],
    ['ML_MAGIC1', MAGIC[1]],
    ['ML_HEADER_SIZE', HEADER_SIZE],
    ['ML_TRAILER_SIZE', TRAILER_SIZE],
    ['ML_MAX_PAYLOAD', MAX_PAYLOAD],
    ['ML_MAX_ARGS', MAX_ARGS],
    ['ML_MAX_OUT', MAX_OUT],
    ['ML_NO_UID', NO_UID],
    ['ML_ACK_EVERY', ACK_EVERY],
    ['ML_FRAME_TYPE_AT', FRAME_TYPE_AT],
    ['ML_FRAME_ID_AT', FRAME_ID_AT],
    ['ML_FRAME_LENGTH_AT', FRAME_LENGTH_AT],
    ['ML_CALL_HEAD', CALL_HEAD],
    ['ML_ARG_HEAD', ARG_HEAD],
    ['ML_RESULT_HEAD', RESULT_HEAD],
    ['ML_OUT_HEAD', OUT_HEAD],
    ['ML_LINK_HEAD', LINK_HEAD],
    ['ML_LINKED_HEAD', LINKED_HEAD],
    ['ML_FILE_HEAD', FILE_HEAD],
    ['ML_WRITTEN_HEAD', WRITTEN_HEAD],
    ['ML_WINDOW_PHYS', WINDOW_PHYS],
    ['ML_WINDOW_SIZE', WINDOW_SIZE],
    ['ML_WINDOW_ARG_TAIL', WINDOW_ARG_TAIL],
    ['ML_WINDOW_INFO_HEAD', WINDOW_INFO_HEAD],
    ['ML_WRITE_HEAD', WRITE_HEAD],
    ['ML_EXEC_HEAD', EXEC_HEAD],
    ['ML_EXITED_HEAD', EXITED_HEAD],
    ['ML_EXEC_OUTPUT_MAX', EXEC_OUTPUT_MAX],
    ['ML_EXEC_MAX_ARGS', EXEC_MAX_ARGS],
    ['ML_EXEC_STDOUT_TRUNCATED', EXEC_STDOUT_TRUNCATED],
    ['ML_EXEC_STDERR_TRUNCATED', EXEC_STDERR_TRUNCATED],
  ];
  for (const [k, v] of Object.entries(FrameType)) out.push([`ML_FRAME_${k.toUpperCase()}`, v]);
  for (const [k, v] of Object.entries(ArgKind)) out.push([`ML_ARG_${k.toUpperCase()}`, v]);
  for (const [k, v] of Object.entries(CallOutcome)) out.push([`ML_OUTCOME_${k.toUpperCase()}`, v]);
  for (const [k, v] of Object.entries(ExecEnd)) out.push([`ML_EXEC_${k.toUpperCase()}`, v]);
  for (const [k, v] of Object.entries(ExecStep)) out.push([`ML_STEP_${k.toUpperCase()}`, v]);
  return out;
}
