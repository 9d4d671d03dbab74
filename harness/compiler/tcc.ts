/**
 * C for the guest, compiled by TinyCC in WebAssembly (compiler/, built by
 * compiler/build.ts). The core only runs it: a target hands over the wasm
 * bytes and emscripten's glue factory (CompilerAssets), because the core
 * reads no files and may not import the generated glue. Output: an ELF32
 * i386 relocatable object, as `gcc -m32 -c -nostdinc` would give the agent's
 * linker (compileC), or a static i386 executable linked with modlab's own
 * runtime (compileProgram). Environment-free.
 */
import { sha256Hex } from '../../kernel-images/sha256.ts';
import { elfExecutableProblem, elfRelocatableProblem } from '../elf.ts';

/** The part of emscripten's MEMFS that the compiler uses. */
export interface TccFileSystem {
  writeFile(path: string, data: string | Uint8Array): void;
  readFile(path: string): Uint8Array;
  mkdir(path: string): void;
  chdir(path: string): void;
  analyzePath(path: string): { exists: boolean };
}

/** A started instance of the glue (one per compile: tcc keeps global state between runs). */
export interface TccInstance {
  FS: TccFileSystem;
  callMain(args: string[]): number;
}

/** What the glue's factory takes: the wasm bytes given, never fetched, and where tcc's output goes. */
export interface TccModuleOptions {
  wasmBinary: Uint8Array;
  print(text: string): void;
  printErr(text: string): void;
}

export type TccFactory = (options: TccModuleOptions) => Promise<TccInstance>;

export interface CompilerAssets {
  wasm: Uint8Array;
  glue: TccFactory;
}

export interface CompileOptions {
  /** The name diagnostics give the source (default "module.c"); a plain file name. */
  fileName?: string;
  /** Headers the source may include, by path under the include folder (e.g. "linux/module.h"). */
  headers?: Readonly<Record<string, string>>;
}

export type CompileResult =
  | { ok: true; object: Uint8Array; /** Warnings, "" when none. */ diagnostics: string }
  | { ok: false; /** tcc's own lines: `FILE:LINE: error: …`. */ diagnostics: string };

export interface ProgramOptions {
  /** The name diagnostics give the source (default "program.c"); a plain file name. */
  fileName?: string;
  /** The headers of guest/program/include, by path under the include folder (e.g. "sys/syscall.h"). */
  headers: Readonly<Record<string, string>>;
  /** The runtime's C sources by plain file name (guest/program/runtime.c), compiled with the program every time. */
  runtime: Readonly<Record<string, string>>;
}

export type ProgramResult =
  | { ok: true; /** An ELF32 i386 static executable (ET_EXEC). */ executable: Uint8Array; diagnostics: string }
  | { ok: false; diagnostics: string };

/** The folder the source and output live in, inside the instance's memory file system. */
const WORK_DIR = '/work';
/** CONFIG_TCCDIR in compiler/build.ts: tcc's library dir, holding only the headers given here. */
const TCC_DIR = '/tcc';
/** The runtime's sources sit in a folder of their own under WORK_DIR, so a program may share a runtime file's name. */
const RUNTIME_DIR = 'runtime';
const C_FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.c$/;

/** One run of tcc: the sources written into WORK_DIR (by relative path), the headers under its include folder. */
interface TccRun {
  sources: Readonly<Record<string, string>>;
  headers: Readonly<Record<string, string>>;
  /** tcc's arguments after the common ones (-nostdinc -nostdlib -I…). */
  args: string[];
  /** The file tcc writes, relative to WORK_DIR. */
  output: string;
}

type TccOutcome = { ok: true; bytes: Uint8Array; diagnostics: string } | { ok: false; diagnostics: string };

function checkFileName(caller: string, fileName: string): void {
  if (!C_FILE_NAME.test(fileName)) throw new Error(`${caller}: the file name must be a plain name ending in .c, not ${JSON.stringify(fileName)}`);
}

/** Makes the folders above a relative path inside root. */
function makeParents(fs: TccFileSystem, root: string, path: string): void {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) {
    const dir = `${root}/${parts.slice(0, i).join('/')}`;
    if (!fs.analyzePath(dir).exists) fs.mkdir(dir);
  }
}

/**
 * Runs a fresh tcc instance with no system headers (-nostdinc) and no
 * libraries (-nostdlib). Gives tcc's diagnostics when it refuses the
 * source; throws only when the compiler itself fails.
 */
async function runTcc(assets: CompilerAssets, caller: string, run: TccRun): Promise<TccOutcome> {
  const output: string[] = [];
  const tcc = await assets.glue({
    wasmBinary: assets.wasm,
    print: (line) => output.push(line),
    printErr: (line) => output.push(line),
  });
  tcc.FS.mkdir(TCC_DIR);
  tcc.FS.mkdir(`${TCC_DIR}/include`);
  for (const [path, text] of Object.entries(run.headers)) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_./-]*\.h$/.test(path) || path.includes('..')) throw new Error(`${caller}: a header path must be relative and end in .h, not ${JSON.stringify(path)}`);
    makeParents(tcc.FS, `${TCC_DIR}/include`, path);
    tcc.FS.writeFile(`${TCC_DIR}/include/${path}`, text);
  }
  tcc.FS.mkdir(WORK_DIR);
  tcc.FS.chdir(WORK_DIR);
  for (const [path, text] of Object.entries(run.sources)) {
    makeParents(tcc.FS, WORK_DIR, path);
    tcc.FS.writeFile(path, text);
  }
  let status: number;
  try {
    status = tcc.callMain(['-nostdinc', '-nostdlib', `-I${TCC_DIR}/include`, ...run.args, '-o', run.output]);
  } catch (error) {
    throw new Error(`the compiler stopped abnormally: ${String(error)}${output.length > 0 ? `\n${output.join('\n')}` : ''}`, { cause: error });
  }
  const diagnostics = output.join('\n');
  if (status !== 0) return { ok: false, diagnostics: diagnostics || `tcc exited with status ${status} and said nothing` };
  // A copy: the instance's memory is dropped with it.
  return { ok: true, bytes: tcc.FS.readFile(run.output).slice(), diagnostics };
}

/**
 * Compiles one freestanding C file for the i386 guest: no headers (-nostdinc),
 * no libraries (-nostdlib), an object only (-c). Returns tcc's diagnostics
 * when the source does not compile; throws only when the compiler itself fails.
 */
export async function compileC(assets: CompilerAssets, source: string, options: CompileOptions = {}): Promise<CompileResult> {
  const fileName = options.fileName ?? 'module.c';
  checkFileName('compileC', fileName);
  const objectName = fileName.replace(/\.c$/, '.o');
  const result = await runTcc(assets, 'compileC', { sources: { [fileName]: source }, headers: options.headers ?? {}, args: ['-c', fileName], output: objectName });
  if (!result.ok) return result;
  const problem = elfRelocatableProblem(result.bytes);
  if (problem !== undefined) throw new Error(`the compiler wrote something other than an i386 object: ${problem}`);
  return { ok: true, object: result.bytes, diagnostics: result.diagnostics };
}

/**
 * Compiles and links a program for the guest's user space: the source with
 * the runtime's sources, against the program headers, into a static
 * i386 executable (-static; nothing else is linked, so the runtime is
 * the whole libc). Diagnostics as compileC's.
 */
export async function compileProgram(assets: CompilerAssets, source: string, options: ProgramOptions): Promise<ProgramResult> {
  const fileName = options.fileName ?? 'program.c';
  checkFileName('compileProgram', fileName);
  const sources: Record<string, string> = { [fileName]: source };
  for (const [name, text] of Object.entries(options.runtime)) {
    checkFileName('compileProgram', name);
    sources[`${RUNTIME_DIR}/${name}`] = text;
  }
  const result = await runTcc(assets, 'compileProgram', { sources, headers: options.headers, args: ['-static', ...Object.keys(sources)], output: 'program' });
  if (!result.ok) return result;
  const problem = elfExecutableProblem(result.bytes);
  if (problem !== undefined) throw new Error(`the compiler wrote something other than an i386 executable: ${problem}`);
  return { ok: true, executable: result.bytes, diagnostics: result.diagnostics };
}

/** Refuses compiler files whose sha256 is not the one built (compiler/checksums.ts): a corrupt wasm must not run. */
export async function verifyCompilerFile(name: string, bytes: Uint8Array, expected: string): Promise<void> {
  const actual = await sha256Hex(bytes);
  if (actual !== expected) {
    throw new Error(`the compiler file ${name} is corrupt or from another build (sha256 ${actual}, expected ${expected}); run npm run build:compiler or restore it`);
  }
}
