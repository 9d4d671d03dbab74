/** Decoding what query_module and get_kernel_syms write, and the agent's link report: pure code. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Call } from '../../harness/calls/model.ts';
import { parseLinkReport } from '../../harness/calls/link-report.ts';
import { bytesText, callData, flagNames } from '../../harness/calls/buffers.ts';

const le = (...words: number[]) => {
  const b = new Uint8Array(words.length * 4);
  const v = new DataView(b.buffer);
  words.forEach((w, i) => v.setUint32(i * 4, w, true));
  return b;
};
const q = (which: 'QM_MODULES' | 'QM_SYMS' | 'QM_INFO', bufsize = 64): Call => ({ call: 'query_module', name: { kind: 'null' }, which, bufsize, uid: 0 });

test('QM_MODULES names, QM_SYMS pairs with string offsets, QM_INFO fields', () => {
  const names = new TextEncoder().encode('hello_user\0hello\0');
  assert.deepEqual(callData(q('QM_MODULES'), [names, le(2)], true), { kind: 'names', which: 'QM_MODULES', names: ['hello_user', 'hello'], ret: 2 });
  const syms = new Uint8Array(32);
  syms.set(le(0xc0113198, 16, 0xc0100000, 23), 0);
  syms.set(new TextEncoder().encode('printk\0sys\0'), 16);
  assert.deepEqual(callData(q('QM_SYMS'), [syms, le(2)], true), {
    kind: 'symbols',
    symbols: [{ value: 0xc0113198, name: 'printk' }, { value: 0xc0100000, name: 'sys' }],
    ret: 2,
  });
  assert.deepEqual(callData(q('QM_INFO', 16), [le(0xc8800000, 368, 1, 0), le(16)], true), { kind: 'info', addr: 0xc8800000, size: 368, flags: 1, usecount: 0, ret: 16 });
  assert.deepEqual(callData(q('QM_SYMS', 16), [new Uint8Array(16), le(29575)], false), { kind: 'ret', ret: 29575 }, 'ENOSPC: only the size needed');
});

test('get_kernel_syms entries are a value and a 60-byte name', () => {
  const table = new Uint8Array(128);
  table.set(le(0xc8800000), 0);
  table.set(new TextEncoder().encode('#hello'), 4);
  table.set(le(0xc8800068), 64);
  table.set(new TextEncoder().encode('modlab_hello_greet'), 68);
  assert.deepEqual(callData({ call: 'get_kernel_syms', table: 2, uid: 0 }, [table], true), {
    kind: 'symbols',
    symbols: [{ value: 0xc8800000, name: '#hello' }, { value: 0xc8800068, name: 'modlab_hello_greet' }],
    ret: 2,
  });
});

test('module flags by name, none meaning uninitialized', () => {
  assert.deepEqual(flagNames(0), ['MOD_UNINITIALIZED']);
  assert.deepEqual(flagNames(17), ['MOD_RUNNING', 'MOD_USED_ONCE']);
});

test('the agent’s link report becomes layout, symbols, relocations and header fields', () => {
  const report = [
    'layout\tstruct module\t0x00000000\t0x00000060',
    'layout\t.text\t0x00000068\t0x00000057',
    'symbol\tprintk\t0xc0113198\tprintk_R1b7d4074\t0x00000000',
    'reloc\tR_386_PC32\t.text\t0x00000019\tprintk\t0xf7913113',
    'field\tinit\t0xc8800090',
    '',
  ].join('\n');
  const r = parseLinkReport(report);
  assert.deepEqual(r.layout[1], { part: '.text', offset: 0x68, size: 0x57 });
  assert.deepEqual(r.symbols, [{ name: 'printk', value: 0xc0113198, foundAs: 'printk_R1b7d4074', owner: 0 }]);
  assert.deepEqual(r.relocations, [{ type: 'R_386_PC32', section: '.text', offset: 0x19, symbol: 'printk', value: 0xf7913113 }]);
  assert.equal(r.header['init'], 0xc8800090);
  assert.equal(parseLinkReport('error\tunresolved symbol\tfoo\n').error, 'unresolved symbol: foo');
});

test('names that are not UTF-8 are shown byte by byte and do not shift the names after them', () => {
  assert.equal(bytesText(Uint8Array.of(0x68, 0x69)), 'hi');
  assert.equal(bytesText(Uint8Array.of(0xff, 0x5c, 0x41)), '\\xff\\x5cA');
  const buf = Uint8Array.of(0xff, 0xfe, 0, ...new TextEncoder().encode('victim'), 0);
  const out = [buf, Uint8Array.of(2, 0, 0, 0)];
  assert.deepEqual(callData({ call: 'query_module', name: { kind: 'null' }, which: 'QM_MODULES', bufsize: buf.length, uid: 0 }, out, true), { kind: 'names', which: 'QM_MODULES', names: ['\\xff\\xfe', 'victim'], ret: 2 });
});
