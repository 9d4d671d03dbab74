/** What a line typed in the lab's console does (web/console-command.ts): the five calls by the words of `modlab call`, the rest to the guest. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CALL_SPECS } from '../../harness/calls/model.ts';
import type { CallRecord } from '../../harness/calls/record.ts';
import { answerLine, completions, consoleAction, usageLine } from '../../web/console-command.ts';

test('a call line is a call, read as modlab call reads its words', () => {
  assert.deepEqual(consoleAction('create_module hello 4096'), { kind: 'call', call: { call: 'create_module', name: { kind: 'string', text: 'hello' }, size: 4096, uid: 0 } });
  assert.deepEqual(consoleAction('  delete_module   NULL  '), { kind: 'call', call: { call: 'delete_module', name: { kind: 'null' }, uid: 0 } });
  assert.deepEqual(consoleAction('get_kernel_syms'), { kind: 'call', call: { call: 'get_kernel_syms', table: null, uid: 0 } });
  const q = consoleAction('query_module hello QM_INFO 16');
  assert.ok(q.kind === 'call' && q.call.call === 'query_module' && q.call.which === 'QM_INFO' && q.call.bufsize === 16);
  const m = consoleAction('create_module hello module:hello');
  assert.ok(m.kind === 'call' && m.call.call === 'create_module' && typeof m.call.size === 'object');
});

test('the uid is given as the CLI gives it: --uid N or --uid=N', () => {
  for (const line of ['create_module x 4096 --uid 65534', 'create_module --uid=65534 x 4096']) {
    const a = consoleAction(line);
    assert.ok(a.kind === 'call' && a.call.uid === 65534, line);
  }
  for (const line of ['create_module x 4096 --uid', 'create_module x 4096 --uid abc', 'create_module x 4096 --uid 1 --uid 2', 'create_module x 4096 --kernel 2.4.18']) {
    assert.equal(consoleAction(line).kind, 'usage', line);
  }
});

test('a malformed call gets what is wrong and its usage from the call table, and does not reach the guest', () => {
  const a = consoleAction('create_module');
  assert.ok(a.kind === 'usage');
  assert.match(a.text, /^create_module needs a NAME \(.+\)\nusage: create_module NAME SIZE \[--uid N\]$/);
  const extra = consoleAction('delete_module a b');
  assert.ok(extra.kind === 'usage' && /unexpected argument "b"/.test(extra.text) && extra.text.endsWith('usage: delete_module NAME [--uid N]'));
  const bad = consoleAction('create_module x lots');
  assert.ok(bad.kind === 'usage' && /SIZE/.test(bad.text));
  const own = consoleAction('init_module x module:mine.c');
  assert.ok(own.kind === 'usage' && /Write code/.test(own.text));
  for (const spec of CALL_SPECS) assert.match(usageLine(spec), new RegExp(`^usage: ${spec.name}( [A-Z\\[\\]]+)* \\[--uid N\\]$`));
});

test('everything else goes to the guest as typed, an empty line too', () => {
  for (const line of ['lsmod', 'insmod hello', 'dmesg', 'help', '', 'create_modules x 1', 'toString']) assert.deepEqual(consoleAction(line), { kind: 'guest', line });
});

test('the answer reads as the guest shell prints its own', () => {
  const base = { kind: 'call', kernel: '2.4.20', machine: 1, recovered: false, elapsedMs: 1, console: '' } as const;
  const call = { call: 'create_module', name: { kind: 'string', text: 'hello' }, size: 4096, uid: 0 } as const;
  assert.equal(answerLine({ ...base, call, result: { kind: 'success', ret: 0xc8800000 } } satisfies CallRecord), 'create_module = 0xc8800000');
  assert.equal(answerLine({ ...base, call, result: { kind: 'errno', errno: 17, errnoName: 'EEXIST', during: 'call' } } satisfies CallRecord), 'create_module = -1 EEXIST (17)');
});

test('completion offers the commands first, then what each argument takes', () => {
  const words = (before: string): readonly string[] => completions(before).candidates;
  assert.ok(words('').includes('create_module') && words('').includes('dmesg') && words('').includes('get_kernel_syms'));
  assert.deepEqual(completions('create_module he'), { from: 14, candidates: ['hello', 'hello_user', 'hello_fail', 'NULL'] });
  assert.deepEqual(words('create_module hello '), ['module:hello', 'module:hello_user', 'module:hello_fail']);
  assert.deepEqual(words('query_module NULL '), ['QM_MODULES', 'QM_DEPS', 'QM_REFS', 'QM_SYMS', 'QM_INFO']);
  assert.deepEqual(words('query_module --uid 5 NULL '), ['QM_MODULES', 'QM_DEPS', 'QM_REFS', 'QM_SYMS', 'QM_INFO']);
  assert.deepEqual(words('create_module x 1 --'), ['--uid']);
  assert.deepEqual(words('rmmod '), ['hello', 'hello_user', 'hello_fail']);
  assert.deepEqual(words('lsmod '), []);
});
