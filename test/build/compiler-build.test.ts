/**
 * TinyCC rebuilt to wasm from Debian's source with Debian's emscripten
 * (compiler/build.ts): the committed compiler/tcc.wasm, tcc.mjs and
 * checksums.ts must come out byte for byte. Skipped where emcc is missing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildCompiler, COMPILER_DIR, EMSCRIPTEN_VERSION, emscriptenVersion } from '../../compiler/build.ts';

const version = emscriptenVersion();
const skip =
  version === undefined
    ? 'emcc is not installed (apt-get install emscripten, Debian bookworm): cannot rebuild the compiler'
    : version !== EMSCRIPTEN_VERSION
      ? `emcc is ${version}, not ${EMSCRIPTEN_VERSION}: its output would differ from the committed build`
      : false;

test('a fresh build of TinyCC reproduces the committed compiler/ files byte for byte', { skip, timeout: 300_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'modlab-compiler-test-'));
  try {
    const built = buildCompiler(out);
    assert.ok(built.wasm.equals(readFileSync(join(COMPILER_DIR, 'tcc.wasm'))), 'compiler/tcc.wasm differs from a fresh build: run npm run build:compiler and commit');
    assert.ok(built.glue.equals(readFileSync(join(COMPILER_DIR, 'tcc.mjs'))), 'compiler/tcc.mjs differs from a fresh build');
    assert.equal(built.checksums, readFileSync(join(COMPILER_DIR, 'checksums.ts'), 'utf8'), 'compiler/checksums.ts differs from a fresh build');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
