/**
 * Whether v86's JIT runs during a boot (see setJit in harness/machine/v86-config.ts):
 * a default boot is interpreted from the first instruction, `jitDuringBoot`
 * (the CLI's choice, under Liftoff-only V8) compiles, and both reach the same answers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boot } from '../../node/boot.ts';
import { onJitCompile } from './jit-compiles.ts';

/** The wasm modules v86's JIT has emitted, in every machine started from here on. */
let compiled = 0;
onJitCompile(() => compiled++);

async function bootCounting(jitDuringBoot: boolean): Promise<{ duringBoot: number; duringCalls: number; answers: string[] }> {
  compiled = 0;
  const m = await boot({ kernel: '2.4.20', snapshots: null, jitDuringBoot });
  try {
    const duringBoot = compiled;
    const answers: string[] = [];
    for (let i = 0; i < 30; i++) {
      const made = await m.createModule('jit', 4096);
      const gone = await m.deleteModule('jit');
      if (i === 0) answers.push(JSON.stringify(made.result), JSON.stringify(gone.result));
    }
    return { duringBoot, duringCalls: compiled - duringBoot, answers };
  } finally {
    await m.close();
  }
}

test('2.4.20: a default boot is interpreted, jitDuringBoot compiles, the answers are the same', async () => {
  const interpreted = await bootCounting(false);
  const compiling = await bootCounting(true);
  assert.equal(interpreted.duringBoot, 0, 'a default boot emits no wasm');
  assert.ok(compiling.duringBoot > 10, `jitDuringBoot emits wasm while booting (${compiling.duringBoot} modules)`);
  assert.equal(interpreted.duringCalls, 0, 'calls after a default boot are interpreted');
  assert.equal(compiling.duringCalls, 0, 'the JIT goes off once the agent is ready, as without keepJit');
  assert.deepEqual(interpreted.answers, compiling.answers);
  assert.equal(interpreted.answers[0], JSON.stringify({ kind: 'success', ret: 0xc8800000 }));
});
