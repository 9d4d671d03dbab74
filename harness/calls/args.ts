/**
 * The kinds of argument a call takes. Each kind reads a value the ways modlab
 * meets one — JSON (scenario files, the web form), a word (the command line),
 * link parameters, and a value built in code — and writes it back as C
 * spells it, as JSON and as a word. The call table (model.ts) is made of
 * these, so every parser and renderer of a call agrees with every other.
 *
 * Only input modlab itself cannot use is refused (InputError, naming the
 * field). Arguments that are merely strange for the kernel — NULL, wild
 * pointers, huge sizes, long names — pass through: the answer is the point.
 * Names are looked up with own properties only, so "toString" or
 * "constructor" are never mistaken for a known name.
 */
import { InputError } from '../errors.ts';
import { MAX_OUT } from '../protocol.ts';
import { QUERY_WHICH } from './linux-i386.ts';

export const MAX_U32 = 0xffffffff;
/** setuid32(-1) means "leave unchanged", so the largest uid the agent can take is one less. */
export const MAX_UID = 0xfffffffe;
/** Names longer than this never leave the harness (the kernel's own limit is a page). */
export const MAX_NAME_BYTES = 64 * 1024;
/** An image travels in one frame. */
export const MAX_IMAGE_BYTES = 512 * 1024;
/** Outputs come back in one RESULT frame (each with its 8-byte size header). */
export const MAX_OUT_BYTES = MAX_OUT - 8;

/** A JSON value as modlab writes one. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Own properties only: `in` would find Object.prototype's keys too. */
export function hasOwn<K extends string>(o: object, key: K): o is Record<K, unknown> {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/** The entry of `table` named `key`, or undefined; never an inherited property. */
export function lookup<T>(table: Readonly<Record<string, T>>, key: unknown): T | undefined {
  return typeof key === 'string' && hasOwn(table, key) ? table[key] : undefined;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A value quoted in an error message, cut short: the message must stay
 * readable whatever was typed. It never throws, since it runs while reporting
 * another problem: a value JSON.stringify cannot write (nested past the stack,
 * cyclic, a BigInt, a throwing toJSON) is shown by its outline instead.
 */
export function quote(value: unknown, max = 60): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    return outline(value, max);
  }
  return text.length > max ? `${text.slice(0, max)}…(${text.length} characters)` : text;
}

/** How many levels an outline opens before writing "…": enough to recognise a value, never enough to recurse deeply. */
const OUTLINE_DEPTH = 3;

/** The first `max` characters of a value, written without recursing past OUTLINE_DEPTH. */
function outline(value: unknown, max: number): string {
  let text = '';
  // Stops each part as soon as the text is long enough, so a huge value costs no more than a short one.
  const write = (v: unknown, depth: number): void => {
    if (text.length > max) return;
    if (Array.isArray(v)) {
      if (depth >= OUTLINE_DEPTH) {
        text += v.length ? '[…]' : '[]';
        return;
      }
      text += '[';
      for (let i = 0; i < v.length && text.length <= max; i++) {
        if (i) text += ',';
        write(v[i], depth + 1);
      }
      text += ']';
    } else if (typeof v === 'object' && v !== null) {
      if (depth >= OUTLINE_DEPTH) {
        text += '{…}';
        return;
      }
      text += '{';
      let first = true;
      for (const key of Object.keys(v)) {
        if (text.length > max) break;
        text += `${first ? '' : ','}${JSON.stringify(key)}:`;
        first = false;
        write((v as Record<string, unknown>)[key], depth + 1);
      }
      text += '}';
    } else if (typeof v === 'string') {
      text += JSON.stringify(v.length > max ? v.slice(0, max) : v);
    } else if (typeof v === 'bigint') {
      text += `${v}n`;
    } else {
      text += typeof v === 'symbol' || typeof v === 'function' ? typeof v : String(v);
    }
  };
  try {
    write(value, 0);
  } catch {
    // A proxy or getter that throws: what was written so far is still the best description.
  }
  return text.length > max ? `${text.slice(0, max)}…` : text || typeof value;
}

export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** A 32-bit unsigned number from a decimal or 0x-hex string, or a JSON number; `what` names the field. */
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

/** Link parameters: read one by name, or null when absent. */
export type ParamReader = (name: string) => string | null;

/**
 * One kind of argument. `fromJson` and `fromWord` parse what a person wrote;
 * `check` vets a value built in code as strictly; the writers give it back.
 */
export interface ArgKind<T> {
  /** Which kind (the web form picks its widget by it). */
  readonly id: 'u32' | 'name' | 'size' | 'image' | 'which' | 'entries';
  /** How it is written on the command line, for usage and messages. */
  readonly syntax: string;
  fromJson(input: unknown, what: string): T;
  fromWord(word: string, what: string): T;
  check(value: unknown, what: string): T;
  /** As C would spell it in the call. */
  text(value: T): string;
  json(value: T): Json;
  /** The word fromWord reads back as the same value. */
  word(value: T): string;
  /** Link parameters for the value, or null when it is too long for a URL. */
  toParams(key: string, value: T): Array<[string, string]> | null;
  /** The value's JSON form from link parameters (checked later, like typed input), or undefined when absent. */
  fromParams(key: string, get: ParamReader): unknown;
}

/** A plain number argument, such as a size or a buffer's length. */
export function u32Kind(max = MAX_U32): ArgKind<number> {
  return {
    id: 'u32',
    syntax: `0 … ${max}, decimal or 0x hex`,
    fromJson: (input, what) => parseU32(input, what, max),
    fromWord: (word, what) => parseU32(word, what, max),
    check: (value, what) => parseU32(value, what, max),
    text: (v) => String(v),
    json: (v) => v,
    word: (v) => String(v),
    toParams: (key, v) => [[key, String(v)]],
    fromParams: (key, get) => get(key) ?? undefined,
  };
}

export const U32 = u32Kind();
export const UID = u32Kind(MAX_UID);

/* ---- Names ---- */

export type NameArg = { kind: 'string'; text: string } | { kind: 'null' } | { kind: 'pointer'; address: number };

/** Longer names do not go into a link (servers refuse long request lines) unless they repeat a short unit. */
export const MAX_LINK_NAME = 2000;
/** The longest unit a long name may repeat and still travel in a link as repeat/times. */
const MAX_LINK_UNIT = 64;

function checkNameText(text: string, what: string): NameArg {
  const n = utf8Length(text);
  if (n > MAX_NAME_BYTES) throw new InputError(`${what} is ${n} bytes long; modlab passes names of up to ${MAX_NAME_BYTES} bytes (64 KiB) to the kernel`);
  return { kind: 'string', text };
}

/** The scenario form for long names, which would be unreadable written out. */
function isRepeat(input: Record<string, unknown>): input is { repeat: unknown; times: unknown } {
  const keys = Object.keys(input).sort();
  return keys.length === 2 && keys[0] === 'repeat' && keys[1] === 'times';
}

/** The shortest unit `text` is a whole repetition of, with its count. */
export function repetition(text: string): { unit: string; times: number } {
  const chars = [...text];
  for (let p = 1; p <= chars.length / 2; p++) {
    if (chars.length % p !== 0) continue;
    const unit = chars.slice(0, p).join('');
    if (unit.repeat(chars.length / p) === text) return { unit, times: chars.length / p };
  }
  return { unit: text, times: 1 };
}

/** Words that mean something other than their text; `text:` before a word passes it literally. */
function wordNeedsEscape(text: string): boolean {
  return text === 'NULL' || text.startsWith('@') || text.startsWith('text:');
}

export const NAME: ArgKind<NameArg> = {
  id: 'name',
  syntax: 'text, NULL, @0xADDR for a raw pointer, or text:WORD for a name that reads like those',
  fromJson(input, what) {
    if (input === null) return { kind: 'null' };
    if (typeof input === 'string') return checkNameText(input, what);
    if (isObject(input)) {
      if (isRepeat(input)) {
        const times = parseU32(input.times, `${what}.times`);
        if (typeof input.repeat !== 'string' || input.repeat.length === 0 || times === 0) {
          throw new InputError(`${what}: {"repeat": …, "times": …} needs a non-empty text and times of at least 1`);
        }
        const bytes = utf8Length(input.repeat) * times;
        if (bytes > MAX_NAME_BYTES) throw new InputError(`${what} would be ${bytes} bytes long; modlab passes names of up to ${MAX_NAME_BYTES} bytes (64 KiB) to the kernel`);
        return { kind: 'string', text: input.repeat.repeat(times) };
      }
      const keys = Object.keys(input);
      if (keys.length === 1 && keys[0] === 'ptr') return { kind: 'pointer', address: parseU32(input['ptr'], `${what}.ptr`) };
    }
    throw new InputError(`${what} must be a string, null (the NULL pointer), {"ptr": "0x…"} (a raw address) or {"repeat": "n", "times": 4096} (a long name), got ${quote(input)}`);
  },
  fromWord(word, what) {
    if (word === 'NULL') return { kind: 'null' };
    if (word.startsWith('@')) return { kind: 'pointer', address: parseU32(word.slice(1), `${what} pointer`) };
    return checkNameText(word.startsWith('text:') ? word.slice(5) : word, what);
  },
  check(value, what) {
    if (!isObject(value)) throw new InputError(`${what} must be a NameArg: {kind: "string" | "null" | "pointer"}`);
    if (value['kind'] === 'null') return { kind: 'null' };
    if (value['kind'] === 'pointer') return { kind: 'pointer', address: parseU32(value['address'], `${what} pointer`) };
    if (value['kind'] === 'string' && typeof value['text'] === 'string') return checkNameText(value['text'], what);
    throw new InputError(`${what} kind must be "string", "null" or "pointer"`);
  },
  text(v) {
    if (v.kind === 'null') return 'NULL';
    if (v.kind === 'pointer') return `(char *)${hex32(v.address)}`;
    return v.text.length > 24 ? `${JSON.stringify(v.text.slice(0, 16))}…(${v.text.length} chars)` : JSON.stringify(v.text);
  },
  json(v): Json {
    if (v.kind === 'null') return null;
    if (v.kind === 'pointer') return { ptr: hex32(v.address) };
    return v.text;
  },
  word(v) {
    if (v.kind === 'null') return 'NULL';
    if (v.kind === 'pointer') return `@${hex32(v.address)}`;
    return wordNeedsEscape(v.text) ? `text:${v.text}` : v.text;
  },
  // The parameter names (name, null, ptr, repeat, times) are those of links already shared.
  toParams(_key, v) {
    if (v.kind === 'null') return [['null', '1']];
    if (v.kind === 'pointer') return [['ptr', hex32(v.address)]];
    if (v.text.length <= MAX_LINK_NAME) return [['name', v.text]];
    const { unit, times } = repetition(v.text);
    return times > 1 && unit.length <= MAX_LINK_UNIT ? [['repeat', unit], ['times', String(times)]] : null;
  },
  fromParams(_key, get) {
    if (get('null') !== null) return null;
    const ptr = get('ptr');
    if (ptr !== null) return { ptr };
    const repeat = get('repeat');
    if (repeat !== null) return { repeat, times: get('times') ?? '1' };
    return get('name') ?? undefined;
  },
};

/* ---- The modules the agent links (the 2.4 initrd's /modules) ---- */

/** The module objects built into the 2.4 initrd (guest/modules), by module name. */
export const MODULE_FILES: Readonly<Record<string, string>> = { hello: '/modules/hello.o', hello_user: '/modules/hello_user.o', hello_fail: '/modules/hello_fail.o' };
export type ModuleName = 'hello' | 'hello_user' | 'hello_fail';

export function isModuleName(s: unknown): s is ModuleName {
  return lookup(MODULE_FILES, s) !== undefined;
}

export function moduleFile(module: ModuleName): string {
  return MODULE_FILES[module] as string;
}

function parseModule(input: unknown, what: string): ModuleName {
  if (!isModuleName(input)) throw new InputError(`${what} must be one of ${Object.keys(MODULE_FILES).join(', ')}, got ${quote(input)} (or {"file": "my_module.c"} for a module of your own)`);
  return input;
}

/* ---- A module of one's own, named by its file ---- */

/**
 * A module of one's own, named by its file as a scenario writes it: C source
 * (.c) or an i386 object (.o), the path relative to the scenario's folder.
 * The core reads no files: a target reads it (and compiles a .c) before the
 * call is made, and puts a ModuleObject in its place.
 */
export interface ModuleFile {
  file: string;
}

/** A module's object as a target read or compiled it from `file`: what the agent lays out and links. */
export interface ModuleObject {
  file: string;
  object: Uint8Array;
}

/** Which module a call names: one built into the initrd, a file still to be read, or the object read from one. */
export type ModuleSource = ModuleName | ModuleFile | ModuleObject;

/** Paths longer than this are no one's module (PATH_MAX). */
const MAX_MODULE_PATH = 4096;
/** The file's name must say what it holds: the target compiles a .c and checks a .o. */
const MODULE_PATH = /^[^\0]*[^/\0]\.[co]$/;

function parseModuleFile(input: unknown, what: string): ModuleFile {
  if (typeof input !== 'string' || input.length > MAX_MODULE_PATH || !MODULE_PATH.test(input)) {
    throw new InputError(`${what} must be the path of a module's C source (.c) or object (.o), relative to the scenario's folder, got ${quote(input)}`);
  }
  return { file: input };
}

/** A module as JSON names one: "hello" (built in), or {"file": "my_module.c"}. */
function moduleFromJson(input: unknown, what: string): ModuleSource {
  if (isObject(input) && Object.keys(input).length === 1 && hasOwn(input, 'file')) return parseModuleFile(input.file, `${what}.file`);
  return parseModule(input, what);
}

/** After "module:" on the command line: a built-in module's name, or a path ending in .c or .o (no module is called that). */
function moduleFromWord(word: string, what: string): ModuleSource {
  return /\.[co]$/.test(word) ? parseModuleFile(word, what) : parseModule(word, what);
}

/** A module built in code: a file must already have been read into an object, since nothing below reads files. */
function checkModule(value: unknown, what: string): ModuleSource {
  if (isObject(value) && hasOwn(value, 'file')) {
    const { file } = parseModuleFile(value.file, `${what} file`);
    if (hasOwn(value, 'object') && value.object instanceof Uint8Array) return { file, object: value.object };
    throw new InputError(`${what}: the module file ${quote(file)} must be read (and compiled) before the call is made; modlab run does this for scenario files`);
  }
  return parseModule(value, what);
}

/** Whether a module is one of the user's own (a file, or the object read from one). */
export function isOwnModule(m: ModuleSource): m is ModuleFile | ModuleObject {
  return typeof m !== 'string';
}

/** How a call's text names the module: hello.o, or the file as written. */
function moduleText(m: ModuleSource): string {
  return isOwnModule(m) ? m.file : `${m}.o`;
}

/** The module as a scenario writes it (an object's bytes are not written back, only its file). */
function moduleJson(m: ModuleSource): Json {
  return isOwnModule(m) ? { file: m.file } : m;
}

function moduleWord(m: ModuleSource): string {
  return `module:${isOwnModule(m) ? m.file : m}`;
}

/** A value given as "the size of this module's image", which the agent works out. */
export interface ModuleRef {
  module: ModuleSource;
}

function moduleRef(input: unknown): input is { module: unknown } {
  return isObject(input) && Object.keys(input).length === 1 && hasOwn(input, 'module');
}

/* ---- create_module's size: a number, or the size a module's image needs ---- */

export type SizeArg = number | ModuleRef;

export const SIZE: ArgKind<SizeArg> = {
  id: 'size',
  syntax: '0 … 4294967295 (decimal or 0x hex), or module:hello (or module:FILE.c) for the size its image needs',
  fromJson: (input, what) => (moduleRef(input) ? { module: moduleFromJson(input.module, `${what}."module"`) } : parseU32(input, what)),
  fromWord: (word, what) => (word.startsWith('module:') ? { module: moduleFromWord(word.slice(7), `${what} module`) } : parseU32(word, what)),
  check: (value, what) => (moduleRef(value) ? { module: checkModule(value.module, `${what} module`) } : parseU32(value, what)),
  text: (v) => (typeof v === 'number' ? String(v) : `sizeof(${moduleText(v.module)})`),
  json: (v) => (typeof v === 'number' ? v : { module: moduleJson(v.module) }),
  word: (v) => (typeof v === 'number' ? String(v) : moduleWord(v.module)),
  // A file of one's own means nothing to another machine, so it does not go into a link.
  toParams: (key, v) => (typeof v !== 'number' && isOwnModule(v.module) ? null : [[key, SIZE.word(v)]]),
  fromParams: (key, get) => {
    const w = get(key);
    return w === null ? undefined : w.startsWith('module:') ? { module: w.slice(7) } : w;
  },
};

/* ---- init_module's image ---- */

/**
 * init_module's image: bytes the agent passes by address, a raw pointer (NULL
 * included), or a module the agent links for the address of the module the
 * call names (its create_module reservation), as insmod did.
 */
export type ImageArg = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'null' } | { kind: 'pointer'; address: number } | { kind: 'module'; module: ModuleSource };

function hexBytes(hex: string, what: string): ImageArg {
  if (hex.length / 2 > MAX_IMAGE_BYTES) throw new InputError(`${what} is ${hex.length / 2} bytes; modlab passes images of up to ${MAX_IMAGE_BYTES} bytes`);
  return { kind: 'bytes', bytes: Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16)) };
}

const IMAGE_SHAPES = 'null, {"ptr": "0x…"}, {"hex": "…"} (an even number of hex digits), {"module": "hello"} or {"module": {"file": "my_module.c"}}; on the command line NULL, @0xADDR, hex:…, module:hello or module:FILE.c';
const isHex = (s: unknown): s is string => typeof s === 'string' && /^([0-9a-fA-F]{2})*$/.test(s);

export const IMAGE: ArgKind<ImageArg> = {
  id: 'image',
  syntax: 'NULL, @0xADDR, hex:… (bytes) or module:hello (linked by the agent; module:FILE.c for your own)',
  fromJson(input, what) {
    if (input === null) return { kind: 'null' };
    if (isObject(input) && Object.keys(input).length === 1) {
      const [key] = Object.keys(input);
      const v = input[key as string];
      if (key === 'ptr') return { kind: 'pointer', address: parseU32(v, `${what}.ptr`) };
      if (key === 'module') return { kind: 'module', module: moduleFromJson(v, `${what}.module`) };
      if (key === 'hex' && isHex(v)) return hexBytes(v, what);
    }
    throw new InputError(`${what} must be ${IMAGE_SHAPES}`);
  },
  fromWord(word, what) {
    if (word === 'NULL') return { kind: 'null' };
    if (word.startsWith('@')) return { kind: 'pointer', address: parseU32(word.slice(1), `${what} pointer`) };
    if (word.startsWith('module:')) return { kind: 'module', module: moduleFromWord(word.slice(7), `${what} module`) };
    if (word.startsWith('hex:') && isHex(word.slice(4))) return hexBytes(word.slice(4), what);
    throw new InputError(`${what} must be ${IMAGE_SHAPES}`);
  },
  check(value, what) {
    if (!isObject(value)) throw new InputError(`${what} must be {kind: "bytes" | "null" | "pointer" | "module"}`);
    switch (value['kind']) {
      case 'null':
        return { kind: 'null' };
      case 'pointer':
        return { kind: 'pointer', address: parseU32(value['address'], `${what} pointer`) };
      case 'module':
        return { kind: 'module', module: checkModule(value['module'], `${what} module`) };
      case 'bytes': {
        const bytes = value['bytes'];
        if (!(bytes instanceof Uint8Array)) throw new InputError(`${what} bytes must be a Uint8Array`);
        if (bytes.length > MAX_IMAGE_BYTES) throw new InputError(`${what} is ${bytes.length} bytes; modlab passes images of up to ${MAX_IMAGE_BYTES} bytes`);
        return { kind: 'bytes', bytes };
      }
      default:
        throw new InputError(`${what} must be {kind: "bytes" | "null" | "pointer" | "module"}`);
    }
  },
  text(v) {
    if (v.kind === 'null') return 'NULL';
    if (v.kind === 'pointer') return `(void *)${hex32(v.address)}`;
    if (v.kind === 'module') return moduleText(v.module);
    return `image[${v.bytes.length}]`;
  },
  // An image's bytes are not written back, only their length (the --json contract).
  json(v): Json {
    if (v.kind === 'null') return null;
    if (v.kind === 'pointer') return { ptr: hex32(v.address) };
    if (v.kind === 'module') return { module: moduleJson(v.module) };
    return v.bytes.length;
  },
  word(v) {
    if (v.kind === 'null') return 'NULL';
    if (v.kind === 'pointer') return `@${hex32(v.address)}`;
    if (v.kind === 'module') return moduleWord(v.module);
    return `hex:${Array.from(v.bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  },
  toParams: (key, v) => {
    if (v.kind === 'module' && isOwnModule(v.module)) return null;
    const w = IMAGE.word(v);
    return w.length > MAX_LINK_NAME ? null : [[key, w]];
  },
  fromParams: (key, get) => {
    const w = get(key);
    if (w === null) return undefined;
    if (w === 'NULL') return null;
    if (w.startsWith('@')) return { ptr: w.slice(1) };
    if (w.startsWith('module:')) return { module: w.slice(7) };
    if (w.startsWith('hex:')) return { hex: w.slice(4) };
    return w;
  },
};

/* ---- query_module's which ---- */

/** query_module's `which` by name (linux/module.h, 2.4). */
export type QueryWhich = keyof typeof QUERY_WHICH;

export function isQueryWhich(s: unknown): s is QueryWhich {
  return lookup(QUERY_WHICH, s) !== undefined;
}

/** A QM_ name, or a number for a `which` the kernel does not know (its EINVAL is worth seeing). */
export type WhichArg = QueryWhich | number;

function parseWhich(input: unknown, what: string): WhichArg {
  if (isQueryWhich(input)) return input;
  if (typeof input === 'number' || (typeof input === 'string' && /^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(input.trim()))) return parseU32(input, what);
  throw new InputError(`${what} must be one of ${Object.keys(QUERY_WHICH).join(', ')} or a number, got ${quote(input)}`);
}

export function whichNumber(w: WhichArg): number {
  return typeof w === 'number' ? w : QUERY_WHICH[w];
}

export const WHICH: ArgKind<WhichArg> = {
  id: 'which',
  syntax: `${Object.keys(QUERY_WHICH).join(', ')} or a number`,
  fromJson: parseWhich,
  fromWord: parseWhich,
  check: parseWhich,
  text: (v) => String(v),
  json: (v) => v,
  word: (v) => String(v),
  toParams: (key, v) => [[key, String(v)]],
  fromParams: (key, get) => get(key) ?? undefined,
};

/* ---- get_kernel_syms' table: NULL, or room for N entries ---- */

/** get_kernel_syms entries are struct kernel_sym { unsigned long value; char name[60]; }. */
export const KERNEL_SYM_SIZE = 64;
const MAX_ENTRIES = Math.floor(MAX_OUT_BYTES / KERNEL_SYM_SIZE);

export const ENTRIES: ArgKind<number | null> = {
  id: 'entries',
  syntax: `NULL, or 0 … ${MAX_ENTRIES} entries`,
  fromJson: (input, what) => (input === null ? null : parseU32(input, what, MAX_ENTRIES)),
  fromWord: (word, what) => (word === 'NULL' ? null : parseU32(word, what, MAX_ENTRIES)),
  check: (value, what) => (value === null ? null : parseU32(value, what, MAX_ENTRIES)),
  text: (v) => (v === null ? 'NULL' : `table[${v}]`),
  json: (v) => v,
  word: (v) => (v === null ? 'NULL' : String(v)),
  toParams: (key, v) => [[key, v === null ? 'NULL' : String(v)]],
  fromParams: (key, get) => {
    const w = get(key);
    return w === null ? undefined : w === 'NULL' ? null : w;
  },
};
