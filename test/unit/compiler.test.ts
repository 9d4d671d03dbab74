/**
 * The C compiler (TinyCC in wasm, compiler/) through the Node target: the
 * guest's hello module becomes an ELF32 i386 relocatable object, a syntax
 * error comes back as tcc's `FILE:LINE: error:` lines, and a corrupt wasm is
 * refused before it runs.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { elfRelocatableProblem } from '../../harness/elf.ts';
import { compileCFile, compilerAssets } from '../../node/compiler.ts';

const HELLO = readFileSync(new URL('../../guest/modules/hello.c', import.meta.url), 'utf8');

const R_386_32 = 1;
const R_386_PC32 = 2;
const SHT_REL = 9;

/** Every relocation type in an ELF32 object's SHT_REL sections. */
function relocationTypes(object: Uint8Array): Set<number> {
  const view = new DataView(object.buffer, object.byteOffset, object.byteLength);
  const shoff = view.getUint32(32, true);
  const shentsize = view.getUint16(46, true);
  const shnum = view.getUint16(48, true);
  const types = new Set<number>();
  for (let i = 0; i < shnum; i++) {
    const sh = shoff + i * shentsize;
    if (view.getUint32(sh + 4, true) !== SHT_REL) continue;
    const offset = view.getUint32(sh + 16, true);
    const size = view.getUint32(sh + 20, true);
    for (let r = offset; r < offset + size; r += 8) types.add(view.getUint32(r + 4, true) & 0xff);
  }
  return types;
}

test('hello.c compiles to an ELF32 i386 relocatable object with R_386_32 and R_386_PC32 relocations', async () => {
  const result = await compileCFile(HELLO, { fileName: 'hello.c' });
  assert.ok(result.ok, result.diagnostics);
  const object = result.object;
  assert.equal(elfRelocatableProblem(object), undefined);
  const view = new DataView(object.buffer, object.byteOffset, object.byteLength);
  assert.equal(view.getUint16(16, true), 1, 'e_type REL');
  assert.equal(view.getUint16(18, true), 3, 'e_machine i386');
  const types = relocationTypes(object);
  assert.ok(types.has(R_386_32), 'R_386_32 (data and symbol addresses)');
  assert.ok(types.has(R_386_PC32), 'R_386_PC32 (the calls to printk)');
  const text = new TextDecoder().decode(object);
  for (const name of ['init_module', 'cleanup_module', 'printk', '__this_module', '__ksymtab']) assert.ok(text.includes(name), `${name} is in the object`);
});

test('a syntax error gives ok: false and tcc\'s FILE:LINE: error: line', async () => {
  const result = await compileCFile('int f(void)\n{\n\treturn 1\n}\n', { fileName: 'broken.c' });
  assert.equal(result.ok, false);
  assert.match(result.diagnostics, /^broken\.c:4: error: ';' expected/m);
});

test('an undeclared name is an error naming its line', async () => {
  const result = await compileCFile('int f(void)\n{\n\treturn nowhere;\n}\n', { fileName: 'undeclared.c' });
  assert.equal(result.ok, false);
  assert.match(result.diagnostics, /^undeclared\.c:3: error: 'nowhere' undeclared/m);
});

test('-nostdinc: a system header is not found', async () => {
  const result = await compileCFile('#include <stdio.h>\nint x;\n', { fileName: 'inc.c' });
  assert.equal(result.ok, false);
  assert.match(result.diagnostics, /^inc\.c:1: error: include file 'stdio\.h' not found/m);
});

test('compiles are independent: one after another, and side by side', async () => {
  const sources = ['int a(void) { return 1; }\n', 'int b(int x) { return x * 2; }\n', 'int c;\n'];
  const results = await Promise.all(sources.map((s, i) => compileCFile(s, { fileName: `f${i}.c` })));
  for (const r of results) assert.ok(r.ok && elfRelocatableProblem(r.object) === undefined);
  const again = await compileCFile(sources[0] as string, { fileName: 'f0.c' });
  assert.ok(again.ok && results[0]?.ok);
  assert.deepEqual(again.object, results[0].object, 'the same source gives the same bytes');
});

test('a file name that is not a plain .c name is refused', async () => {
  await assert.rejects(compileCFile('int x;\n', { fileName: '../etc/x.c' }), /plain name ending in \.c/);
});

test('the sha256 check refuses a corrupted wasm', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'modlab-tcc-'));
  try {
    const wasm = readFileSync(new URL('../../compiler/tcc.wasm', import.meta.url));
    const middle = wasm.length >> 1;
    wasm[middle] = (wasm[middle] ?? 0) ^ 0xff;
    writeFileSync(join(dir, 'tcc.wasm'), wasm);
    copyFileSync(new URL('../../compiler/tcc.mjs', import.meta.url), join(dir, 'tcc.mjs'));
    await assert.rejects(
      compilerAssets({ wasm: pathToFileURL(join(dir, 'tcc.wasm')), glue: pathToFileURL(join(dir, 'tcc.mjs')) }),
      /the compiler file .*tcc\.wasm is corrupt or from another build \(sha256 [0-9a-f]{64}, expected [0-9a-f]{64}\)/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('elfRelocatableProblem names what is wrong', () => {
  assert.match(elfRelocatableProblem(Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 1, 1)) ?? '', /shorter than an ELF32 header/);
  const exec = new Uint8Array(52);
  exec.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  exec[16] = 2;
  exec[18] = 3;
  assert.match(elfRelocatableProblem(exec) ?? '', /e_type 2/);
});
