/**
 * Modules of one's own named by their files in calls (a scenario's
 * {"module": {"file": "my_module.c"}}, the command line's module:FILE.c),
 * read here at the Node edge before anything reaches a guest: a path is
 * relative to the folder it was written in (the scenario's), a .c is
 * compiled, a .o is checked as an i386 object. The core then gets the bytes
 * and never a path.
 */
import { resolve } from 'node:path';
import { isOwnModule } from '../harness/calls/args.ts';
import { callModule, withModule, type Call } from '../harness/calls/model.ts';
import { InputError } from '../harness/errors.ts';
import { MAX_OBJECT_SIZE, objectProblem } from '../harness/machine/insmod.ts';
import { readRegularFile, RefusedFile } from './image-resolver.ts';

/** Turns a module's C source into an i386 relocatable object; throws InputError with the compiler's diagnostics. */
export type CompileModule = (source: Uint8Array, file: string) => Promise<Uint8Array>;

/** A student's source is a few KiB; a file far larger is not one. */
export const MAX_SOURCE_SIZE = 1024 * 1024;

/** How a file that could not be read is described: the system's code, or why modlab refused it. */
function readFailure(e: unknown): string {
  if (e instanceof RefusedFile) return e.reason;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'there is no such file';
  return code ?? (e instanceof Error ? e.message : String(e));
}

/**
 * The calls with every module file they name read (and compiled) into an
 * object. `baseDir` is the folder paths are relative to; `where(i)` names
 * call i in messages ("step 2"). Each file is read once however many calls
 * name it. Throws InputError naming the call and the file: a path that
 * cannot be read, a source that does not compile, a file that is no object.
 */
export async function readModuleFiles(calls: readonly Call[], baseDir: string, compile: CompileModule | undefined, where: (index: number) => string): Promise<Call[]> {
  const objects = new Map<string, Uint8Array>();
  const out: Call[] = [];
  for (const [i, call] of calls.entries()) {
    const module = callModule(call);
    if (module === null || !isOwnModule(module) || 'object' in module) {
      out.push(call);
      continue;
    }
    const path = resolve(baseDir, module.file);
    let object = objects.get(path);
    if (object === undefined) {
      object = await readModuleFile(path, module.file, where(i), compile);
      objects.set(path, object);
    }
    out.push(withModule(call, { file: module.file, object }));
  }
  return out;
}

/** One module file (`file` as written, at `path`) as an object; `at` names the call in messages. */
async function readModuleFile(path: string, file: string, at: string, compile: CompileModule | undefined): Promise<Uint8Array> {
  const what = `${at}: ${file}`;
  const isSource = file.endsWith('.c');
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(path, isSource ? MAX_SOURCE_SIZE : MAX_OBJECT_SIZE);
  } catch (e) {
    throw new InputError(`${what} cannot be read: ${readFailure(e)} (looked for ${path})`);
  }
  let object = bytes;
  if (isSource) {
    if (!compile) throw new InputError(`${what} is C source, and no compiler is at hand to build it`);
    try {
      object = await compile(bytes, file);
    } catch (e) {
      // The compiler's message already names the file and quotes its diagnostics.
      if (e instanceof InputError) throw new InputError(`${at}: ${e.message}`);
      throw e;
    }
  }
  const problem = objectProblem(object, what);
  if (problem) throw new InputError(problem);
  return object;
}
