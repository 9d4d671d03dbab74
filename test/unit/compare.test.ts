/** The comparison matrix from made-up records: pure code, no kernel. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KernelId } from '../../kernel-images/manifest.ts';
import { ERRNO, type ErrnoName } from '../../harness/calls/linux-i386.ts';
import type { CallResult } from '../../harness/calls/record.ts';
import { parseScenario } from '../../harness/calls/scenario.ts';
import { compareRows, verdict, type KernelRun } from '../../harness/reports/compare.ts';
import { formatMatrix, matrixJson } from '../../harness/reports/matrix.ts';
import type { RunStep } from '../../harness/reports/run.ts';

function report(kernel: KernelId, _step: number, answer: string): RunStep {
  const result: CallResult = answer.startsWith('0x')
    ? { kind: 'success', ret: Number(answer) }
    : answer === 'oops'
      ? { kind: 'crash', crash: 'oops', console: 'kernel BUG at vmalloc.c:242!\n', detail: 'the kernel crashed' }
      : { kind: 'errno', errno: ERRNO[answer as ErrnoName], errnoName: answer, during: 'call' };
  return {
    kind: 'call',
    call: { call: 'create_module', name: { kind: 'string', text: 'm' }, size: 4096, uid: 0 },
    kernel,
    machine: 1,
    result,
    recovered: result.kind === 'crash',
    elapsedMs: 1,
    console: result.kind === 'crash' ? result.console : '',
    procModules: '',
  };
}

const scenario = parseScenario(JSON.stringify({
  steps: [
    { call: 'create_module', name: 'm', size: 4096, manPage: { errno: null, says: 'an address' } },
    { call: 'create_module', name: 'big', size: 1, manPage: { errno: 'ENOMEM', says: 'no memory' }, note: 'too big' },
    { call: 'create_module', name: '', size: 4096 },
  ],
}));

const runs: KernelRun[] = [
  { kernel: '2.4.20', steps: [report('2.4.20', 0, '0xc8800000'), report('2.4.20', 1, 'oops'), report('2.4.20', 2, 'EINVAL')] },
  { kernel: '2.4.27', steps: [report('2.4.27', 0, '0xc880d000'), report('2.4.27', 1, 'ENOMEM'), report('2.4.27', 2, 'EINVAL')] },
  { kernel: '2.4.18', steps: [report('2.4.18', 0, '0xc880f000'), report('2.4.18', 1, 'oops'), report('2.4.18', 2, 'EINVAL')] },
  { kernel: '6.1', steps: [report('6.1', 0, 'ENOSYS'), report('6.1', 1, 'ENOSYS'), report('6.1', 2, 'ENOSYS')] },
];

test('rows differ only where the kernels with the call disagree; addresses count as one answer', () => {
  const rows = compareRows(scenario, runs);
  assert.deepEqual(rows.map((r) => r.differs), [false, true, false]);
  assert.equal(rows[1]?.cells['2.4.27']?.odd, true);
  assert.equal(rows[1]?.cells['2.4.20']?.odd, false);
  assert.equal(rows[0]?.cells['6.1']?.odd, false, 'a kernel without the call is left out of the comparison');
});

test('verdicts: as documented, differs, ENOSYS only where the call is gone, undocumented without a claim', () => {
  const rows = compareRows(scenario, runs);
  assert.equal(rows[0]?.cells['2.4.20']?.verdict, 'as-documented');
  assert.equal(rows[1]?.cells['2.4.20']?.verdict, 'differs');
  assert.equal(rows[1]?.cells['2.4.27']?.verdict, 'as-documented');
  assert.equal(rows[0]?.cells['6.1']?.verdict, 'as-documented');
  assert.equal(rows[2]?.cells['2.4.27']?.verdict, 'undocumented');
  assert.equal(verdict({ errno: 'ENOSYS', says: 'gone' }, '2.4.20', report('2.4.20', 0, '0xc8800000')), 'not-applicable');
});

test('a kernel that did not run shows as such, and the others still compare', () => {
  const rows = compareRows(scenario, [runs[0] as KernelRun, { kernel: '2.4.27', error: 'no image', reason: 'image' }]);
  assert.equal(rows[0]?.cells['2.4.27'], null);
  const text = formatMatrix(rows, [runs[0] as KernelRun, { kernel: '2.4.27', error: 'no image', reason: 'image' }]);
  assert.match(text, /did not run/);
  assert.match(text, /2\.4\.27 did not run: no image/);
});

test('the text matrix marks rows, odd cells and verdicts; the JSON has a field per kernel', () => {
  const rows = compareRows(scenario, runs);
  const text = formatMatrix(rows, runs);
  assert.match(text, /^≠\s+1\s+create_module\("m", 4096\)\s+ENOMEM\s+oops ✗\s+ENOMEM ✓\*\s+oops ✗\s+ENOSYS ✓$/m);
  assert.match(text, /2\.4\.20: oops: kernel BUG at vmalloc\.c:242!/);
  assert.match(text, /ENOMEM: “no memory”\n\s+too big/);
  const json = matrixJson(rows, runs).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(json.length, 3);
  assert.deepEqual(Object.keys(json[1] ?? {}), ['step', 'call', 'differs', 'manPage', 'note', '2.4.20', '2.4.27', '2.4.18', '6.1']);
  assert.equal((json[2]?.['2.4.27'] as { verdict: string }).verdict, 'undocumented');
});

test("the man page's ENOSYS row says which kernels are before 2.6 and which after, with each one's answer", () => {
  const boundary = parseScenario(JSON.stringify({
    steps: [{ call: 'create_module', name: 'current', size: 4096, manPage: { errno: 'ENOSYS', says: 'not supported (Linux 2.6 or later)' } }],
  }));
  const five: KernelRun[] = [
    { kernel: '2.4.18', steps: [report('2.4.18', 0, '0xc880f000')] },
    { kernel: '2.4.27', steps: [report('2.4.27', 0, '0xc880d000')] },
    { kernel: '2.6.17', steps: [report('2.6.17', 0, 'ENOSYS')] },
    { kernel: '6.1', steps: [report('6.1', 0, 'ENOSYS')] },
  ];
  const text = formatMatrix(compareRows(boundary, five), five);
  assert.match(text, /before 2\.6 \(the call exists\): 2\.4\.18 0xc880f000, 2\.4\.27 0xc880d000; 2\.6 and later \(gone\): 2\.6\.17 ENOSYS, 6\.1 ENOSYS$/m);
  // Only that row gets the line.
  assert.doesNotMatch(formatMatrix(compareRows(scenario, runs), runs), /before 2\.6/);
});
