/**
 * Load and random input on real machines: 10,000 calls in one session,
 * several callers at once on one machine, and random call sequences
 * (fast-check) through the API. No result may be lost, duplicated or
 * misplaced, nothing may hang, and memory must stay flat.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Call, NameArg } from '../../harness/calls/model.ts';
import { boot } from '../../node/boot.ts';
import type { CallRecord } from '../../harness/calls/record.ts';
import { LONG } from './man-page.ts';

const name = (text: string): NameArg => ({ kind: 'string', text });
const answer = (r: CallRecord): string => (r.result.kind === 'success' ? 'ok' : r.result.kind === 'errno' ? r.result.errnoName : `crash:${r.result.crash}`);

test('10,000 calls in one session: every answer right, none lost, memory flat', { timeout: 600_000 }, async (t) => {
  const m = await boot({ kernel: '2.4.27' });
  try {
    const heap = (): number => process.memoryUsage().heapUsed;
    const t0 = performance.now();
    let wrong = 0;
    let heapAfterWarmup = 0;
    for (let i = 0; i < 5000; i++) {
      if (answer(await m.createModule('load', 4096)) !== 'ok') wrong++;
      if (answer(await m.deleteModule('load')) !== 'ok') wrong++;
      if (i === 500) {
        global.gc?.();
        heapAfterWarmup = heap();
      }
    }
    const ms = performance.now() - t0;
    global.gc?.();
    const growth = (heap() - heapAfterWarmup) / 1024 / 1024;
    t.diagnostic(`10000 calls in ${(ms / 1000).toFixed(1)} s: ${(ms / 10000).toFixed(3)} ms per call; heap growth after warm-up ${growth.toFixed(1)} MiB`);
    assert.equal(wrong, 0);
    assert.equal(m.generation, 1);
    assert.ok(growth < 8, `heap grew ${growth.toFixed(1)} MiB over 9,000 calls`);
    assert.equal(await m.readProcModules(), '');
  } finally {
    await m.close();
  }
});

test('eight callers at once on one machine: each gets its own answers, in its own order', LONG, async (t) => {
  const m = await boot({ kernel: '2.4.20' });
  try {
    const t0 = performance.now();
    const callers = Array.from({ length: 8 }, async (_, c) => {
      const mine: string[] = [];
      const pending: Array<Promise<CallRecord>> = [];
      for (let i = 0; i < 60; i++) {
        // Issued without waiting: the machine queues them in order.
        pending.push(m.createModule(`c${c}_${i % 3}`, 4096));
      }
      for (const r of await Promise.all(pending)) mine.push(`${r.call.call === 'create_module' && r.call.name.kind === 'string' ? r.call.name.text : '?'}:${answer(r)}`);
      return mine;
    });
    const results = await Promise.all(callers);
    t.diagnostic(`480 concurrent calls in ${(performance.now() - t0).toFixed(0)} ms`);
    results.forEach((mine, c) => {
      // Each caller's first call of a name creates it; its repeats find it.
      const expected = Array.from({ length: 60 }, (_, i) => `c${c}_${i % 3}:${i < 3 ? 'ok' : 'EEXIST'}`);
      assert.deepEqual(mine, expected, `caller ${c}`);
    });
    const listed = (await m.readProcModules()).trim().split('\n');
    assert.equal(listed.length, 24, 'eight callers × three names, no more, no less');
  } finally {
    await m.close();
  }
});

const nameArb: fc.Arbitrary<NameArg> = fc.oneof(
  fc.constantFrom('a', 'fz', 'hello', '').map(name),
  fc.string({ maxLength: 40 }).map(name),
  fc.constant<NameArg>({ kind: 'null' }),
  fc.constantFrom(0xffffffff, 0xc0100000, 0x1000).map((address): NameArg => ({ kind: 'pointer', address })),
);
const callArb: fc.Arbitrary<Call> = fc.oneof(
  fc.record({ call: fc.constant('create_module' as const), name: nameArb, size: fc.oneof(fc.constantFrom(0, 10, 4096, 0x10000000, 0xffffffff), fc.nat({ max: 1 << 20 })), uid: fc.constantFrom(0, 0, 65534) }),
  fc.record({ call: fc.constant('delete_module' as const), name: nameArb, uid: fc.constantFrom(0, 0, 65534) }),
  fc.record({
    call: fc.constant('query_module' as const),
    name: nameArb,
    which: fc.oneof(fc.constantFrom('QM_MODULES' as const, 'QM_INFO' as const, 'QM_SYMS' as const, 'QM_REFS' as const), fc.nat({ max: 9 })),
    bufsize: fc.constantFrom(0, 16, 4096),
    uid: fc.constantFrom(0, 65534),
  }),
  fc.record({ call: fc.constant('init_module' as const), name: nameArb, image: fc.constantFrom({ kind: 'null' as const }, { kind: 'module' as const, module: 'hello' as const }), uid: fc.constant(0) }),
  fc.record({ call: fc.constant('get_kernel_syms' as const), table: fc.constant(null), uid: fc.constant(0) }),
);

test('random call sequences on a real kernel: exactly one result each, in order, and no hang', { timeout: 600_000 }, async (t) => {
  const m = await boot({ kernel: '2.4.20', callTimeoutMs: 20_000 });
  let calls = 0;
  let crashes = 0;
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(callArb, { minLength: 1, maxLength: 8 }), async (seq) => {
        await m.reset();
        // All issued at once: the queue must answer each exactly once, in order.
        const records = await Promise.all(seq.map((c) => m.call(c)));
        assert.equal(records.length, seq.length);
        records.forEach((r, i) => assert.equal(r.call.call, seq[i]?.call));
        calls += records.length;
        crashes += records.filter((r) => r.result.kind === 'crash').length;
      }),
      { numRuns: 25 },
    );
    t.diagnostic(`${calls} random calls, ${crashes} of them crashed the kernel and were recovered from`);
  } finally {
    await m.close();
  }
});
