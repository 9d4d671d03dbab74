/**
 * The CLI contract on real kernels: `modlab run --json` over the man-page
 * scenario on all four kernels, the readable table, and `modlab kernels`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { StepReport } from '../../harness/reports/step-report.ts';
import { LONG } from './man-page.ts';
import { modlab } from './run-cli.ts';

const SCENARIO = fileURLToPath(new URL('../../scenarios/man-page-errors.json', import.meta.url));


function answers(stdout: string): string[] {
  return stdout.trim().split('\n').map((line) => {
    const r = JSON.parse(line) as StepReport;
    return r.crash ?? (r.ok ? 'ok' : (r.errnoName as string));
  });
}

// What each kernel really answered to the scenario's steps (see scenarios/man-page-errors.json).
const EXPECTED: Record<string, string[]> = {
  '2.4.20': ['ok', 'EEXIST', 'EFAULT', 'EFAULT', 'EINVAL', 'EINVAL', 'EPERM', 'oops', 'ENOENT'],
  '2.4.27': ['ok', 'EEXIST', 'EFAULT', 'EFAULT', 'EINVAL', 'EINVAL', 'EPERM', 'ENOMEM', 'ok'],
  '2.4.18': ['ok', 'EEXIST', 'EFAULT', 'EFAULT', 'EINVAL', 'EINVAL', 'EPERM', 'oops', 'ENOENT'],
  '2.6.17': ['ENOSYS', 'ENOSYS', 'ENOSYS', 'ENOSYS', 'ENOSYS', 'ENOSYS', 'ENOSYS', 'ENOSYS', 'ENOENT'],
  '6.1': ['ENOSYS', 'ENOSYS', 'ENOSYS', 'ENOSYS', 'ENOSYS', 'ENOSYS', 'ENOSYS', 'ENOSYS', 'ENOENT'],
};

for (const [kernel, expected] of Object.entries(EXPECTED)) {
  test(`modlab run --json: the man-page scenario on ${kernel}`, LONG, async () => {
    const r = await modlab(['run', SCENARIO, '--kernel', kernel, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(answers(r.stdout), expected);
    const steps = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as StepReport);
    for (const [i, s] of steps.entries()) {
      assert.equal(s.step, i);
      assert.equal(s.kernel, kernel);
      assert.equal(typeof s.elapsedMs, 'number');
    }
    const first = steps[0] as StepReport;
    if (first.ok) assert.match(first.ret ?? '', /^0xc[89a-f][0-9a-f]{6}$/);
    else assert.deepEqual([first.ret, first.errno], ['-1', 38]);
    const crash = steps.find((s) => s.crash);
    if (crash) {
      // A crash carries the console text; later steps ran on the clean machine that took over.
      assert.equal(crash.recovered, true);
      assert.match(crash.console ?? '', /kernel BUG at vmalloc\.c/);
      for (const later of steps.slice(crash.step + 1)) assert.equal(later.machine, crash.machine + 1);
    }
  });
}

test('modlab call prints a readable table', LONG, async () => {
  const r = await modlab(['call', 'create_module', 'hello', '4096', '--kernel', '2.4.27']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^kernel 2\.4\.27: Linux 2\.4\.27-rudefault, ready in [\d.]+ s$/m);
  assert.match(r.stdout, /create_module\("hello", 4096\)\s+= 0xc[89a-f][0-9a-f]{6}/);
});

test('modlab kernels lists every kernel and whether its image is here', LONG, async () => {
  const r = await modlab(['kernels', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; available: boolean; default: boolean });
  assert.deepEqual(rows.map((k) => k.id), ['2.4.18', '2.4.20', '2.4.27', '2.6.17', '6.1']);
  assert.equal(rows.filter((k) => k.default).map((k) => k.id)[0], '2.4.20');
  for (const k of rows) assert.equal(k.available, true, `${k.id} should be available from the cache or mirror`);
});
