/**
 * The calls modlab can make, their arguments, and the checks that stop input
 * modlab itself cannot use before anything reaches the guest. Arguments that
 * are merely strange for the kernel (NULL, wild pointers, huge sizes, long
 * names) pass through untouched: the kernel's answer to them is the point.
 */
import { MAX_OUT, Syscall, type CallArg } from '../protocol.ts';

export const CALL_NAMES = ['create_module', 'delete_module', 'init_module', 'query_module', 'get_kernel_syms'] as const;
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

/** The module objects built into the 2.4 initrd (harness/guest/modules), by module name. */
export const MODULE_FILES = { hello: '/modules/hello.o', hello_user: '/modules/hello_user.o', hello_fail: '/modules/hello_fail.o' } as const;
export type ModuleName = keyof typeof MODULE_FILES;

export function isModuleName(s: unknown): s is ModuleName {
  return typeof s === 'string' && s in MODULE_FILES;
}

/**
 * init_module's image: bytes the agent passes by address, a raw pointer (NULL
 * included), or a module the agent links for the address of the module the
 * call names (its create_module reservation), as insmod did.
 */
export type ImageArg = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'null' } | { kind: 'pointer'; address: number } | { kind: 'module'; module: ModuleName };

/** query_module's `which` (linux/module.h, 2.4). */
export const QUERY_WHICH = { QM_MODULES: 1, QM_DEPS: 2, QM_REFS: 3, QM_SYMS: 4, QM_INFO: 5 } as const;
export type QueryWhich = keyof typeof QUERY_WHICH;
/** The buffer query_module gets when none is named: the kernel's symbol table fits (29–53 KB on these kernels). */
export const DEFAULT_QUERY_BUFSIZE = 64 * 1024;
/** get_kernel_syms entries are struct kernel_sym { unsigned long value; char name[60]; }. */
export const KERNEL_SYM_SIZE = 64;

export type Call =
  /** sizeOf: reserve what that module's image needs (the agent lays it out); size is then filled in. */
  | { call: 'create_module'; name: NameArg; size: number; uid: number; sizeOf?: ModuleName }
  | { call: 'delete_module'; name: NameArg; uid: number }
  | { call: 'init_module'; name: NameArg; image: ImageArg; uid: number }
  /** which: a QM_ name, or any number (passed as is); bufsize 0 passes a NULL buffer (the kernel then reports the size it needs). */
  | { call: 'query_module'; name: NameArg; which: QueryWhich | number; bufsize: number; uid: number }
  /** table null passes NULL (the kernel returns the count); else room for that many entries. */
  | { call: 'get_kernel_syms'; table: number | null; uid: number };

/** A value quoted in an error message, cut short: the message must stay readable whatever was typed. */
export function quote(value: unknown, max = 60): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}…(${text.length} characters)` : text;
}

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
    else throw new InputError(`${what} must be a number in decimal or 0x hex, got ${quote(input)}`);
  } else {
    throw new InputError(`${what} must be a number, got ${input === null ? 'null' : typeof input}`);
  }
  if (value < 0 || value > max) {
    throw new InputError(`${what} must be between 0 and ${max} (0x${max.toString(16)}), got ${typeof input === 'string' ? quote(input) : value}`);
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
    `${what} must be a string, null (the NULL pointer), {"ptr": "0x…"} (a raw address) or {"repeat": "n", "times": 4096} (a long name), got ${quote(input)}`,
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

function describeImage(image: ImageArg): string {
  if (image.kind === 'null') return 'NULL';
  if (image.kind === 'pointer') return `(void *)${hex32(image.address)}`;
  if (image.kind === 'module') return `${image.module}.o linked`;
  return `image[${image.bytes.length}]`;
}

/** The arguments as C would spell them, e.g. "hello", 4096. */
export function describeArgs(c: Call): string {
  switch (c.call) {
    case 'create_module':
      return `${describeName(c.name)}, ${c.size}`;
    case 'delete_module':
      return describeName(c.name);
    case 'init_module':
      return `${describeName(c.name)}, ${describeImage(c.image)}`;
    case 'query_module':
      return `${describeName(c.name)}, ${c.which}, ${c.bufsize ? `buf[${c.bufsize}]` : 'NULL'}, ${c.bufsize}, &ret`;
    case 'get_kernel_syms':
      return c.table === null ? 'NULL' : `table[${c.table}]`;
  }
}

/** The call as C would spell it, e.g. create_module("hello", 4096). */
export function describeCall(c: Call): string {
  return `${c.call}(${describeArgs(c)})${c.uid !== 0 ? ` as uid ${c.uid}` : ''}`;
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
    throw new InputError(`unknown call ${quote((c as { call?: unknown } | null)?.call)}; modlab makes ${CALL_NAMES.join(', ')}`);
  }
  if (c.call !== 'get_kernel_syms') {
    const name = c.name as NameArg | null;
    if (name === null || typeof name !== 'object') throw new InputError('name must be a NameArg: {kind: "string" | "null" | "pointer"}');
    if (name.kind === 'string') parseName(name.text);
    else if (name.kind === 'pointer') parseU32(name.address, 'name pointer');
    else if (name.kind !== 'null') throw new InputError(`name kind must be "string", "null" or "pointer"`);
  }
  if (c.call === 'create_module') parseSize(c.size);
  if (c.call === 'init_module') {
    const image = c.image as ImageArg | null;
    if (image === null || typeof image !== 'object') throw new InputError('image must be {kind: "bytes" | "null" | "pointer"}');
    if (image.kind === 'bytes' && !(image.bytes instanceof Uint8Array)) throw new InputError('image bytes must be a Uint8Array');
    if (image.kind === 'bytes' && image.bytes.length > MAX_IMAGE_BYTES) throw new InputError(`image is ${image.bytes.length} bytes; modlab passes images of up to ${MAX_IMAGE_BYTES} bytes`);
    if (image.kind === 'pointer') parseU32(image.address, 'image pointer');
    if (image.kind === 'module' && !isModuleName(image.module)) throw new InputError(`image module must be one of ${Object.keys(MODULE_FILES).join(', ')}`);
  }
  if (c.call === 'create_module' && c.sizeOf !== undefined && !isModuleName(c.sizeOf)) throw new InputError(`sizeOf must be one of ${Object.keys(MODULE_FILES).join(', ')}`);
  if (c.call === 'query_module') {
    if (typeof c.which === 'number') parseU32(c.which, 'which');
    else if (!(c.which in QUERY_WHICH)) throw new InputError(`which must be one of ${Object.keys(QUERY_WHICH).join(', ')} or a number, got ${quote(c.which)}`);
    parseU32(c.bufsize, 'bufsize', MAX_OUT_BYTES);
  }
  if (c.call === 'get_kernel_syms' && c.table !== null) parseU32(c.table, 'table entries', Math.floor(MAX_OUT_BYTES / KERNEL_SYM_SIZE));
  parseUid(c.uid);
}

/** Limits from the agent's buffers (protocol.ts): an image travels in one frame, outputs come back in one. */
export const MAX_IMAGE_BYTES = 512 * 1024;
export const MAX_OUT_BYTES = MAX_OUT - 8;

/** What the agent is asked to do for a call: syscall number, uid and arguments. */
export function toSyscall(c: Call): { syscall: number; uid: number | null; args: CallArg[] } {
  const uid = c.uid === 0 ? null : c.uid;
  switch (c.call) {
    case 'create_module':
      return { syscall: Syscall.create_module, uid, args: [nameArg(c.name), { kind: 'value', value: c.size }] };
    case 'delete_module':
      return { syscall: Syscall.delete_module, uid, args: [nameArg(c.name)] };
    case 'init_module': {
      if (c.image.kind === 'module') throw new Error(`internal: link ${c.image.module} before sending init_module`);
      const image: CallArg = c.image.kind === 'bytes' ? { kind: 'buffer', bytes: c.image.bytes } : { kind: 'value', value: c.image.kind === 'null' ? 0 : c.image.address };
      return { syscall: Syscall.init_module, uid, args: [nameArg(c.name), image] };
    }
    case 'query_module': {
      const buf: CallArg = c.bufsize ? { kind: 'out', size: c.bufsize } : { kind: 'value', value: 0 };
      const which = typeof c.which === 'number' ? c.which : QUERY_WHICH[c.which];
      return { syscall: Syscall.query_module, uid, args: [nameArg(c.name), { kind: 'value', value: which }, buf, { kind: 'value', value: c.bufsize }, { kind: 'out', size: 4 }] };
    }
    case 'get_kernel_syms':
      return { syscall: Syscall.get_kernel_syms, uid, args: [c.table === null ? { kind: 'value', value: 0 } : { kind: 'out', size: c.table * KERNEL_SYM_SIZE }] };
  }
}

/** An init_module image from text or JSON: null, {"ptr": "0x…"} or {"hex": "…"} (bytes). */
export function parseImage(input: unknown, what = 'image'): ImageArg {
  if (input === null || input === 'NULL') return { kind: 'null' };
  if (typeof input === 'string' && input.startsWith('@')) return { kind: 'pointer', address: parseU32(input.slice(1), `${what} pointer`) };
  let hex: unknown = typeof input === 'string' && input.startsWith('hex:') ? input.slice(4) : undefined;
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const keys = Object.keys(input);
    if (keys.length === 1 && keys[0] === 'ptr') return { kind: 'pointer', address: parseU32((input as { ptr: unknown }).ptr, `${what}.ptr`) };
    if (keys.length === 1 && keys[0] === 'module') {
      const module = (input as { module: unknown }).module;
      if (!isModuleName(module)) throw new InputError(`${what}.module must be one of ${Object.keys(MODULE_FILES).join(', ')}, got ${quote(module)}`);
      return { kind: 'module', module };
    }
    if (keys.length === 1 && keys[0] === 'hex') hex = (input as { hex: unknown }).hex;
  }
  if (typeof hex === 'string' && /^([0-9a-fA-F]{2})*$/.test(hex)) {
    if (hex.length / 2 > MAX_IMAGE_BYTES) throw new InputError(`${what} is ${hex.length / 2} bytes; modlab passes images of up to ${MAX_IMAGE_BYTES} bytes`);
    return { kind: 'bytes', bytes: Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16)) };
  }
  if (typeof input === 'string' && input.startsWith('module:')) return parseImage({ module: input.slice(7) }, what);
  throw new InputError(`${what} must be null, {"ptr": "0x…"}, {"hex": "…"} (an even number of hex digits) or {"module": "hello"}; on the command line NULL, @0xADDR, hex:… or module:hello`);
}

/** A QM_ name, or a number for a `which` the kernel does not know (its EINVAL is worth seeing). */
export function parseWhich(input: unknown, what = 'which'): QueryWhich | number {
  if (typeof input === 'string' && input in QUERY_WHICH) return input as QueryWhich;
  if (typeof input === 'number' || (typeof input === 'string' && /^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(input.trim()))) return parseU32(input, what);
  throw new InputError(`${what} must be one of ${Object.keys(QUERY_WHICH).join(', ')} or a number, got ${quote(input)}`);
}
