/**
 * The Write code tab's pure parts: the student's files in storage (one per
 * template, whatever storage holds or refuses), the compiler's lines marked
 * on the editor, a program's arguments and uid as typed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { lineProblems, parseUid, splitArgs } from '../../web/code-parse.ts';
import type { ExecRecord } from '../../harness/calls/record.ts';
import { execAnswer, execText } from '../../web/exec-text.ts';
import { CODE_KEY, loadCodeFiles, saveCodeFiles, type CodeFile, type KeyValueStore } from '../../web/code-store.ts';

function memoryStore(init: Record<string, string> = {}): KeyValueStore & { data: Map<string, string> } {
  const data = new Map(Object.entries(init));
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

const file = (source: string, kind: CodeFile['kind'] = 'module'): CodeFile => ({ source, kind, name: 'x', args: '', uid: '0' });

test('each file keeps its own source across a reload', () => {
  const store = memoryStore();
  const files = new Map([
    ['counter', file('int counter;')],
    ['counter_user', file('int user;')],
  ]);
  assert.equal(saveCodeFiles(store, { current: 'counter_user', files }), true);
  const back = loadCodeFiles(store);
  assert.equal(back.current, 'counter_user');
  assert.deepEqual([...back.files], [...files]);
});

test('the single source of older pages becomes hello_world', () => {
  const back = loadCodeFiles(memoryStore({ 'modlab.code.v1': 'int old;' }));
  assert.equal(back.current, 'hello_world');
  assert.equal(back.files.get('hello_world')?.source, 'int old;');
});

test('blocked, full or hostile storage: the tab starts empty and says so by returning false', () => {
  const throwing: KeyValueStore = {
    getItem: () => {
      throw new DOMException('denied', 'SecurityError');
    },
    setItem: () => {
      throw new DOMException('quota', 'QuotaExceededError');
    },
  };
  assert.deepEqual(loadCodeFiles(throwing), { current: '', files: new Map() });
  assert.equal(saveCodeFiles(throwing, { current: 'a', files: new Map() }), false);
  assert.equal(saveCodeFiles(null, { current: 'a', files: new Map() }), false);
  assert.equal(loadCodeFiles(memoryStore({ [CODE_KEY]: '{not json' })).files.size, 0);
  const hostile = loadCodeFiles(memoryStore({ [CODE_KEY]: JSON.stringify({ current: 7, files: [['__proto__', file('p')], ['bad', { source: 1 }], 'x', ['ok', file('fine', 'program')]] }) }));
  assert.equal(hostile.current, '');
  assert.deepEqual([...hostile.files.keys()], ['__proto__', 'ok']);
  // A Map: the id "__proto__" is a key like any other, never the prototype.
  assert.equal(Object.getPrototypeOf(hostile.files), Map.prototype);
  fc.assert(
    fc.property(fc.json(), (raw) => {
      const r = loadCodeFiles(memoryStore({ [CODE_KEY]: raw }));
      assert.equal(typeof r.current, 'string');
    }),
  );
});

test('only the lines about the student’s own file are marked', () => {
  const diagnostics = ['module.c:20: error: \';\' expected (got "}")', 'program.c:3: warning: implicit declaration', '/tcc/include/linux/module.h:9: error: nope', 'tcc: error: file not found'].join('\n');
  assert.deepEqual(lineProblems(diagnostics), [
    { line: 20, severity: 'error', message: '\';\' expected (got "}")' },
    { line: 3, severity: 'warning', message: 'implicit declaration' },
  ]);
});

test('arguments split as a shell splits the simple cases', () => {
  assert.deepEqual(splitArgs(''), { args: [] });
  assert.deepEqual(splitArgs('  hello   4096 '), { args: ['hello', '4096'] });
  assert.deepEqual(splitArgs(`"two words" 'it"s' ""`), { args: ['two words', 'it"s', ''] });
  assert.deepEqual(splitArgs('a"b c"d'), { args: ['ab cd'] });
  assert.deepEqual(splitArgs('"open'), { error: 'The arguments have a " that is not closed.' });
  fc.assert(
    fc.property(fc.array(fc.stringMatching(/^[a-z0-9_]+$/), { maxLength: 6 }), (words) => {
      assert.deepEqual(splitArgs(words.join(' ')), { args: words });
    }),
  );
});

test('a uid is a decimal setuid32 takes, 0 when empty', () => {
  assert.deepEqual(parseUid(''), { uid: 0 });
  assert.deepEqual(parseUid(' 65534 '), { uid: 65534 });
  assert.deepEqual(parseUid('4294967294'), { uid: 4294967294 });
  for (const bad of ['-1', '4294967295', '0x10', 'root', '1.5']) assert.ok('error' in parseUid(bad), bad);
});

test('a run reads as the command a shell would take, and its end in a few words', () => {
  const base = { program: 'create_module', args: [] as string[], uid: 0 };
  assert.equal(execText(base), './create_module');
  assert.equal(execText({ ...base, args: ['hello', 'two words', "it's", 'a\nb'], uid: 65534 }), `./create_module hello 'two words' "it's" "a\\nb" (uid 65534)`);
  const record = (result: ExecRecord['result']): ExecRecord => ({ kind: 'exec', ...base, kernel: '2.4.20', machine: 1, result, stdout: '', stderr: '', stdoutTruncated: false, stderrTruncated: false, console: '', recovered: true, elapsedMs: 1, guestMs: 1 });
  assert.equal(execAnswer(record({ kind: 'exited', status: 0 })), 'exit 0');
  assert.equal(execAnswer(record({ kind: 'signaled', signal: 11, signalName: 'SIGSEGV' })), 'killed by SIGSEGV (11)');
  assert.equal(execAnswer(record({ kind: 'timeout', limitMs: 10_000 })), 'still running after 10 s, killed');
  assert.equal(execAnswer(record({ kind: 'not-run', errno: 1, errnoName: 'EPERM', during: 'setuid' })), 'not run: EPERM (1) during setuid');
  assert.equal(execAnswer(record({ kind: 'crash', crash: 'oops', console: '', detail: '' })), 'CRASH (oops), machine 2 took over');
});
