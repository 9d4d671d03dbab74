import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CallMarkFilter, type CallMarkKind } from '../../harness/machine/call-marks.ts';
import { endMark, startMark } from '../../harness/protocol.ts';

function run(input: string): { text: string; marks: number[]; kinds: CallMarkKind[] } {
  let text = '';
  const marks: number[] = [];
  const kinds: CallMarkKind[] = [];
  const f = new CallMarkFilter(
    (b) => (text += String.fromCharCode(b)),
    (id, kind) => {
      marks.push(id);
      kinds.push(kind);
    },
  );
  for (let i = 0; i < input.length; i++) f.push(input.charCodeAt(i));
  return { text, marks, kinds };
}

test('a mark is taken out of the console text and gives its request id', () => {
  const r = run(`hello: init_module ran\r\n${endMark(0x7a31c002)}modlab# `);
  assert.equal(r.text, 'hello: init_module ran\r\nmodlab# ');
  assert.deepEqual(r.marks, [0x7a31c002]);
});

test('escape sequences that are not marks pass through whole, in order', () => {
  for (const s of ['\x1b[1;31mred\x1b[0m', '\x1b_modlab:end:1234\x1b\\', '\x1b_modlab:end:0000000g\x1b\\', '\x1b_modlab:end:00000001\x1b]', 'a\x1b', '\x1b\x1b_x']) {
    const r = run(s);
    assert.deepEqual(r.marks, []);
    // A trailing ESC is held until the next byte says what it is.
    assert.equal(r.text, s.endsWith('\x1b') ? s.slice(0, -1) : s);
  }
});

test('a mark right after a broken one, or after ESC, is still found', () => {
  const r = run(`\x1b_modlab:e\x1b${endMark(5)}x`);
  assert.equal(r.text, '\x1b_modlab:e\x1bx');
  assert.deepEqual(r.marks, [5]);
});

test('the echo of a typed ESC (^[ with ECHOCTL) is plain text', () => {
  const r = run(`^[_modlab:end:00000005^[\\`);
  assert.deepEqual(r.marks, []);
});

test('start and end marks are both taken out, each with its kind', () => {
  const r = run(`modlab# ${startMark(9)}hello: init_module ran\r\n${endMark(9)}x`);
  assert.equal(r.text, 'modlab# hello: init_module ran\r\nx');
  assert.deepEqual(r.marks, [9, 9]);
  assert.deepEqual(r.kinds, ['start', 'end']);
});
