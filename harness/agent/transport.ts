/**
 * The frame transport to the agent over the protocol port (ttyS1): request
 * ids, deadlines and flow control, nothing about what the frames mean (that
 * is the agent client's, harness/agent/client.ts). Bytes from the guest go in through
 * `feed`; requests go out through the `write` function given at construction.
 * Every request has a deadline; replies are matched by id, and anything that
 * matches nothing is counted and dropped.
 *
 * A deadline measures the guest's silence, not the length of a transfer: it
 * starts again when a request's last byte is written and whenever an ACK shows
 * the agent consumed more of the stream while the request was still in it. A
 * transfer that keeps moving never times out; one that stalls does.
 */
import { TransportError } from '../errors.ts';
import { FrameDecoder, FrameType, SEND_WINDOW, encodeFrame, type Frame } from '../protocol.ts';

interface Pending {
  resolve: (f: Frame) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Stream offset just past this request's last byte. */
  end: number;
  timeoutMs: number;
  what: string;
}

export class FrameChannel {
  private readonly decoder = new FrameDecoder();
  private readonly pending = new Map<number, Pending>();
  private readonly waiters: Array<{ type: number; resolve: (f: Frame) => void; fail: (e: Error) => void }> = [];
  // A random start (never 0, which is for unsolicited frames): the agent's end-of-call mark on the
  // console names the request, and nobody typing there can know the id of one still to come.
  private nextId = 1 + Math.floor(Math.random() * 0x7fffffff);
  private closedWith: Error | null = null;
  private inbox: number[] = [];
  private flushQueued = false;
  /** Frames that matched no request (late, duplicate or unknown). */
  unmatched = 0;
  // Flow control (see ACK in protocol.ts): stream offsets queued, written and known consumed.
  private queued = 0;
  private written = 0;
  private acked = 0;
  private outbox: Uint8Array[] = [];

  constructor(private readonly write: (bytes: Uint8Array) => void) {}

  get decoderStats() {
    return this.decoder.stats;
  }

  /** One byte from the guest; decoding is batched per microtask since v86 delivers bytes singly. */
  feedByte(byte: number): void {
    this.inbox.push(byte);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushQueued = false;
    const bytes = Uint8Array.from(this.inbox);
    this.inbox = [];
    for (const frame of this.decoder.push(bytes)) this.dispatch(frame);
  }

  private dispatch(frame: Frame): void {
    if (frame.type === FrameType.Ack && frame.id === 0 && frame.payload.length === 4) {
      const delta = new DataView(frame.payload.buffer, frame.payload.byteOffset, 4).getUint32(0, true);
      // Noise on the line makes the agent count bytes we never sent: never credit past what was written.
      const before = this.acked;
      this.acked = Math.min(this.acked + delta, this.written);
      // Progress through the stream is the guest alive and reading: requests still in it get their full time again.
      if (this.acked > before) for (const [id, p] of this.pending) if (p.end > before) this.arm(id, p);
      this.pump();
      return;
    }
    const w = this.waiters.findIndex((x) => x.type === frame.type);
    if (w >= 0 && frame.id === 0) {
      this.waiters.splice(w, 1)[0]?.resolve(frame);
      return;
    }
    const p = this.pending.get(frame.id);
    if (!p) {
      this.unmatched++;
      return;
    }
    this.pending.delete(frame.id);
    clearTimeout(p.timer);
    this.acked = Math.max(this.acked, Math.min(p.end, this.written));
    this.pump();
    if (frame.type === FrameType.Error) {
      p.reject(new TransportError(`the guest agent refused the request: ${new TextDecoder().decode(frame.payload)}`, 'agent'));
    } else {
      p.resolve(frame);
    }
  }

  /** Waits for an unsolicited frame (id 0) of this type, such as READY. */
  waitFor(type: number, timeoutMs: number, what: string): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(entry);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new TransportError(`${what} did not arrive within ${timeoutMs} ms`, 'timeout'));
      }, timeoutMs);
      const entry = {
        type,
        resolve: (f: Frame) => {
          clearTimeout(timer);
          resolve(f);
        },
        fail: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(entry);
    });
  }

  /** The id of the latest request sent (requests on one machine are serial: the one just answered). */
  get lastRequestId(): number {
    return this.nextId - 1;
  }

  request(type: number, payload: Uint8Array, timeoutMs: number, what: string): Promise<Frame> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    const bytes = encodeFrame({ type, id, payload });
    return new Promise((resolve, reject) => {
      this.queued += bytes.length;
      const p: Pending = { resolve, reject, timer: undefined, end: this.queued, timeoutMs, what };
      this.pending.set(id, p);
      this.arm(id, p);
      this.outbox.push(bytes);
      this.pump();
    });
  }

  /** (Re)starts `p`'s deadline from now. */
  private arm(id: number, p: Pending): void {
    clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      this.pending.delete(id);
      p.reject(new TransportError(`${p.what}: the guest did not answer within ${p.timeoutMs} ms`, 'timeout'));
    }, p.timeoutMs);
  }

  /** Writes queued bytes while fewer than SEND_WINDOW are unacknowledged. */
  private pump(): void {
    const before = this.written;
    this.pumpWindow();
    // The deadline covers the guest's work, which starts with the last byte written.
    if (this.written > before) for (const [id, p] of this.pending) if (p.end > before && p.end <= this.written) this.arm(id, p);
  }

  private pumpWindow(): void {
    while (this.outbox.length > 0) {
      const room = SEND_WINDOW - (this.written - this.acked);
      if (room <= 0) return;
      const head = this.outbox[0] as Uint8Array;
      if (head.length <= room) {
        this.outbox.shift();
        this.write(head);
        this.written += head.length;
      } else {
        this.write(head.subarray(0, room));
        this.outbox[0] = head.subarray(room);
        this.written += room;
      }
    }
  }

  /** A request that gets no reply (EXIT: init exits and the kernel panics). */
  send(type: number, payload: Uint8Array): void {
    if (this.closedWith) return;
    const bytes = encodeFrame({ type, id: this.nextId++, payload });
    this.queued += bytes.length;
    this.outbox.push(bytes);
    this.pump();
  }

  /** Fails every pending request with `error`; later requests fail at once. */
  close(error: Error): void {
    this.closedWith = error;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(error);
      this.pending.delete(id);
    }
    for (const w of this.waiters.splice(0)) w.fail(error);
  }
}
