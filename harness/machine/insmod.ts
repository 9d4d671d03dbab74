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
import { isOwnModule, moduleFile, type ModuleName, type ModuleSource, type NameArg } from '../calls/args.ts';
import { MODULE_LAYOUTS } from '../calls/linux-i386.ts';
import { errnoName } from '../calls/errno.ts';
import { parseLinkReport } from '../calls/link-report.ts';
import { toWire, type Call } from '../calls/model.ts';
import type { CallResult } from '../calls/record.ts';
import { InputError } from '../errors.ts';
import { elfRelocatableProblem } from '../elf.ts';
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
  const problem = elfRelocatableProblem(bytes);
  if (problem !== undefined) return `${what} is not an i386 module object (${problem}); build one with gcc -m32 -c, or give its C file (FILE.c)`;
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
  const error = parseLinkReport(reply.report).error;
  return { kind: 'errno', errno: reply.errno, errnoName: errnoName(reply.errno), during: 'link', ...(error ? { detail: error } : {}) };
}

/**
 * Where the object of a user's module named by a call (a scenario's
 * {"file": …}) is written in the guest: after its file's base name, made a
 * safe module name, as insmod named modules after their files.
 */
export function ownObjectPath(file: string): string {
  const base = (file.split('/').pop() ?? '').replace(/\.[co]$/, '');
  return userObjectPath(base.replace(/[^A-Za-z0-9_-]/g, '_').replace(/^-/, '_').slice(0, 56) || 'module');
}

/** The module name a call's module falls back to when the call's own name is not text. */
function sourceName(source: ModuleSource): string {
  return isOwnModule(source) ? ownObjectPath(source.file).slice(WRITE_DIR.length + 1, -2) : source;
}

/**
 * The agent links `source` as module `name` for `base`: a built-in module's
 * object from the initrd, or a user's object, which is written into the
 * guest first (each time: a clean machine after a crash has lost /tmp).
 */
async function linkSource(agent: AgentClient, timeoutMs: number, source: ModuleSource, name: string, base: number): Promise<{ linked: LinkReply } | { failed: CallResult }> {
  const settle = (reply: LinkReply): { linked: LinkReply } | { failed: CallResult } => (reply.errno === 0 ? { linked: reply } : { failed: linkFailed(reply) });
  if (!isOwnModule(source)) return settle(await linkModule(agent, timeoutMs, source, name, base));
  // checkCall lets no unread file through; this says so if one ever arrives.
  if (!('object' in source)) throw new InputError(`the module file ${JSON.stringify(source.file)} must be read before the call is made`);
  const problem = objectProblem(source.object, source.file);
  if (problem) throw new InputError(problem);
  const path = ownObjectPath(source.file);
  const errno = await writeObject(agent, timeoutMs, path, source.object);
  // Storing the object is part of insmod's work before the call: not the kernel's answer.
  if (errno !== 0) return { failed: { kind: 'errno', errno, errnoName: errnoName(errno), during: 'link', detail: `writing ${path} (${source.object.length} bytes) in the guest failed` } };
  return settle(await linkObject(agent, timeoutMs, path, name, base));
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
    const layout = await linkSource(agent, timeoutMs, call.size.module, nameText(sourceName(call.size.module)), LAYOUT_ONLY);
    if ('failed' in layout) return layout;
    return { call: { ...call, size: layout.linked.size } };
  }
  if (call.call === 'init_module' && call.image.kind === 'module') {
    const base = (await moduleAddress(agent, timeoutMs, call.name)) || STAND_IN_BASE;
    const linked = await linkSource(agent, timeoutMs, call.image.module, nameText(sourceName(call.image.module)), base);
    if ('failed' in linked) return linked;
    return { call: { ...call, image: { kind: 'bytes', bytes: linked.linked.image } } };
  }
  return { call };
}
