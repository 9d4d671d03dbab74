/**
 * The globals the core may use: the small set that Node 20 and every browser
 * modlab supports both provide. Declared here because the core's typecheck
 * loads neither the DOM's nor Node's types (see tsconfig.json beside this).
 */
declare function setTimeout(handler: () => void, ms?: number): CoreTimer;
declare function clearTimeout(timer: CoreTimer | undefined): void;
declare function queueMicrotask(callback: () => void): void;
/** Opaque: a number in the browser, an object in Node. */
interface CoreTimer {
  readonly __coreTimer?: never;
}
declare const performance: { now(): number };
declare class TextEncoder {
  encode(input?: string): Uint8Array<ArrayBuffer>;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
interface SubtleCrypto {
  digest(algorithm: 'SHA-256', data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
}
/** The Compression Streams API and the bits of web streams it needs (harness/compression.ts). */
interface ReadableStreamReadResult<T> {
  done: boolean;
  value: T;
}
interface ReadableStreamDefaultReader<T> {
  read(): Promise<ReadableStreamReadResult<T>>;
  cancel(reason?: unknown): Promise<void>;
}
interface ReadableStream<T> {
  getReader(): ReadableStreamDefaultReader<T>;
}
interface WritableStreamDefaultWriter<T> {
  write(chunk: T): Promise<void>;
  close(): Promise<void>;
}
interface WritableStream<T> {
  getWriter(): WritableStreamDefaultWriter<T>;
}
declare class CompressionStream {
  constructor(format: 'gzip' | 'deflate-raw');
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}
declare class DecompressionStream {
  constructor(format: 'gzip' | 'deflate-raw');
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}
/** A channel whose messages are tasks on this same thread (v86's run loop yields through one: see emulator.ts). */
declare class MessageChannel {
  readonly port1: CoreMessagePort;
  readonly port2: CoreMessagePort;
}
interface CoreMessagePort {
  onmessage: ((event: { data: unknown }) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}
