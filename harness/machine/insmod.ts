/**
 * The one insmod: how a module's object becomes a loaded module on a 2.4
 * kernel. The agent lays the object out (its size is what create_module must
 * reserve), links it for the address create_module gave (resolving symbols
 * with query_module), and init_module takes the image. The machine uses these
 * steps to resolve calls written with a module (create_module's size
 * {module}, init_module's image {module}); the walkthrough and `modlab
 * lifecycle` take them one at a time (reports/lifecycle.ts); the agent's
 * shell command does the same in C with the same linker (guest/agent.c).
 */
import type { AgentClient } from '../agent/client.ts';
import { moduleFile, type ModuleName, type NameArg } from '../calls/args.ts';
import { MODULE_LAYOUTS } from '../calls/linux-i386.ts';
import { errnoName } from '../calls/errno.ts';
import { toWire, type Call } from '../calls/model.ts';
import type { CallResult } from '../calls/record.ts';
import { WRITE_DIR, type LinkReply } from '../protocol.ts';

/** Base 0 asks the agent only to lay the object out. */
export const LAYOUT_ONLY = 0;
/**
 * A module with no reservation is linked for this stand-in address (any
 * non-zero page would do), so that init_module still reaches the kernel,
 * which gives its own answer (ENOENT) for the name.
 */
const STAND_IN_BASE = 0x1000;

/** The agent links `module`'s object as module `name` for kernel address `base`. */
export function linkModule(agent: AgentClient, timeoutMs: number, module: ModuleName, name: string, base: number): Promise<LinkReply> {
  return linkObject(agent, timeoutMs, moduleFile(module), name, base);
}

/** The agent links the object at `path` in the guest as module `name` for kernel address `base`. */
export function linkObject(agent: AgentClient, timeoutMs: number, path: string, name: string, base: number): Promise<LinkReply> {
  return agent.request('link', { base, path, name }, timeoutMs, `linking ${path}`);
}

/* ---- A user's own object: checked here, written into the guest, then the same steps ---- */

/** Objects travel by line (~36 bytes per ms) into a small file system: anything larger is not a student's module. */
export const MAX_OBJECT_SIZE = 256 * 1024;
/** Module names that are also safe file names in WRITE_DIR: what insmod took from a file's base name. */
const MODULE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,55}$/;

/** Why `name` cannot name a user's module, or null when it can. */
export function moduleNameProblem(name: string): string | null {
  return MODULE_NAME.test(name) ? null : `the module name ${JSON.stringify(name)} must be 1 to 56 letters, digits, _ or - (and not start with -)`;
}

/** Where a user's object for module `name` is written in the guest. */
export function userObjectPath(name: string): string {
  return `${WRITE_DIR}/${name}.o`;
}

/**
 * Why `bytes` cannot be a 2.4 module object, as a sentence about `what`, or
 * null when they are an ELF32 little-endian i386 relocatable object (what
 * `gcc -m32 -c` writes). The agent's linker checks the rest.
 */
export function objectProblem(bytes: Uint8Array, what: string): string | null {
  const isElf = bytes.length >= 52 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
  if (!isElf) return `${what} is not an ELF object file; build one with gcc -m32 -c`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  // e_ident[EI_CLASS] 1: 32-bit; [EI_DATA] 1: little-endian; e_type 1: ET_REL; e_machine 3: EM_386.
  if (bytes[4] !== 1 || bytes[5] !== 1) return `${what} is not a 32-bit little-endian ELF object; build it with gcc -m32 -c`;
  if (view.getUint16(16, true) !== 1) return `${what} is an ELF file but not a relocatable object (.o); build it with -c and without linking`;
  if (view.getUint16(18, true) !== 3) return `${what} is not for i386; build it with gcc -m32 -c`;
  if (bytes.length > MAX_OBJECT_SIZE) return `${what} is ${bytes.length} bytes; modlab loads objects up to ${MAX_OBJECT_SIZE} bytes`;
  return null;
}

/** The agent writes `bytes` at `path` (in WRITE_DIR); resolves with its errno, 0 when written. */
export async function writeObject(agent: AgentClient, timeoutMs: number, path: string, bytes: Uint8Array): Promise<number> {
  return (await agent.request('write', { path, bytes }, timeoutMs, `writing ${path}`)).errno;
}

/** Where create_module put the module called `name` (query_module QM_INFO, as root), or null. */
async function moduleAddress(agent: AgentClient, timeoutMs: number, name: NameArg): Promise<number | null> {
  const request = toWire({ call: 'query_module', name, which: 'QM_INFO', bufsize: MODULE_LAYOUTS.MODULE_INFO_SIZE, uid: 0 });
  const reply = await agent.request('call', request, timeoutMs, 'query_module');
  const info = reply.outcome === 'returned' && reply.eax === 0 ? reply.out[0] : undefined;
  return info && info.length >= 4 ? new DataView(info.buffer, info.byteOffset, 4).getUint32(0, true) : null;
}

function linkFailed(reply: LinkReply): CallResult {
  return { kind: 'errno', errno: reply.errno, errnoName: errnoName(reply.errno), during: 'link' };
}

/**
 * What insmod would have done before the call: a create_module sized by the
 * module's layout, an init_module whose image is the module linked for the
 * address its name was created at. Returns the call as it will be sent, or
 * the link step's failure.
 */
export async function resolveModuleArgs(agent: AgentClient, timeoutMs: number, call: Call): Promise<{ call: Call } | { failed: CallResult }> {
  const nameText = (fallback: string): string => ('name' in call && call.name.kind === 'string' ? call.name.text : fallback);
  if (call.call === 'create_module' && typeof call.size !== 'number') {
    const layout = await linkModule(agent, timeoutMs, call.size.module, nameText(call.size.module), LAYOUT_ONLY);
    if (layout.errno !== 0) return { failed: linkFailed(layout) };
    return { call: { ...call, size: layout.size } };
  }
  if (call.call === 'init_module' && call.image.kind === 'module') {
    const base = (await moduleAddress(agent, timeoutMs, call.name)) || STAND_IN_BASE;
    const linked = await linkModule(agent, timeoutMs, call.image.module, nameText(call.image.module), base);
    if (linked.errno !== 0) return { failed: linkFailed(linked) };
    return { call: { ...call, image: { kind: 'bytes', bytes: linked.image } } };
  }
  return { call };
}
