/**
 * The agent, as the host sees it: one typed method per request in the
 * protocol's table (REQUESTS in harness/protocol.ts). Encoding, the reply's
 * frame type and decoding are checked here for every request, so nothing
 * above this file touches frames.
 */
import { TransportError } from '../errors.ts';
import { decodeReady, encodeCall, encodeWrite, FrameType, placeInWindow, REQUESTS, type ReadyNotice, type ReplyOf, type RequestName, type RequestOf, type WindowInfo, type WireCallRequest, WINDOW_MIN_ARG, WINDOW_PHYS, WINDOW_SIZE, type WriteRequest } from '../protocol.ts';
import { FrameChannel } from './transport.ts';

/** Writes bytes straight into guest memory at a physical address (the bulk window). */
export type WriteMemory = (bytes: Uint8Array, phys: number) => void;

export class AgentClient {
  readonly channel: FrameChannel;
  /** The agent's bulk window once openWindow found one; null: every byte goes over the line. */
  window: WindowInfo | null = null;
  /** Calls in flight whose arguments sit in the window: a second one must not overwrite them. */
  private windowUsers = 0;

  constructor(
    write: (bytes: Uint8Array) => void,
    private readonly writeMemory: WriteMemory | null = null,
  ) {
    this.channel = new FrameChannel(write);
  }

  /**
   * Asks the agent for its bulk window and uses it for large call arguments
   * from now on. An agent without one (or too old to know the request) leaves
   * the serial path in place; only a timeout is an error.
   */
  async openWindow(timeoutMs: number): Promise<WindowInfo | null> {
    this.window = null;
    if (!this.writeMemory) return null;
    try {
      const info = await this.request('window', {}, timeoutMs, 'the bulk window');
      // Only the window the protocol defines: the host writes there blindly.
      this.window = info.size > 0 && info.phys === WINDOW_PHYS && info.size <= WINDOW_SIZE ? info : null;
    } catch (e) {
      if (!(e instanceof TransportError && e.reason === 'agent')) throw e;
    }
    return this.window;
  }

  /** Sends `request` and resolves with its decoded reply; throws TransportError on a timeout or a malformed reply. */
  async request<N extends RequestName>(name: N, request: RequestOf<N>, timeoutMs: number, what: string = name): Promise<ReplyOf<N>> {
    const spec = REQUESTS[name];
    // The table pairs each encoder with its own request type; TypeScript cannot follow that through N.
    const encode = spec.encode as (r: RequestOf<N>) => Uint8Array;
    // A call's large buffers and a large file go into the window first; the frame then only names them.
    const placed = name === 'call' ? this.placeCall(request as WireCallRequest) : name === 'write' ? this.placeWrite(request as WriteRequest) : null;
    let frame;
    try {
      frame = await this.channel.request(spec.type, placed ?? encode(request), timeoutMs, what);
    } finally {
      if (placed) this.windowUsers--;
    }
    if (frame.type !== spec.reply) throw new TransportError(`${what}: the agent answered with frame type 0x${frame.type.toString(16)}, not 0x${spec.reply.toString(16)}`, 'agent');
    const reply = spec.decode(frame.payload) as ReplyOf<N> | null;
    if (reply === null) throw new TransportError(`${what}: malformed reply from the guest`, 'agent');
    return reply;
  }

  /** The call's payload with its large buffers written into the window, or null to send it as it is. */
  private placeCall(request: WireCallRequest): Uint8Array | null {
    if (!this.window || !this.writeMemory || this.windowUsers > 0) return null;
    const { request: placed, writes } = placeInWindow(request, this.window.size);
    if (writes.length === 0) return null;
    for (const w of writes) this.writeMemory(w.bytes, this.window.phys + w.offset);
    this.windowUsers++;
    return encodeCall(placed);
  }

  /** WRITE's payload with the file's bytes in the window (from WINDOW_MIN_ARG on, as a call's buffer), or null. */
  private placeWrite(request: WriteRequest): Uint8Array | null {
    const n = request.bytes.length;
    if (!this.window || !this.writeMemory || this.windowUsers > 0 || n < WINDOW_MIN_ARG || n > this.window.size) return null;
    this.writeMemory(request.bytes, this.window.phys);
    this.windowUsers++;
    return encodeWrite({ path: request.path, window: { kind: 'window', offset: 0, length: n } });
  }

  /** The agent's READY notice, sent once after boot. */
  async ready(timeoutMs: number, what: string): Promise<ReadyNotice> {
    return decodeReady((await this.channel.waitFor(FrameType.Ready, timeoutMs, what)).payload);
  }

  /** Fault injection: init exits, so the kernel panics. No reply comes. */
  exit(): void {
    this.channel.send(FrameType.Exit, new Uint8Array(0));
  }

  feedByte(byte: number): void {
    this.channel.feedByte(byte);
  }

  close(error: Error): void {
    this.channel.close(error);
  }
}
