/** WRITE's codecs and the checks a user's module object passes before it reaches the guest. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { moduleNameProblem, objectProblem, userObjectPath } from '../../harness/machine/insmod.ts';
import { cHeaderStrings, decodeWritten, encodeWrite, FrameType, REQUESTS, WRITE_DIR } from '../../harness/protocol.ts';

test('WRITE carries its source and length, the path, a NUL, then the bytes as they are', () => {
  const bytes = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 0xff]);
  const payload = encodeWrite({ path: '/tmp/m.o', bytes });
  // ArgKind.Buffer (1), 6 bytes, window offset 0: the bytes are in the frame (test/unit/exec.test.ts has the window).
  assert.deepEqual([...payload], [1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, ...new TextEncoder().encode('/tmp/m.o\0'), ...bytes]);
  assert.deepEqual(REQUESTS.write, { type: FrameType.Write, reply: FrameType.Written, encode: encodeWrite, decode: decodeWritten });
});

test('WRITTEN is one errno word; anything else is malformed', () => {
  assert.deepEqual(decodeWritten(new Uint8Array([0, 0, 0, 0])), { errno: 0 });
  assert.deepEqual(decodeWritten(new Uint8Array([28, 0, 0, 0])), { errno: 28 });
  assert.equal(decodeWritten(new Uint8Array([0, 0, 0])), null);
  assert.equal(decodeWritten(new Uint8Array(5)), null);
});

test('the folder WRITE may use reaches the agent as a C string', () => {
  assert.deepEqual(cHeaderStrings().find(([name]) => name === 'ML_WRITE_DIR'), ['ML_WRITE_DIR', WRITE_DIR]);
  assert.equal(userObjectPath('hello_world'), `${WRITE_DIR}/hello_world.o`);
});

/** The 52-byte ELF header of an object, with the fields objectProblem reads. */
function elf(fields: { cls?: number; data?: number; type?: number; machine?: number } = {}): Uint8Array {
  const b = new Uint8Array(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, fields.cls ?? 1, fields.data ?? 1, 1]);
  const v = new DataView(b.buffer);
  v.setUint16(16, fields.type ?? 1, true);
  v.setUint16(18, fields.machine ?? 3, true);
  return b;
}

test('objectProblem: only ELF32 little-endian i386 relocatable objects pass, with a sentence for the rest', () => {
  assert.equal(objectProblem(elf(), 'm.o'), null);
  assert.match(objectProblem(new TextEncoder().encode('int x;'), 'm.c') ?? '', /^m\.c is not an i386 module object \(no ELF magic\)/);
  assert.match(objectProblem(elf({ cls: 2 }), 'm.o') ?? '', /not ELF32 little-endian/);
  assert.match(objectProblem(elf({ type: 2 }), 'a.out') ?? '', /e_type 2, not 1 \(REL\)/);
  assert.match(objectProblem(elf({ machine: 62 }), 'm.o') ?? '', /e_machine 62, not 3 \(i386\)/);
  const big = new Uint8Array(300 * 1024);
  big.set(elf());
  assert.match(objectProblem(big, 'big.o') ?? '', /objects up to/);
});

test('module names are safe file names in the write folder', () => {
  for (const ok of ['hello', 'hello_world', 'a-b', '_x', 'x'.repeat(56)]) assert.equal(moduleNameProblem(ok), null, ok);
  for (const bad of ['', '../sbin/init', 'a/b', '.hidden', '-x', 'x'.repeat(57), 'a b', 'ä']) assert.notEqual(moduleNameProblem(bad), null, bad);
});
