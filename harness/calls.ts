/**
 * The calls modlab can make, their arguments, and the checks that stop input
 * modlab itself cannot use before anything reaches the guest. Arguments that
 * are merely strange for the kernel (NULL, wild pointers, huge sizes, long
 * names) pass through untouched: the kernel's answer to them is the point.
 */
import { Syscall, type CallArg } from './protocol.ts';

export const CALL_NAMES = ['create_module', 'delete_module'] as const;
export type CallName = (typeof CALL_NAMES)[number];

/** Names longer than this never leave the harness (the kernel's own limit is a page). */
export const MAX_NAME_BYTES = 64 * 1024;
export const MAX_U32 = 0xffffffff;
/** setuid32(-1) means "leave unchanged", so the largest uid the agent can take is one less. */
export const MAX_UID = 0xfffffffe;

export type NameArg =
  | { kind: 'string'; text: string }
  | { kind: 'null' }
  | { kind: 'pointer'; address: number };

export type Call =
  | { call: 'create_module'; name: NameArg; size: number; uid: number }
  | { call: 'delete_module'; name: NameArg; uid: number };

/** Input modlab cannot use; the message names the field and says what to do. */
export class InputError extends Error {
  override name = 'InputError';
}

export function isCallName(s: string): s is CallName {
  return (CALL_NAMES as readonly string[]).includes(s);
}

/**
 * A 32-bit unsigned number from a decimal or 0x-hex string, or from a JSON
 * number. `what` names the field in the error.
 */
export function parseU32(input: unknown, what: string, max = MAX_U32): number {
  let value: number;
  if (typeof input === 'number') {
    if (!Number.isInteger(input)) throw new InputError(`${what} must be a whole number, got ${input}`);
    value = input;
  } else if (typeof input === 'string') {
    const s = input.trim();
    if (/^0[xX][0-9a-fA-F]+$/.test(s)) value = parseInt(s.slice(2), 16);
    else if (/^[0-9]+$/.test(s)) value = Number(s);
    else throw new InputError(`${what} must be a number in decimal or 0x hex, got ${JSON.stringify(input)}`);
  } else {
    throw new InputError(`${what} must be a number, got ${input === null ? 'null' : typeof input}`);
  }
  if (value < 0 || value > max) {
    throw new InputError(`${what} must be between 0 and ${max} (0x${max.toString(16)}), got ${typeof input === 'string' ? input : value}`);
  }
  return value;
}

export function parseSize(input: unknown, what = 'size'): number {
  return parseU32(input, what);
}

export function parseUid(input: unknown, what = 'uid'): number {
  return parseU32(input, what, MAX_UID);
}

export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** A name as scenario files write it: a string, null (the NULL pointer) or {"ptr": "0x…"}. */
export function parseName(input: unknown, what = 'name'): NameArg {
  if (input === null) return { kind: 'null' };
  if (isRepeat(input)) {
    const times = parseU32(input.times, `${what}.times`);
    if (input.repeat.length === 0 || times === 0) throw new InputError(`${what}: {"repeat": …, "times": …} needs a non-empty text and times of at least 1`);
    if (utf8Length(input.repeat) * times > MAX_NAME_BYTES) {
      throw new InputError(`${what} would be ${utf8Length(input.repeat) * times} bytes long; modlab passes names of up to ${MAX_NAME_BYTES} bytes (64 KiB) to the kernel`);
    }
    input = input.repeat.repeat(times);
  }
  if (typeof input === 'string') {
    const n = utf8Length(input);
    if (n > MAX_NAME_BYTES) {
      throw new InputError(`${what} is ${n} bytes long; modlab passes names of up to ${MAX_NAME_BYTES} bytes (64 KiB) to the kernel`);
    }
    return { kind: 'string', text: input };
  }
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const keys = Object.keys(input);
    if (keys.length === 1 && keys[0] === 'ptr') {
      return { kind: 'pointer', address: parseU32((input as { ptr: unknown }).ptr, `${what}.ptr`) };
    }
  }
  throw new InputError(
    `${what} must be a string, null (the NULL pointer), {"ptr": "0x…"} (a raw address) or {"repeat": "n", "times": 4096} (a long name), got ${JSON.stringify(input)}`,
  );
}

/** The scenario form for long names, which would be unreadable written out. */
function isRepeat(input: unknown): input is { repeat: string; times: unknown } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return false;
  const keys = Object.keys(input).sort();
  return keys.length === 2 && keys[0] === 'repeat' && keys[1] === 'times' && typeof (input as { repeat: unknown }).repeat === 'string';
}

/**
 * A name as typed on a command line: `NULL` is the null pointer, `@0xADDR`
 * a raw pointer, anything else the text itself.
 */
export function parseNameWord(word: string, what = 'NAME'): NameArg {
  if (word === 'NULL') return { kind: 'null' };
  if (word.startsWith('@')) return { kind: 'pointer', address: parseU32(word.slice(1), `${what} pointer`) };
  return parseName(word, what);
}

export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

export function describeName(name: NameArg): string {
  switch (name.kind) {
    case 'null':
      return 'NULL';
    case 'pointer':
      return `(char *)${hex32(name.address)}`;
    case 'string':
      return name.text.length > 40 ? `${JSON.stringify(name.text.slice(0, 32))}… (${utf8Length(name.text)} bytes)` : JSON.stringify(name.text);
  }
}

/** The call as C would spell it, e.g. create_module("hello", 4096). */
export function describeCall(c: Call): string {
  const args = c.call === 'create_module' ? `${describeName(c.name)}, ${c.size}` : describeName(c.name);
  return `${c.call}(${args})${c.uid !== 0 ? ` as uid ${c.uid}` : ''}`;
}

/** The name as JSON output writes it back: the same shape a scenario file uses. */
export function nameToJson(name: NameArg): string | null | { ptr: string } {
  if (name.kind === 'null') return null;
  if (name.kind === 'pointer') return { ptr: hex32(name.address) };
  return name.text;
}

function nameArg(name: NameArg): CallArg {
  switch (name.kind) {
    case 'null':
      return { kind: 'value', value: 0 };
    case 'pointer':
      return { kind: 'value', value: name.address };
    case 'string': {
      const text = new TextEncoder().encode(name.text);
      const bytes = new Uint8Array(text.length + 1);
      bytes.set(text);
      return { kind: 'buffer', bytes };
    }
  }
}

/**
 * Checks a call built in code (the API boundary) the way parsing checks one
 * read from text; throws InputError naming the field.
 */
export function validateCall(c: Call): void {
  if (typeof c !== 'object' || c === null || !isCallName((c as { call: string }).call)) {
    throw new InputError(`unknown call ${JSON.stringify((c as { call?: unknown } | null)?.call)}; modlab makes ${CALL_NAMES.join(' and ')}`);
  }
  const n = c.name as unknown;
  const name = n as NameArg | null;
  if (name === null || typeof name !== 'object') throw new InputError('name must be a NameArg: {kind: "string" | "null" | "pointer"}');
  if (name.kind === 'string') parseName(name.text);
  else if (name.kind === 'pointer') parseU32(name.address, 'name pointer');
  else if (name.kind !== 'null') throw new InputError(`name kind must be "string", "null" or "pointer"`);
  if (c.call === 'create_module') parseSize(c.size);
  parseUid(c.uid);
}

/** What the agent is asked to do for a call: syscall number, uid and arguments. */
export function toSyscall(c: Call): { syscall: number; uid: number | null; args: CallArg[] } {
  const uid = c.uid === 0 ? null : c.uid;
  switch (c.call) {
    case 'create_module':
      return { syscall: Syscall.create_module, uid, args: [nameArg(c.name), { kind: 'value', value: c.size }] };
    case 'delete_module':
      return { syscall: Syscall.delete_module, uid, args: [nameArg(c.name)] };
  }
}
