/**
 * The agent, as the host sees it: one typed method per request in the
 * protocol's table (REQUESTS in harness/protocol.ts). Encoding, the reply's
 * frame type and decoding are checked here for every request, so nothing
 * above this file touches frames.
 */
import { TransportError } from '../errors.ts';
import { decodeReady, FrameType, REQUESTS, type ReadyNotice, type ReplyOf, type RequestName, type RequestOf } from '../protocol.ts';
import { FrameChannel } from './transport.ts';

export class AgentClient {
  readonly channel: FrameChannel;

  constructor(write: (bytes: Uint8Array) => void) {
    this.channel = new FrameChannel(write);
  }

  /** Sends `request` and resolves with its decoded reply; throws TransportError on a timeout or a malformed reply. */
  async request<N extends RequestName>(name: N, request: RequestOf<N>, timeoutMs: number, what: string = name): Promise<ReplyOf<N>> {
    const spec = REQUESTS[name];
    // The table pairs each encoder with its own request type; TypeScript cannot follow that through N.
    const encode = spec.encode as (r: RequestOf<N>) => Uint8Array;
    const frame = await this.channel.request(spec.type, encode(request), timeoutMs, what);
    if (frame.type !== spec.reply) throw new TransportError(`${what}: the agent answered with frame type 0x${frame.type.toString(16)}, not 0x${spec.reply.toString(16)}`, 'agent');
    const reply = spec.decode(frame.payload) as ReplyOf<N> | null;
    if (reply === null) throw new TransportError(`${what}: malformed reply from the guest`, 'agent');
    return reply;
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
