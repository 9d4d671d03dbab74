/**
 * Builds the XZ decoder the host-unpack tuning uses for kernels whose
 * payload is XZ (Linux 6.1): liblzma's decoder half from Debian's xz-utils
 * source, plus modlab's unxz.c, compiled by emscripten into one standalone
 * wasm module (no JS glue: the core instantiates it with WebAssembly itself).
 *   unxz/unxz.wasm      the decoder
 *   unxz/checksums.ts   its sha256, which both targets check before it runs
 *
 * What it expects, and checks:
 *   - Debian's source package xz-utils 5.4.1-1+deb12u2 (bookworm), from
 *     $MODLAB_XZ_SOURCE (an unpacked tree) or fetched with `apt-get source`
 *     into .cache/unxz/ (needs a deb-src line for bookworm main);
 *   - Debian's emscripten 3.1.6, as compiler/build.ts does.
 * test/build/unxz-build.test.ts checks that a fresh build gives the committed bytes.
 *
 * Usage: node --import tsx unxz/build.ts [OUTDIR]   (default: unxz/)
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMSCRIPTEN_VERSION, emscriptenVersion } from '../compiler/build.ts';

export const UNXZ_DIR = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(UNXZ_DIR, '..');
const CACHE = join(ROOT, '.cache', 'unxz');

export const XZ_PACKAGE = 'xz-utils';
export const XZ_DEBIAN_VERSION = '5.4.1-1+deb12u2';
const XZ_UPSTREAM = '5.4.1';
/** The Debian source package's files as bookworm publishes them (checked when apt-get fetched them). */
const XZ_SOURCE_SHA256: Record<string, string> = {
  [`xz-utils_${XZ_UPSTREAM}.orig.tar.xz`]: '5d9827aa1875b21c288f78864bb26d2650b436ea8d2cad364e4921eb6266a5a5',
  [`xz-utils_${XZ_DEBIAN_VERSION}.debian.tar.xz`]: '7e0b1d1448520ea4f88ec05136a88f07564cc4a1abd6dfcf53c1f822a3e4f64f',
};

/** The liblzma sources a .xz decoder needs (LZMA2, the x86 BCJ filter, the three checks), under src/liblzma. */
export const LIBLZMA_SOURCES = [
  'common/common.c',
  'common/block_decoder.c',
  'common/block_header_decoder.c',
  'common/block_util.c',
  'common/filter_common.c',
  'common/filter_decoder.c',
  'common/filter_flags_decoder.c',
  'common/index_hash.c',
  'common/stream_buffer_decoder.c',
  'common/stream_decoder.c',
  'common/stream_flags_common.c',
  'common/stream_flags_decoder.c',
  'common/vli_decoder.c',
  'common/vli_size.c',
  'check/check.c',
  'check/crc32_table.c',
  'check/crc32_fast.c',
  'check/crc64_table.c',
  'check/crc64_fast.c',
  'check/sha256.c',
  'lz/lz_decoder.c',
  'lzma/lzma_decoder.c',
  'lzma/lzma2_decoder.c',
  'simple/simple_coder.c',
  'simple/simple_decoder.c',
  'simple/x86.c',
] as const;

/**
 * config.h in the shape of configure's output, for a decoder only: the
 * filters a Linux x86 kernel's payload uses (xz_wrap.sh: --x86 --lzma2), the
 * checks any .xz may carry, and a 32-bit size_t (wasm32).
 */
export function configHeader(): string {
  return [
    "/* Written by modlab unxz/build.ts in the shape of xz-utils' configure output: a decoder only. */",
    '#define HAVE_CHECK_CRC32 1',
    '#define HAVE_CHECK_CRC64 1',
    '#define HAVE_CHECK_SHA256 1',
    '#define HAVE_DECODERS 1',
    '#define HAVE_DECODER_LZMA2 1',
    '#define HAVE_DECODER_X86 1',
    '#define HAVE_STDBOOL_H 1',
    '#define HAVE__BOOL 1',
    '#define HAVE_STDINT_H 1',
    '#define HAVE_INTTYPES_H 1',
    '#define HAVE_VISIBILITY 0',
    '#define ASSUME_RAM 128',
    '#define PACKAGE_NAME "XZ Utils"',
    '#define PACKAGE_URL "https://tukaani.org/xz/"',
    '#define SIZEOF_SIZE_T 4',
    '',
  ].join('\n');
}

/** The emcc command line after `emcc`, given the source tree and the folder holding config.h. */
export function emccArgs(sourceDir: string, configDir: string): string[] {
  const lib = join(sourceDir, 'src', 'liblzma');
  return [
    '-O2',
    // NDEBUG: liblzma's asserts would pull in stdio, and with it WASI imports the core does not provide.
    '-DNDEBUG',
    '-DHAVE_CONFIG_H',
    `-I${configDir}`,
    // delta: filter_decoder.c includes its header even with the delta filter left out.
    ...['api', 'common', 'check', 'lz', 'rangecoder', 'lzma', 'simple', 'delta'].map((d) => `-I${join(lib, d)}`),
    `-I${join(sourceDir, 'src', 'common')}`,
    ...LIBLZMA_SOURCES.map((f) => join(lib, f)),
    join(UNXZ_DIR, 'unxz.c'),
    '-o',
    'unxz.wasm',
    '--no-entry',
    // A bare module: its only import is emscripten's memory-growth notice.
    '-sSTANDALONE_WASM=1',
    '-sFILESYSTEM=0',
    '-sALLOW_MEMORY_GROWTH=1',
    '-sEXPORTED_FUNCTIONS=_unxz_alloc,_unxz_free,_unxz_decode',
  ];
}

function run(cmd: string, args: string[], options: { cwd?: string } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...options });
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The unpacked Debian source tree, fetched once into .cache/unxz unless $MODLAB_XZ_SOURCE names one. */
export function xzSource(): string {
  const given = process.env['MODLAB_XZ_SOURCE'];
  const tree = given ?? join(CACHE, 'src', `xz-utils-${XZ_UPSTREAM}`);
  if (given === undefined && !existsSync(join(tree, 'src', 'liblzma'))) {
    const dir = join(CACHE, 'src');
    mkdirSync(dir, { recursive: true });
    try {
      run('apt-get', ['source', `${XZ_PACKAGE}=${XZ_DEBIAN_VERSION}`], { cwd: dir });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? String(error);
      throw new Error(`apt-get source ${XZ_PACKAGE}=${XZ_DEBIAN_VERSION} failed (is there a deb-src line for bookworm main?): ${stderr.trim()}`);
    }
    for (const [file, expected] of Object.entries(XZ_SOURCE_SHA256)) {
      const actual = sha256(readFileSync(join(dir, file)));
      if (actual !== expected) throw new Error(`${file} has sha256 ${actual}, expected ${expected}`);
    }
  }
  const changelog = join(tree, 'debian', 'changelog');
  if (!existsSync(changelog)) throw new Error(`${tree} is not an unpacked Debian ${XZ_PACKAGE} source tree (no debian/changelog)`);
  const head = readFileSync(changelog, 'utf8').split('\n')[0] ?? '';
  if (!head.startsWith(`${XZ_PACKAGE} (${XZ_DEBIAN_VERSION})`)) throw new Error(`${tree} is ${head.trim()}, expected ${XZ_PACKAGE} (${XZ_DEBIAN_VERSION})`);
  return tree;
}

export function checksumsModule(wasm: Uint8Array): string {
  return ['// Generated by `npm run build:unxz`: the sha256 of the committed decoder.', `export const UNXZ_WASM_SHA256 = '${sha256(wasm)}';`, ''].join('\n');
}

export interface UnxzBuild {
  wasm: Buffer;
  checksums: string;
}

/** Builds into outDir (unxz.wasm, checksums.ts) and returns both. */
export function buildUnxz(outDir: string = UNXZ_DIR): UnxzBuild {
  const version = emscriptenVersion();
  if (version === undefined) throw new Error('emcc is not installed: apt-get install emscripten (Debian bookworm, 3.1.6)');
  if (version !== EMSCRIPTEN_VERSION) throw new Error(`emcc is ${version}, expected ${EMSCRIPTEN_VERSION}: another version gives other bytes`);
  const source = xzSource();
  const work = mkdtempSync(join(tmpdir(), 'modlab-unxz-'));
  try {
    writeFileSync(join(work, 'config.h'), configHeader());
    run('emcc', emccArgs(source, work), { cwd: work });
    const wasm = readFileSync(join(work, 'unxz.wasm'));
    const checksums = checksumsModule(wasm);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'unxz.wasm'), wasm);
    writeFileSync(join(outDir, 'checksums.ts'), checksums);
    return { wasm, checksums };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? UNXZ_DIR);
  const started = performance.now();
  const built = buildUnxz(out);
  console.log(`unxz.wasm ${built.wasm.length} bytes in ${out} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
