/**
 * C for the guest, compiled by TinyCC in WebAssembly (compiler/, built by
 * compiler/build.ts). The core only runs it: a target hands over the wasm
 * bytes and emscripten's glue factory (CompilerAssets), because the core
 * reads no files and may not import the generated glue. Output: an ELF32
 * i386 relocatable object, as `gcc -m32 -c -nostdinc` would give the agent's
 * linker. Environment-free.
 */
import { sha256Hex } from '../../kernel-images/sha256.ts';

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

/** The folder the source and object live in, inside the instance's memory file system. */
const WORK_DIR = '/work';
/** CONFIG_TCCDIR in compiler/build.ts: tcc's library dir, empty here since nothing is linked. */
const TCC_DIR = '/tcc';

/**
 * Compiles one freestanding C file for the i386 guest: no headers (-nostdinc),
 * no libraries (-nostdlib), an object only (-c). Returns tcc's diagnostics
 * when the source does not compile; throws only when the compiler itself fails.
 */
export async function compileC(assets: CompilerAssets, source: string, options: CompileOptions = {}): Promise<CompileResult> {
  const fileName = options.fileName ?? 'module.c';
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*\.c$/.test(fileName)) throw new Error(`compileC: the file name must be a plain name ending in .c, not ${JSON.stringify(fileName)}`);
  const output: string[] = [];
  const tcc = await assets.glue({
    wasmBinary: assets.wasm,
    print: (line) => output.push(line),
    printErr: (line) => output.push(line),
  });
  tcc.FS.mkdir(TCC_DIR);
  tcc.FS.mkdir(`${TCC_DIR}/include`);
  for (const [path, text] of Object.entries(options.headers ?? {})) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_./-]*\.h$/.test(path) || path.includes('..')) throw new Error(`compileC: a header path must be relative and end in .h, not ${JSON.stringify(path)}`);
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = `${TCC_DIR}/include/${parts.slice(0, i).join('/')}`;
      if (!tcc.FS.analyzePath(dir).exists) tcc.FS.mkdir(dir);
    }
    tcc.FS.writeFile(`${TCC_DIR}/include/${path}`, text);
  }
  tcc.FS.mkdir(WORK_DIR);
  tcc.FS.chdir(WORK_DIR);
  tcc.FS.writeFile(fileName, source);
  const objectName = fileName.replace(/\.c$/, '.o');
  let status: number;
  try {
    status = tcc.callMain(['-nostdinc', '-nostdlib', `-I${TCC_DIR}/include`, '-c', fileName, '-o', objectName]);
  } catch (error) {
    throw new Error(`the compiler stopped abnormally: ${String(error)}${output.length > 0 ? `\n${output.join('\n')}` : ''}`, { cause: error });
  }
  const diagnostics = output.join('\n');
  if (status !== 0) return { ok: false, diagnostics: diagnostics || `tcc exited with status ${status} and said nothing` };
  const object = tcc.FS.readFile(objectName);
  const problem = elfRelocatableProblem(object);
  if (problem !== undefined) throw new Error(`the compiler wrote something other than an i386 object: ${problem}`);
  // A copy: the instance's memory is dropped with it.
  return { ok: true, object: object.slice(), diagnostics };
}

/** Why bytes are not an ELF32 little-endian i386 relocatable object, or undefined if they are. */
export function elfRelocatableProblem(object: Uint8Array): string | undefined {
  if (object.length < 52) return `${object.length} bytes, shorter than an ELF32 header`;
  if (object[0] !== 0x7f || object[1] !== 0x45 || object[2] !== 0x4c || object[3] !== 0x46) return 'no ELF magic';
  if (object[4] !== 1 || object[5] !== 1) return 'not ELF32 little-endian';
  const view = new DataView(object.buffer, object.byteOffset, object.byteLength);
  const type = view.getUint16(16, true);
  const machine = view.getUint16(18, true);
  if (type !== 1) return `e_type ${type}, not 1 (REL)`;
  if (machine !== 3) return `e_machine ${machine}, not 3 (i386)`;
  return undefined;
}

/** Refuses compiler files whose sha256 is not the one built (compiler/checksums.ts): a corrupt wasm must not run. */
export async function verifyCompilerFile(name: string, bytes: Uint8Array, expected: string): Promise<void> {
  const actual = await sha256Hex(bytes);
  if (actual !== expected) {
    throw new Error(`the compiler file ${name} is corrupt or from another build (sha256 ${actual}, expected ${expected}); run npm run build:compiler or restore it`);
  }
}
