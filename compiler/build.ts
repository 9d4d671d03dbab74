/**
 * Builds TinyCC (the i386 Linux target) to WebAssembly with emscripten, so
 * the Node and browser targets compile C for the guest with the same bytes:
 *   compiler/tcc.wasm      the compiler
 *   compiler/tcc.mjs       emscripten's ES-module glue (generated JS)
 *   compiler/checksums.ts  the sha256 of both, which the targets check
 *
 * What it expects, and checks:
 *   - Debian's source package tcc 0.9.27+git20200814.62c30a4a-1 (bookworm), from
 *     $MODLAB_TCC_SOURCE (an unpacked tree) or fetched with `apt-get source`
 *     into .cache/compiler/ (needs a deb-src line for bookworm main);
 *   - Debian's emscripten 3.1.6 (`apt-get install emscripten`);
 *   - acorn, which that emscripten's JS optimizer loads from NODE_PATH: Debian's
 *     node-acorn if installed, else npm's at a pinned version in .cache/compiler/tools.
 * The output is reproducible: the committed files are checked against a fresh
 * build by test/build/compiler-build.test.ts.
 *
 * Usage: node --import tsx compiler/build.ts [OUTDIR]   (default: compiler/)
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const COMPILER_DIR = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(COMPILER_DIR, '..');
const CACHE = join(ROOT, '.cache', 'compiler');

export const TCC_PACKAGE = 'tcc';
export const TCC_DEBIAN_VERSION = '0.9.27+git20200814.62c30a4a-1';
const TCC_UPSTREAM = TCC_DEBIAN_VERSION.replace(/-[^-]+$/, '');
/** The Debian source package's files as bookworm publishes them (checked when apt-get fetched them). */
const TCC_SOURCE_SHA256: Record<string, string> = {
  [`tcc_${TCC_UPSTREAM}.orig.tar.bz2`]: 'd63c113bcdd657f51c8ee197a0b0a24203603313e19a52b5f678d40ab7f5df35',
  [`tcc_${TCC_DEBIAN_VERSION}.debian.tar.xz`]: '27036dd5f67b6ce3b8212080d1d6e55b1f7b2e54a23d0f2a4af38090a8d75716',
};
export const EMSCRIPTEN_VERSION = '3.1.6';
const ACORN = 'acorn@8.19.0';

/** The emcc command line after `emcc`, given the source tree (tcc.c) and the folder holding config.h. */
export function emccArgs(sourceDir: string, configDir: string): string[] {
  return [
    '-O2',
    // One translation unit, one target: i386 ELF objects, whatever the host is.
    '-DONE_SOURCE=1',
    '-DTCC_TARGET_I386',
    `-I${configDir}`,
    join(sourceDir, 'tcc.c'),
    '-o',
    'tcc.mjs',
    '-sMODULARIZE=1',
    '-sEXPORT_ES6=1',
    '-sEXPORT_NAME=createTcc',
    '-sALLOW_MEMORY_GROWTH=1',
    '-sINVOKE_RUN=0',
    // "web" keeps Node's require/__dirname out of the glue; Node hands it wasmBinary like a page does.
    '-sENVIRONMENT=web',
    '-sEXPORTED_RUNTIME_METHODS=FS,callMain',
  ];
}

/**
 * config.h as tcc's configure writes it, for a compiler that only ever runs
 * inside the wasm sandbox: its library dir is the in-memory /tcc, and there
 * is no dlopen (CONFIG_TCC_STATIC).
 */
export function configHeader(version: string): string {
  return [
    '/* Written by modlab compiler/build.ts in the shape of tcc\'s configure output. */',
    '#ifndef CONFIG_TCCDIR',
    '# define CONFIG_TCCDIR "/tcc"',
    '#endif',
    `#define TCC_VERSION "${version}"`,
    '#define CONFIG_TCC_STATIC 1',
    // What configure detects for clang (emcc); only tcc's own tests read these.
    '#define GCC_MAJOR 4',
    '#define GCC_MINOR 2',
    '#define CC_NAME CC_clang',
    '',
  ].join('\n');
}

function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...options });
}

function has(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** emcc's version, or undefined when emscripten is not installed. */
export function emscriptenVersion(): string | undefined {
  if (!has('emcc')) return undefined;
  const first = run('emcc', ['--version']).split('\n')[0] ?? '';
  return /\b(\d+\.\d+\.\d+)\b/.exec(first)?.[1];
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The unpacked Debian source tree, fetched once into .cache/compiler unless $MODLAB_TCC_SOURCE names one. */
export function tccSource(): string {
  const given = process.env['MODLAB_TCC_SOURCE'];
  const tree = given ?? join(CACHE, 'src', `tcc-${TCC_UPSTREAM}`);
  if (given === undefined && !existsSync(join(tree, 'tcc.c'))) {
    if (!has('apt-get')) throw new Error(`the ${TCC_PACKAGE} source is not in ${tree} and apt-get is missing: set MODLAB_TCC_SOURCE to an unpacked ${TCC_PACKAGE} ${TCC_DEBIAN_VERSION} source tree`);
    const dir = join(CACHE, 'src');
    mkdirSync(dir, { recursive: true });
    try {
      run('apt-get', ['source', `${TCC_PACKAGE}=${TCC_DEBIAN_VERSION}`], { cwd: dir });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new Error(`apt-get source ${TCC_PACKAGE}=${TCC_DEBIAN_VERSION} failed (is there a deb-src line for bookworm main?): ${stderr.trim()}`);
    }
    for (const [file, expected] of Object.entries(TCC_SOURCE_SHA256)) {
      const actual = sha256(readFileSync(join(dir, file)));
      if (actual !== expected) throw new Error(`${file} has sha256 ${actual}, expected ${expected}`);
    }
  }
  // The package version the tree was unpacked from is its changelog's first line.
  const changelog = join(tree, 'debian', 'changelog');
  if (!existsSync(changelog)) throw new Error(`${tree} is not an unpacked Debian ${TCC_PACKAGE} source tree (no debian/changelog)`);
  const head = readFileSync(changelog, 'utf8').split('\n')[0] ?? '';
  if (!head.startsWith(`${TCC_PACKAGE} (${TCC_DEBIAN_VERSION})`)) throw new Error(`${tree} is ${head.trim()}, expected ${TCC_PACKAGE} (${TCC_DEBIAN_VERSION})`);
  return tree;
}

/**
 * A NODE_PATH holding acorn, for emscripten's JS optimizer: Debian's node-acorn
 * (an emscripten dependency, in /usr/share/nodejs, where a Node from elsewhere
 * does not look), else acorn from npm in .cache/compiler/tools. Both give the
 * same bytes (measured: node-acorn 8.8.1 and acorn 8.19.0).
 */
function acornPath(): string {
  const debian = '/usr/share/nodejs';
  if (existsSync(join(debian, 'acorn', 'package.json'))) return debian;
  const tools = join(CACHE, 'tools');
  if (!existsSync(join(tools, 'node_modules', 'acorn', 'package.json'))) {
    mkdirSync(tools, { recursive: true });
    run('npm', ['install', '--prefix', tools, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', ACORN]);
  }
  return join(tools, 'node_modules');
}

export function checksumsModule(wasm: Uint8Array, glue: Uint8Array): string {
  return [
    '// Generated by `npm run build:compiler`: the sha256 of the committed compiler files.',
    `export const TCC_WASM_SHA256 = '${sha256(wasm)}';`,
    `export const TCC_GLUE_SHA256 = '${sha256(glue)}';`,
    '',
  ].join('\n');
}

export interface CompilerBuild {
  wasm: Buffer;
  glue: Buffer;
  checksums: string;
}

/** Builds into outDir (tcc.wasm, tcc.mjs, checksums.ts) and returns the three. */
export function buildCompiler(outDir: string = COMPILER_DIR): CompilerBuild {
  const version = emscriptenVersion();
  if (version === undefined) throw new Error('emcc is not installed: apt-get install emscripten (Debian bookworm, 3.1.6)');
  if (version !== EMSCRIPTEN_VERSION) throw new Error(`emcc is ${version}, expected ${EMSCRIPTEN_VERSION}: another version gives other bytes`);
  const source = tccSource();
  const nodePath = acornPath();
  const work = mkdtempSync(join(tmpdir(), 'modlab-tcc-'));
  try {
    const tccVersion = readFileSync(join(source, 'VERSION'), 'utf8').trim();
    writeFileSync(join(work, 'config.h'), configHeader(tccVersion));
    run('emcc', emccArgs(source, work), { cwd: work, env: { ...process.env, NODE_PATH: nodePath } });
    const wasm = readFileSync(join(work, 'tcc.wasm'));
    const glue = readFileSync(join(work, 'tcc.mjs'));
    const checksums = checksumsModule(wasm, glue);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'tcc.wasm'), wasm);
    writeFileSync(join(outDir, 'tcc.mjs'), glue);
    writeFileSync(join(outDir, 'checksums.ts'), checksums);
    return { wasm, glue, checksums };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? COMPILER_DIR);
  const started = performance.now();
  const built = buildCompiler(out);
  console.log(`tcc.wasm ${built.wasm.length} bytes, tcc.mjs ${built.glue.length} bytes in ${out} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
