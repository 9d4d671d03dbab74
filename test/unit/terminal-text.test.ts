/**
 * What the CLI prints from the guest or from input reaches a terminal: no
 * control character in a module name, a console line or /proc/modules may
 * act on it (set the title, clear the screen, draw a forged line).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallRecord } from '../../harness/calls/record.ts';
import { parseScenario } from '../../harness/calls/scenario.ts';
import { compareRows, type KernelRun } from '../../harness/reports/compare.ts';
import type { LifecycleStep } from '../../harness/reports/lifecycle.ts';
import { formatMatrix } from '../../harness/reports/matrix.ts';
import { printable, printableLine } from '../../harness/reports/terminal-text.ts';
import { formatLifecycle, formatTable } from '../../harness/reports/text.ts';

/** A name that sets the title, clears the screen, returns the cursor and starts a C1 CSI, DEL and a bidi override. */
const HOSTILE = 'x\x1b]0;owned\x07\x1b[2J\r  0  "hello"  = 0xc8800000\x9b31m\x7f\u202e';

/** Any control character a terminal acts on, other than the line breaks the text means. */
// eslint-disable-next-line no-control-regex -- looking for control characters is the test
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

test('printable writes out C0, DEL, C1 and bidi controls as escapes, keeps line breaks and text', () => {
  assert.equal(printable('a\x1b[2Jb'), 'a\\x1b[2Jb');
  assert.equal(printable('\x1b]0;t\x07'), '\\x1b]0;t\\x07');
  assert.equal(printable('a\rb\tc\x00'), 'a\\x0db\\x09c\\x00');
  assert.equal(printable('\x7f\x80\x9b\x9d\x9f\xa0é'), '\\x7f\\x80\\x9b\\x9d\\x9f\xa0é');
  assert.equal(printable('\u202eabc\u2028'), '\\u{202e}abc\\u{2028}');
  assert.equal(printable('two\nlines'), 'two\nlines');
  assert.equal(printableLine('two\nlines'), 'two\\x0alines');
  assert.equal(printable('plain text, ünïcode ✓ ≠'), 'plain text, ünïcode ✓ ≠');
  assert.doesNotMatch(printable(HOSTILE), CONTROL);
});

function record(console: string): CallRecord {
  return {
    kind: 'call',
    call: { call: 'create_module', name: { kind: 'string', text: HOSTILE.slice(0, 20) }, size: 4096, uid: 0 },
    kernel: '2.4.20',
    machine: 1,
    result: { kind: 'crash', crash: 'oops', console, detail: 'the kernel crashed' },
    recovered: true,
    elapsedMs: 1,
    console,
  };
}

test('the run table: the call text (C1 and DEL too) and the console excerpt print no control character', () => {
  // Short names are shown whole by callText, which JSON.stringify quotes: C0 is escaped there, C1 and DEL were not.
  const short = { ...record(`Oops: ${HOSTILE}\nnext line\r\n`), call: { call: 'create_module' as const, name: { kind: 'string' as const, text: 'a\x9b2J\x7f' }, size: 1, uid: 0 } };
  const text = formatTable([record(`Oops: ${HOSTILE}\nnext line\r\n`), short]);
  assert.doesNotMatch(text, CONTROL);
  // The console's line ends (\r\n) are dropped from excerpts, a lone \r with them: it cannot move the cursor back.
  assert.match(text, /\| Oops: x\\x1b\]0;owned\\x07\\x1b\[2J {2}0 {2}"hello"/);
  assert.match(text, /create_module\("x\\u001b\]0;owned\\u0007\\u001b\[2J\\r {2}0 "/);
  assert.match(text, /"a\\x9b2J\\x7f"/);
  // The forged result line stays inside its console line: no line of the table starts with it.
  assert.ok(text.split('\n').every((l) => !l.startsWith('  0  "hello"')));
});

test('the lifecycle: console lines and /proc/modules lines print no control character', () => {
  const step: LifecycleStep = { ...record(`${HOSTILE}\n`), result: { kind: 'success', ret: 0xc8800000 }, recovered: false, procModules: `${HOSTILE} 4096 0 (uninitialized)\nother 1 0\n` };
  const text = formatLifecycle([step]);
  assert.doesNotMatch(text, CONTROL);
  assert.match(text, /console \| x\\x1b\]0;owned\\x07/);
  assert.match(text, /\/proc\/modules \| x\\x1b\]0;owned\\x07\\x1b\[2J\\x0d.*\\x9b31m\\x7f\\u\{202e\} 4096 0 \(uninitialized\)\n {6}\/proc\/modules \| other 1 0$/);
});

test('the matrix: call texts, notes, claims and crash lines print no control character', () => {
  const scenario = parseScenario(JSON.stringify({
    steps: [{ call: 'create_module', name: 'a\x9b2J', size: 4096, manPage: { errno: null, says: `says ${HOSTILE}` }, note: `note ${HOSTILE}` }],
  }));
  const crash = { ...record(`kernel BUG at ${HOSTILE}\n`), call: scenario.steps[0] ?? record('').call, procModules: '' };
  const runs: KernelRun[] = [{ kernel: '2.4.20', steps: [crash] }, { kernel: '2.4.27', error: `no image ${HOSTILE}`, reason: 'image' }];
  const text = formatMatrix(compareRows(scenario, runs), runs);
  assert.doesNotMatch(text, CONTROL);
  assert.match(text, /"a\\x9b2J"/);
  assert.match(text, /note x\\x1b\]0;owned/);
  assert.match(text, /2\.4\.20: oops: kernel BUG at x\\x1b/);
  assert.match(text, /2\.4\.27 did not run: no image x\\x1b/);
});
