import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32, decodeResult, encodeCall, encodeFrame, FrameDecoder, FrameType, MAX_PAYLOAD, NO_UID, PayloadWriter, PROTOCOL_VERSION } from '../../harness/protocol.ts';

test('crc32 matches the IEEE check value', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test('a frame survives encode and decode, split across any chunk boundary', () => {
  const payload = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  const bytes = encodeFrame({ type: FrameType.Result, id: 42, payload });
  for (const cut of [1, 5, 12, 100, bytes.length - 1]) {
    const d = new FrameDecoder();
    const got = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
    assert.equal(got.length, 1);
    assert.equal(got[0]?.id, 42);
    assert.deepEqual(got[0]?.payload, payload);
  }
});

test('the decoder skips garbage and corrupt frames and keeps going', () => {
  const good = encodeFrame({ type: FrameType.Pong, id: 7, payload: new Uint8Array(0) });
  const bad = encodeFrame({ type: FrameType.Pong, id: 8, payload: new Uint8Array([1, 2, 3]) });
  bad[13] = (bad[13] as number) ^ 0xff; // corrupt the payload
  const noise = new Uint8Array([0x4d, 0x4c, 0x4d, 0, 9, 9, 0x4d]);
  const d = new FrameDecoder();
  const frames = d.push(new Uint8Array([...noise, ...bad, ...good]));
  assert.deepEqual(frames.map((f) => f.id), [7]);
  assert.equal(d.stats.badCrc >= 1, true);
  assert.equal(d.stats.framesOk, 1);
});

test('a header announcing an oversized payload is rejected, not buffered forever', () => {
  const w = new PayloadWriter().bytes(new Uint8Array([0x4d, 0x4c, PROTOCOL_VERSION, 0x11])).u32(1).u32(MAX_PAYLOAD + 1).finish();
  const good = encodeFrame({ type: FrameType.Pong, id: 3, payload: new Uint8Array(0) });
  const d = new FrameDecoder();
  assert.deepEqual(d.push(new Uint8Array([...w, ...good])).map((f) => f.id), [3]);
  assert.equal(d.stats.badHeader, 1);
});

test('call payloads carry values and NUL-terminated buffers', () => {
  const p = encodeCall({ syscall: 127, uid: null, args: [{ kind: 'buffer', bytes: new Uint8Array([104, 105, 0]) }, { kind: 'value', value: 0xffffffff }] });
  const v = new DataView(p.buffer);
  assert.equal(v.getUint32(0, true), 127);
  assert.equal(v.getUint32(4, true), NO_UID);
  assert.equal(v.getUint32(8, true), 2);
  assert.equal(v.getUint32(12, true), 1); // buffer
  assert.equal(v.getUint32(16, true), 3);
  assert.deepEqual([...p.subarray(20, 23)], [104, 105, 0]);
  assert.equal(v.getUint32(27, true), 0xffffffff);
});

test('result payloads decode into outcomes; malformed ones into null', () => {
  const mk = (a: number, b: number) => new PayloadWriter().u32(a).u32(b).finish();
  assert.deepEqual(decodeResult(mk(0, 0xc8800000)), { outcome: 'returned', eax: 0xc8800000, out: [] });
  // Output buffers follow as length-prefixed bytes, in argument order.
  // Each output buffer: its size, how many leading bytes follow, those bytes; the rest are zeros.
  const withOut = new PayloadWriter().u32(0).u32(0).u32(2).u32(2).bytes(Uint8Array.of(7, 8)).u32(4).u32(1).bytes(Uint8Array.of(1)).finish();
  assert.deepEqual(decodeResult(withOut), { outcome: 'returned', eax: 0, out: [Uint8Array.of(7, 8), Uint8Array.of(1, 0, 0, 0)] });
  assert.equal(decodeResult(new PayloadWriter().u32(0).u32(0).u32(9).u32(9).bytes(Uint8Array.of(1)).finish()), null, 'an output longer than the payload');
  assert.equal(decodeResult(new PayloadWriter().u32(0).u32(0).u32(1).u32(2).bytes(Uint8Array.of(1, 2)).finish()), null, 'more bytes than the buffer holds');
  assert.deepEqual(decodeResult(mk(1, 11)), { outcome: 'killed', signal: 11 });
  assert.deepEqual(decodeResult(mk(2, 22)), { outcome: 'setup-failed', errno: 22 });
  assert.equal(decodeResult(mk(9, 0)), null);
  assert.equal(decodeResult(new Uint8Array(3)), null);
});
