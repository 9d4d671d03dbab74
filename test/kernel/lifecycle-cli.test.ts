/**
 * The life-cycle scenario through `modlab run --json` on the three 2.4
 * kernels, and `modlab lifecycle --json`: the hello module loads, says so on
 * the console, shows in /proc/modules, and goes away again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { StepReport } from '../../harness/reports/step-report.ts';
import { LONG } from './man-page.ts';
import { modlab } from './run-cli.ts';

const SCENARIO = fileURLToPath(new URL('../../scenarios/module-lifecycle.json', import.meta.url));


const lines = (s: string): Array<StepReport & { link?: { symbols: Array<{ name: string; foundAs: string }> } }> =>
  s.trim().split('\n').map((l) => JSON.parse(l) as StepReport);

for (const kernel of ['2.4.20', '2.4.27', '2.4.18']) {
  test(`modlab run: the life-cycle scenario loads and removes hello on ${kernel}`, LONG, async () => {
    const r = await modlab(['run', SCENARIO, '--kernel', kernel, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const steps = lines(r.stdout);
    assert.deepEqual(steps.map((s) => (s.ok ? 'ok' : s.errnoName)), ['ok', 'ok', 'ok', 'ok', 'ok', 'ENOENT']);
    const [create, init, info, syms, del] = steps;
    assert.match(create?.procModules ?? '', /^hello\s+\d+ \(uninitialized\)$/m);
    assert.match(init?.console ?? '', /modlab hello: init_module ran at c8[0-9a-f]{6}/);
    assert.match(init?.procModules ?? '', /^hello\s+\d+\s+0 \(unused\)$/m);
    assert.equal(info?.data?.kind === 'info' && info.data.addr, Number(create?.ret));
    assert.equal(syms?.data?.kind === 'symbols' && syms.data.symbols[0]?.name, 'modlab_hello_greet');
    assert.match(del?.console ?? '', /modlab hello: cleanup_module ran/);
    assert.equal(del?.procModules, '');
  });
}

test('modlab lifecycle --json: five steps, each with /proc/modules and the kernel log', LONG, async () => {
  const r = await modlab(['lifecycle', '--kernel', '2.4.27', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const steps = lines(r.stdout);
  assert.deepEqual(steps.map((s) => s.call), ['create_module', 'link', 'init_module', 'query_module', 'delete_module']);
  for (const s of steps) {
    assert.equal(typeof s.procModules, 'string', `${s.call} carries procModules`);
    assert.equal(typeof s.console, 'string', `${s.call} carries console`);
  }
  assert.match(steps[1]?.link?.symbols.find((s) => s.name === 'printk')?.foundAs ?? '', /^printk_R[0-9a-f]{8}$/);
});
