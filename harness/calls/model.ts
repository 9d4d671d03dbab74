/**
 * The calls modlab can make, described once. Each entry of CALLS names the
 * call's arguments (their field, command-line word and kind, from args.ts),
 * the arguments the agent passes to the kernel and which of them come back
 * filled. Everything that reads or writes a call derives from the table:
 * scenario files and the web form (callFromJson), the command line
 * (callFromWords), share links (callToParams / callFromParams), the API
 * boundary (checkCall), the text of a call (callText), its JSON (callJson)
 * and the CALL request (toWire).
 */
import { InputError } from '../errors.ts';
import type { CallArg, CallRequest } from '../protocol.ts';
import {
  ENTRIES,
  hasOwn,
  IMAGE,
  isObject,
  KERNEL_SYM_SIZE,
  lookup,
  MAX_OUT_BYTES,
  NAME,
  quote,
  SIZE,
  u32Kind,
  UID,
  WHICH,
  whichNumber,
  type ArgKind,
  type ImageArg,
  type Json,
  type ModuleSource,
  type NameArg,
  type ParamReader,
  type SizeArg,
  type WhichArg,
} from './args.ts';
import { MODULE_SYSCALLS } from './linux-i386.ts';

export type Call =
  /** size: a number, or {module} for the size that module's image needs (the agent lays it out; the record shows the number). */
  | { call: 'create_module'; name: NameArg; size: SizeArg; uid: number }
  | { call: 'delete_module'; name: NameArg; uid: number }
  | { call: 'init_module'; name: NameArg; image: ImageArg; uid: number }
  /** bufsize 0 passes a NULL buffer (the kernel then reports the size it needs). */
  | { call: 'query_module'; name: NameArg; which: WhichArg; bufsize: number; uid: number }
  /** table null passes NULL (the kernel returns the count); else room for that many entries. */
  | { call: 'get_kernel_syms'; table: number | null; uid: number };
export type CallName = Call['call'];
export type CallOf<N extends CallName> = Extract<Call, { call: N }>;

/** The buffer query_module gets when none is named: the kernel's symbol table fits (29–53 KB on these kernels). */
export const DEFAULT_QUERY_BUFSIZE = 64 * 1024;

/** One argument: its field (in JSON, links and the form), its command-line word, its kind. */
export interface ArgSpec {
  readonly key: string;
  readonly word: string;
  readonly kind: ArgKind<unknown>;
  /** Present for an optional argument: what leaving it out means. */
  readonly fallback?: { value: unknown };
}

export interface CallSpec<N extends CallName = CallName> {
  readonly name: N;
  readonly syscall: number;
  readonly args: readonly ArgSpec[];
  /** What the agent passes to the kernel, in the kernel's order; `out` arguments come back filled. */
  wire(c: CallOf<N>): CallArg[];
  /** The argument list as C spells it, where it is not simply the arguments in order. */
  cArgs?(c: CallOf<N>): string;
}

/** An argument of the table; typing the fallback by the kind keeps the two in step. */
function arg<T>(key: string, word: string, kind: ArgKind<T>, fallback?: { value: T }): ArgSpec {
  return { key, word, kind, ...(fallback ? { fallback } : {}) };
}

const value = (v: number): CallArg => ({ kind: 'value', value: v });

/** A name goes to the kernel as a NUL-terminated string in the agent's memory, or as the pointer itself. */
function nameWire(name: NameArg): CallArg {
  if (name.kind === 'null') return value(0);
  if (name.kind === 'pointer') return value(name.address);
  const text = new TextEncoder().encode(name.text);
  const bytes = new Uint8Array(text.length + 1);
  bytes.set(text);
  return { kind: 'buffer', bytes };
}

/** Module sizes and images are resolved (harness/machine/insmod.ts) before a call reaches the wire. */
function unresolved(what: string): never {
  throw new Error(`internal: ${what} must be resolved by insmod before the call is sent`);
}

export const CALLS: { readonly [N in CallName]: CallSpec<N> } = {
  create_module: {
    name: 'create_module',
    syscall: MODULE_SYSCALLS.create_module,
    args: [arg('name', 'NAME', NAME), arg('size', 'SIZE', SIZE)],
    wire: (c) => [nameWire(c.name), value(typeof c.size === 'number' ? c.size : unresolved('create_module\'s size'))],
  },
  delete_module: {
    name: 'delete_module',
    syscall: MODULE_SYSCALLS.delete_module,
    args: [arg('name', 'NAME', NAME)],
    wire: (c) => [nameWire(c.name)],
  },
  init_module: {
    name: 'init_module',
    syscall: MODULE_SYSCALLS.init_module,
    args: [arg('name', 'NAME', NAME), arg('image', 'IMAGE', IMAGE)],
    wire(c) {
      const image = c.image;
      if (image.kind === 'module') return unresolved('init_module\'s module image');
      return [nameWire(c.name), image.kind === 'bytes' ? { kind: 'buffer', bytes: image.bytes } : value(image.kind === 'null' ? 0 : image.address)];
    },
  },
  query_module: {
    name: 'query_module',
    syscall: MODULE_SYSCALLS.query_module,
    args: [arg('name', 'NAME', NAME), arg('which', 'WHICH', WHICH), arg('bufsize', 'BUFSIZE', u32Kind(MAX_OUT_BYTES), { value: DEFAULT_QUERY_BUFSIZE })],
    // query_module(name, which, buf, bufsize, &ret): the kernel writes the count (or the size it needs) to ret.
    wire: (c) => [nameWire(c.name), value(whichNumber(c.which)), c.bufsize ? { kind: 'out', size: c.bufsize } : value(0), value(c.bufsize), { kind: 'out', size: 4 }],
    cArgs: (c) => `${NAME.text(c.name)}, ${WHICH.text(c.which)}, ${c.bufsize ? `buf[${c.bufsize}]` : 'NULL'}, ${c.bufsize}, &ret`,
  },
  get_kernel_syms: {
    name: 'get_kernel_syms',
    syscall: MODULE_SYSCALLS.get_kernel_syms,
    args: [arg('table', 'ENTRIES', ENTRIES, { value: null })],
    wire: (c) => [c.table === null ? value(0) : { kind: 'out', size: c.table * KERNEL_SYM_SIZE }],
  },
};

export const CALL_NAMES = Object.keys(CALLS) as CallName[];
/** The table's entries in order, each typed for any call. */
export const CALL_SPECS: readonly CallSpec[] = CALL_NAMES.map((n) => CALLS[n] as CallSpec);

/** The table's entry for `name`, or undefined (never an inherited property such as "toString"). */
export function callSpec(name: unknown): CallSpec | undefined {
  return lookup(CALLS, name) as CallSpec | undefined;
}

function specOrThrow(name: unknown, what: string): CallSpec {
  const spec = callSpec(name);
  if (!spec) throw new InputError(`${what} must be one of ${CALL_NAMES.join(', ')}, got ${quote(name)}`);
  return spec;
}

/** Every call's fields come from its kinds' parsers, so the assembled object is a Call of that name. */
function assemble(spec: CallSpec, values: Record<string, unknown>, uid: number): Call {
  return { call: spec.name, ...values, uid } as Call;
}

function fieldName(where: string, key: string): string {
  return where ? `${where}: "${key}"` : key;
}

/**
 * A call written as JSON: a scenario step, or the web form's values.
 * `extra` names further fields the caller reads itself (a step's "note").
 */
export function callFromJson(raw: unknown, where = '', extra: readonly string[] = []): Call {
  const at = where || 'the call';
  if (!isObject(raw)) throw new InputError(`${at} must be an object like {"call": "create_module", "name": "x", "size": 4096}`);
  const spec = specOrThrow(hasOwn(raw, 'call') ? raw.call : undefined, fieldName(where, 'call'));
  const allowed = ['call', ...spec.args.map((a) => a.key), 'uid', ...extra];
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) throw new InputError(`${at}: unknown field "${key}" for ${spec.name}; allowed: ${allowed.join(', ')}`);
  }
  const values: Record<string, unknown> = {};
  for (const a of spec.args) {
    if (hasOwn(raw, a.key)) values[a.key] = a.kind.fromJson(raw[a.key], fieldName(where, a.key));
    else if (a.fallback) values[a.key] = a.fallback.value;
    else throw new InputError(`${at}: "${a.key}" is missing (${a.kind.syntax})`);
  }
  const uid = hasOwn(raw, 'uid') ? UID.fromJson(raw.uid, fieldName(where, 'uid')) : 0;
  return assemble(spec, values, uid);
}

/** A call as typed on the command line: `create_module NAME SIZE`, with the uid given apart. */
export function callFromWords(words: readonly string[], uid: number): Call {
  const [name, ...rest] = words;
  const spec = callSpec(name);
  if (!spec) throw new InputError(`unknown call ${quote(name ?? '')}; modlab call takes ${CALL_NAMES.join(', ')}`);
  const values: Record<string, unknown> = {};
  spec.args.forEach((a, i) => {
    const word = rest[i];
    if (word !== undefined) values[a.key] = a.kind.fromWord(word, a.word);
    else if (a.fallback) values[a.key] = a.fallback.value;
    else throw new InputError(`${spec.name} needs ${/^[AEIOU]/.test(a.word) ? 'an' : 'a'} ${a.word} (${a.kind.syntax})`);
  });
  const unexpected = rest[spec.args.length];
  if (unexpected !== undefined) throw new InputError(`unexpected argument ${quote(unexpected)}; ${spec.name} takes ${usageWords(spec)}`);
  return assemble(spec, values, UID.check(uid, '--uid'));
}

/** `NAME SIZE`, `[ENTRIES]`: the command-line arguments of a call. */
export function usageWords(spec: CallSpec): string {
  return spec.args.map((a) => (a.fallback ? `[${a.word}]` : a.word)).join(' ');
}

/**
 * Checks a call built in code (the API boundary) as strictly as parsing
 * checks one read from text, own properties only; returns it normalised.
 */
export function checkCall(c: unknown): Call {
  if (!isObject(c)) throw new InputError('a call must be an object like {call: "create_module", name, size, uid}');
  const spec = specOrThrow(hasOwn(c, 'call') ? c.call : undefined, 'call');
  const values: Record<string, unknown> = {};
  for (const a of spec.args) {
    if (hasOwn(c, a.key) && c[a.key] !== undefined) values[a.key] = a.kind.check(c[a.key], a.key);
    else if (a.fallback) values[a.key] = a.fallback.value;
    else throw new InputError(`${spec.name} needs ${a.key} (${a.kind.syntax})`);
  }
  return assemble(spec, values, UID.check(hasOwn(c, 'uid') ? c.uid : 0, 'uid'));
}

function argValue(c: Call, key: string): unknown {
  return (c as unknown as Record<string, unknown>)[key];
}

/** The one text of a call: as C would spell it, e.g. create_module("hello", 4096) uid=65534. */
export function callText(c: Call): string {
  const spec = CALLS[c.call] as CallSpec;
  const args = spec.cArgs ? spec.cArgs(c) : spec.args.map((a) => a.kind.text(argValue(c, a.key))).join(', ');
  return `${c.call}(${args})${c.uid !== 0 ? ` uid=${c.uid}` : ''}`;
}

/** The arguments as JSON, in the shapes a scenario file uses (the --json step fields). */
export function callJson(c: Call): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const a of (CALLS[c.call] as CallSpec).args) out[a.key] = a.kind.json(argValue(c, a.key));
  return out;
}

/** The command-line words that callFromWords reads back as this call. */
export function callWords(c: Call): string[] {
  return [c.call, ...(CALLS[c.call] as CallSpec).args.map((a) => a.kind.word(argValue(c, a.key)))];
}

/** A call as link parameters, or the field too long to go into a URL. */
export function callToParams(c: Call): { params: Array<[string, string]> } | { tooLong: string } {
  const params: Array<[string, string]> = [['call', c.call]];
  for (const a of (CALLS[c.call] as CallSpec).args) {
    const p = a.kind.toParams(a.key, argValue(c, a.key));
    if (p === null) return { tooLong: a.key };
    params.push(...p);
  }
  if (c.uid !== 0) params.push(['uid', String(c.uid)]);
  return { params };
}

/**
 * What link parameters ask for, as the JSON callFromJson reads (so a bad
 * link fills the form and gets the form's message, never a crash); null when
 * the link names no call modlab knows.
 */
export function callFromParams(get: ParamReader): Record<string, unknown> | null {
  const spec = callSpec(get('call'));
  if (!spec) return null;
  const raw: Record<string, unknown> = { call: spec.name };
  for (const a of spec.args) {
    const v = a.kind.fromParams(a.key, get);
    if (v !== undefined) raw[a.key] = v;
  }
  const uid = get('uid');
  if (uid !== null) raw['uid'] = uid;
  return raw;
}

/**
 * The module a call names, where it names one: create_module's size
 * ({module}) or init_module's image. Targets use it to find the files a call
 * names and read them (withModule) before the call is made.
 */
export function callModule(c: Call): ModuleSource | null {
  if (c.call === 'create_module') return typeof c.size === 'number' ? null : c.size.module;
  if (c.call === 'init_module') return c.image.kind === 'module' ? c.image.module : null;
  return null;
}

/** The call with the module it names replaced (a file by the object read from it). */
export function withModule(c: Call, module: ModuleSource): Call {
  if (c.call === 'create_module' && typeof c.size !== 'number') return { ...c, size: { module } };
  if (c.call === 'init_module' && c.image.kind === 'module') return { ...c, image: { kind: 'module', module } };
  return c;
}

/** The CALL request for a call (module sizes and images already resolved). */
export function toWire(c: Call): CallRequest {
  const spec = CALLS[c.call] as CallSpec;
  return { syscall: spec.syscall, uid: c.uid === 0 ? null : c.uid, args: spec.wire(c) };
}
