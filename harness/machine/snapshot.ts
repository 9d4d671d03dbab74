/**
 * Saved machines: the whole v86 state taken once the agent is ready, so that
 * a fresh machine (after a crash, on reset, in the next process or page load)
 * is a restore of a few milliseconds instead of a boot.
 *
 * A snapshot is keyed by everything that shaped it (the sha256s the kernel,
 * initrd and BIOS are pinned to, command line, memory, v86 version, agent
 * protocol): change any of them and the key changes, so a stale snapshot is
 * never found. The key reads no file: a restore needs none of the three. A stored
 * snapshot also carries one sha256 over its header and state together, checked
 * on load (an edited release or console is refused like a corrupt state); one
 * that fails is deleted and the machine boots instead.
 *
 * Stored layout: "MLSNAP3\n" | sha256 of all that follows, 64 hex digits |
 * u32le header length | header JSON | the state, gzipped. The state is mostly
 * memory the guest never touched, so gzip takes a 2.4 machine from ~14 MB to
 * ~1.4 MB, and hashing and reading the smaller file is faster than the
 * larger one was. Older formats (MLSNAP1, whose header was not hashed;
 * MLSNAP2, uncompressed) are refused by name and rebuilt.
 */
import { SnapshotError } from '../errors.ts';
import { sha256Hex } from '../../kernel-images/sha256.ts';
import type { MachineAssets } from './assets.ts';
import { streamGzip, type GzipCodec } from '../compression.ts';
import { PROTOCOL_VERSION } from '../protocol.ts';
import { emulatedMemory, GUEST_MEMORY, kernelCommandLine, VGA_MEMORY, type Tuning } from './v86-config.ts';

/** The v86 build whose state format the snapshots use (checked against node_modules by a unit test). */
export const V86_VERSION = '0.5.462+g5f9a90f';
const MAGIC = new TextEncoder().encode('MLSNAP3\n');
/** Formats this build no longer reads, named as such rather than as garbage, with why. */
const OLD_FORMATS: Readonly<Record<string, string>> = {
  'MLSNAP0\n': 'whose header is not covered by its sha256',
  'MLSNAP1\n': 'whose header is not covered by its sha256',
  'MLSNAP2\n': 'whose state is not compressed',
};
/** The largest state inflated: the guest's memory and room for the devices (a real one is 14–47 MB). */
export const MAX_STATE_BYTES = GUEST_MEMORY + 32 * 1024 * 1024;
const DIGEST_HEX = 64;
/** Where the hashed part (header length, header, state) starts. */
const BODY = MAGIC.length + DIGEST_HEX;

export interface Snapshot {
  key: string;
  state: ArrayBuffer;
  release: string;
  version: string;
  /** The console text of the boot that made it, replayed to a terminal on restore. */
  bootConsole: string;
  /** How long that boot took. */
  bootMs: number;
}

interface StoredHeader {
  key: string;
  /** The state's length once inflated. */
  stateBytes: number;
  /** Its length as stored (gzipped). */
  storedBytes: number;
  release: string;
  version: string;
  bootConsole: string;
  bootMs: number;
}

function isStoredHeader(h: unknown): h is StoredHeader {
  if (typeof h !== 'object' || h === null) return false;
  const r = h as Record<string, unknown>;
  return (
    typeof r['key'] === 'string' &&
    typeof r['stateBytes'] === 'number' &&
    typeof r['storedBytes'] === 'number' &&
    typeof r['release'] === 'string' &&
    typeof r['version'] === 'string' &&
    typeof r['bootConsole'] === 'string' &&
    typeof r['bootMs'] === 'number'
  );
}

/** Where snapshots persist between processes or page loads: a directory in Node, IndexedDB in a browser. */
export interface SnapshotStore {
  /** Where it keeps them, for messages. */
  readonly location: string;
  read(key: string): Promise<Uint8Array | null>;
  write(key: string, bytes: Uint8Array): Promise<void>;
  remove(key: string): Promise<void>;
  /** A faster gzip than the platform's streams, when the target has one (Node's zlib). */
  readonly gzip?: GzipCodec;
}

const keys = new WeakMap<MachineAssets, Map<string, Promise<string>>>();

/** The snapshot key for these assets booted with these tunings. */
export function snapshotKey(assets: MachineAssets, tunings: readonly Tuning[]): Promise<string> {
  let perAssets = keys.get(assets);
  if (!perAssets) {
    perAssets = new Map<string, Promise<string>>();
    keys.set(assets, perAssets);
  }
  const id = tunings.join(',');
  let key = perAssets.get(id);
  if (!key) {
    key = computeKey(assets, tunings);
    perAssets.set(id, key);
  }
  return key;
}

async function computeKey(assets: MachineAssets, tunings: readonly Tuning[]): Promise<string> {
  const { pins } = assets;
  const shape = JSON.stringify({
    v86: V86_VERSION,
    protocol: PROTOCOL_VERSION,
    memory: emulatedMemory(assets.kernel),
    vga: VGA_MEMORY,
    cmdline: kernelCommandLine(assets.kernel, tunings),
    tunings: [...tunings].sort(),
    kernel: pins.kernel,
    initrd: [...pins.initrd],
    bios: pins.bios,
  });
  const digest = await sha256Hex(new TextEncoder().encode(shape));
  // The key names a file: a user's kernel's id (file:2.4.27-…) loses its colon; its file's sha256 is in the digest.
  return `${assets.kernel.id.replace(/[^A-Za-z0-9._+-]/g, '_')}-${digest.slice(0, 32)}`;
}

export async function encodeSnapshot(s: Snapshot, gzip: GzipCodec = streamGzip): Promise<Uint8Array> {
  const state = new Uint8Array(s.state);
  const stored = await gzip.compress(state);
  const header: StoredHeader = {
    key: s.key,
    stateBytes: state.length,
    storedBytes: stored.length,
    release: s.release,
    version: s.version,
    bootConsole: s.bootConsole,
    bootMs: s.bootMs,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(BODY + 4 + json.length + stored.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(BODY, json.length, true);
  out.set(json, BODY + 4);
  out.set(stored, BODY + 4 + json.length);
  out.set(new TextEncoder().encode(await sha256Hex(out.subarray(BODY))), MAGIC.length);
  return out;
}

/** Parses and verifies a stored snapshot; throws SnapshotError naming what is wrong. */
export async function decodeSnapshot(bytes: Uint8Array, expectedKey: string, gzip: GzipCodec = streamGzip): Promise<Snapshot> {
  const lead = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  const old = Object.hasOwn(OLD_FORMATS, lead) ? OLD_FORMATS[lead] : undefined;
  if (old !== undefined) throw new SnapshotError(`the snapshot is in an older format (${lead.trim()}) ${old}`);
  if (bytes.length < BODY + 4 || MAGIC.some((b, i) => bytes[i] !== b)) throw new SnapshotError('not a modlab snapshot');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const headerLength = view.getUint32(BODY, true);
  const stateStart = BODY + 4 + headerLength;
  if (stateStart > bytes.length) throw new SnapshotError('the snapshot is truncated (header)');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(BODY + 4, stateStart)));
  } catch {
    throw new SnapshotError('the snapshot header is not valid JSON');
  }
  if (!isStoredHeader(header)) throw new SnapshotError('the snapshot header lacks some of its fields');
  if (header.key !== expectedKey) throw new SnapshotError(`the snapshot is for ${header.key}, not ${expectedKey}`);
  const storedLength = bytes.length - stateStart;
  if (storedLength !== header.storedBytes) throw new SnapshotError(`the snapshot is truncated (${storedLength} of ${header.storedBytes} state bytes)`);
  if (header.stateBytes > MAX_STATE_BYTES) throw new SnapshotError(`the snapshot says its state is ${header.stateBytes} bytes, more than a machine's ${MAX_STATE_BYTES}`);
  // One hash over header and state: an edited release or console is as unusable as a corrupt state.
  const stored = new TextDecoder().decode(bytes.subarray(MAGIC.length, BODY));
  // Hashing and inflating start together (both off the main thread in Node), so that neither waits for a
  // turn of an event loop that v86's set-up may be holding; nothing inflated is used unless the hash matches.
  const digest = sha256Hex(bytes.subarray(BODY));
  // A copy, not a view: a Node Buffer's slice() shares memory with the file's bytes.
  const inflating = gzip.decompress(new Uint8Array(bytes.subarray(stateStart)), header.stateBytes).then(
    (inflated) => ({ ok: true as const, inflated }),
    () => ({ ok: false as const }),
  );
  if ((await digest) !== stored) throw new SnapshotError('the snapshot header or state does not match its sha256');
  const inflated = await inflating;
  if (!inflated.ok) throw new SnapshotError('the snapshot state does not decompress');
  let state = inflated.inflated;
  if (state === null || state.length !== header.stateBytes) throw new SnapshotError(`the snapshot state does not inflate to the ${header.stateBytes} bytes its header says`);
  // v86 wants a buffer of exactly the state.
  if (state.byteOffset !== 0 || state.byteLength !== state.buffer.byteLength) state = new Uint8Array(state);
  return {
    key: header.key,
    state: state.buffer,
    release: header.release,
    version: header.version,
    bootConsole: header.bootConsole,
    bootMs: header.bootMs,
  };
}

/**
 * Snapshots in memory for this process or page, backed by a store. Every
 * failure here is a reason to boot instead, never to stop: it is reported to
 * `onProblem` and the caller carries on without a snapshot.
 */
export class SnapshotCache {
  private readonly memory = new Map<string, Promise<Snapshot | null>>();

  constructor(
    private readonly store: SnapshotStore | null,
    /** `error`: what the store threw, where there was one, for a caller that says some refusals its own way (the page's storage notice). */
    private readonly onProblem: (message: string, error?: unknown) => void = () => undefined,
  ) {}

  /**
   * The snapshot for `key`, or null. `onFound` is called when this call
   * reads it from the store, as soon as its bytes are in hand and their
   * checks have started (a caller sets up its emulator meanwhile); not when
   * there is none, nor when it was in memory already.
   */
  get(key: string, onFound?: () => void): Promise<Snapshot | null> {
    let s = this.memory.get(key);
    if (!s) {
      s = this.load(key, onFound);
      this.memory.set(key, s);
    }
    return s;
  }

  private async load(key: string, onFound?: () => void): Promise<Snapshot | null> {
    if (!this.store) return null;
    let bytes: Uint8Array | null;
    try {
      bytes = await this.store.read(key);
    } catch (e) {
      this.onProblem(`could not read the saved machine from ${this.store.location}: ${(e as Error).message}`);
      return null;
    }
    if (!bytes) return null;
    try {
      const decoding = decodeSnapshot(bytes, key, this.store.gzip);
      onFound?.();
      return await decoding;
    } catch (e) {
      this.onProblem(`the saved machine ${key} in ${this.store.location} is unusable (${(e as Error).message}); it was deleted and the kernel boots instead`);
      await this.store.remove(key).catch(() => undefined);
      return null;
    }
  }

  /** Keeps a snapshot in memory, and in the store when there is one. */
  /** Whether the store kept it for next time (false without a store, or when it refused). */
  async put(snapshot: Snapshot): Promise<boolean> {
    this.memory.set(snapshot.key, Promise.resolve(snapshot));
    if (!this.store) return false;
    try {
      await this.store.write(snapshot.key, await encodeSnapshot(snapshot, this.store.gzip));
      return true;
    } catch (e) {
      // A store's SnapshotError is already a whole sentence naming its place (e.g. a read-only cache).
      const message = e instanceof Error ? e.message : String(e);
      this.onProblem(e instanceof SnapshotError ? message : `could not save the machine to ${this.store.location}: ${message}`, e);
      return false;
    }
  }

  /** Forgets a snapshot that failed to restore. */
  async drop(key: string): Promise<void> {
    this.memory.set(key, Promise.resolve(null));
    await this.store?.remove(key).catch(() => undefined);
  }
}
