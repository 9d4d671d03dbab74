/**
 * Load and random input on real machines: 10,000 calls in one session,
 * several callers at once on one machine, and random call sequences
 * (fast-check, seeded) through the API, crashes included. Whatever is issued
 * at once must be answered as if issued one at a time on a clean machine:
 * no result lost, duplicated or handed to the wrong caller, nothing hung, and
 * memory flat.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Call } from '../../harness/calls/model.ts';
import type { Machine } from '../../harness/machine/machine.ts';
import { boot } from '../../node/boot.ts';
import type { CallRecord } from '../../harness/calls/record.ts';
import { LONG, VMALLOC_END, VMALLOC_START } from './man-page.ts';

type NameArg = Extract<Call, { call: 'delete_module' }>['name'];
const name = (text: string): NameArg => ({ kind: 'string', text });
const answer = (r: CallRecord): string => (r.result.kind === 'success' ? 'ok' : r.result.kind === 'errno' ? r.result.errnoName : `crash:${r.result.crash}`);
const inVmalloc = (n: number): boolean => n >= VMALLOC_START && n < VMALLOC_END;

/**
 * A call's answer as two runs of the same calls must give it: where it ran
 * (machines after the first: crashes before it), the outcome class (value,
 * errno name, crash kind) and what the call wrote. With `exactAddresses`
 * false, module addresses (anything in the vmalloc area) only count as such.
 */
function outcome(r: CallRecord, firstMachine: number, exactAddresses: boolean): string {
  const at = `machine ${r.machine - firstMachine}`;
  const res = r.result;
  if (res.kind === 'crash') return `${at}: crash ${res.crash}${r.recovered ? ', recovered' : ', NOT recovered'}`;
  const value = (n: number): string => (!exactAddresses && inVmalloc(n) ? 'vmalloc address' : `0x${n.toString(16)}`);
  const data = res.data ? ` ${JSON.stringify(res.data, (_, v: unknown) => (typeof v === 'number' ? value(v) : v))}` : '';
  if (res.kind === 'errno') return `${at}: ${res.errnoName} during ${res.during}${data}`;
  return `${at}: ${value(res.ret)}${data}`;
}

/** The call as the record shows it is the call that was made (a module image shows as the bytes linked for it). */
function assertSameCall(made: Call, recorded: Call, what: string): void {
  if (made.call === 'init_module' && made.image.kind === 'module') {
    assert.ok(recorded.call === 'init_module' && recorded.image.kind === 'bytes', `${what}: init_module with the linked image`);
    assert.deepEqual({ ...recorded, image: null }, { ...made, image: null }, what);
    return;
  }
  assert.deepEqual(recorded, made, what);
}

/** Deterministic numbers for the callers' choices (xorshift32): the same calls on every run. */
function numbers(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

/**
 * Eight callers, each issuing its calls in bursts without waiting inside a
 * burst, so that the callers' calls interleave on the machine's queue. The
 * log holds every call in the order it was issued, which is the order the
 * machine runs them in.
 */
async function eightCallers(m: Machine, bursts: number, perBurst: number, pick: (caller: number, i: number) => Call): Promise<{ log: Array<{ caller: number; call: Call; record: CallRecord }>; mine: CallRecord[][] }> {
  const log: Array<{ caller: number; call: Call; record: CallRecord | null }> = [];
  const mine = await Promise.all(
    Array.from({ length: 8 }, async (_, caller) => {
      const records: CallRecord[] = [];
      for (let b = 0; b < bursts; b++) {
        const burst = Array.from({ length: perBurst }, (_, k) => {
          const call = pick(caller, b * perBurst + k);
          const entry = { caller, call, record: null as CallRecord | null };
          log.push(entry);
          return m.call(call).then((record) => (entry.record = record));
        });
        records.push(...(await Promise.all(burst)));
      }
      return records;
    }),
  );
  return { log: log.map((e) => ({ ...e, record: e.record as CallRecord })), mine };
}

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

test('eight callers at once, sharing names: each name created once, every other attempt EEXIST, each module listed once', LONG, async (t) => {
  const m = await boot({ kernel: '2.4.20' });
  try {
    const machine = m.generation;
    const t0 = performance.now();
    // 16 names, each caller going through them in its own order: every name is asked for by several callers.
    const names = Array.from({ length: 16 }, (_, i) => `shared_${i}`);
    const { log, mine } = await eightCallers(m, 4, 10, (c, i) => ({ call: 'create_module', name: name(names[(c * 5 + i * 3) % 16] as string), size: 4096 + 4096 * (c % 2), uid: 0 }));
    t.diagnostic(`${log.length} calls from 8 callers at once in ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(log.length, 320);

    // Each caller got the records of its own calls, in its own order.
    for (let c = 0; c < 8; c++) {
      const own = log.filter((e) => e.caller === c);
      assert.equal(mine[c]?.length, own.length);
      own.forEach((e, i) => assertSameCall(e.call, mine[c]?.[i]?.call as Call, `caller ${c}, call ${i}`));
    }
    // The first create of a name, in the order the machine ran them, made it; every later one found it.
    const created = new Map<string, { address: number; size: number }>();
    log.forEach(({ call, record }, i) => {
      assert.ok(call.call === 'create_module' && call.name.kind === 'string');
      assert.equal(record.machine, machine, 'no crash');
      if (!created.has(call.name.text)) {
        assert.equal(answer(record), 'ok', `call ${i}: the first create_module("${call.name.text}")`);
        const ret = record.result.kind === 'success' ? record.result.ret : 0;
        assert.ok(inVmalloc(ret), `call ${i}: address 0x${ret.toString(16)}`);
        created.set(call.name.text, { address: ret, size: call.size as number });
      } else {
        assert.equal(answer(record), 'EEXIST', `call ${i}: create_module("${call.name.text}") again`);
      }
    });
    const counts = (want: string) => log.filter((e) => answer(e.record) === want).length;
    assert.equal(created.size, names.length, 'every name was asked for');
    assert.equal(counts('ok'), names.length, 'one success per name');
    assert.equal(counts('EEXIST'), log.length - names.length, 'EEXIST for each duplicate, and for nothing else');
    assert.equal(new Set([...created.values()].map((v) => v.address)).size, names.length, 'no two modules at one address');

    // The kernel agrees: each name listed exactly once, with the size its creator asked for...
    const listed = (await m.readProcModules()).trim().split('\n').map((l) => l.split(/\s+/));
    assert.deepEqual(listed.map((f) => f[0]).sort(), [...names].sort(), '/proc/modules: each name once, nothing else');
    for (const [n, size] of listed) assert.equal(Number(size), created.get(n as string)?.size, `${n}'s size`);
    // ...and at the address its creator was told (an answer handed to the wrong caller would not match).
    for (const [n, { address }] of created) {
      const info = await m.call({ call: 'query_module', name: name(n), which: 'QM_INFO', bufsize: 16, uid: 0 });
      const d = info.result.kind === 'success' ? info.result.data : undefined;
      assert.equal(d?.kind === 'info' ? d.addr : null, address, `QM_INFO of ${n}`);
    }
  } finally {
    await m.close();
  }
});

test('eight callers at once, creating, deleting and querying: every answer equals the one the same call gets alone', LONG, async (t) => {
  const m = await boot({ kernel: '2.4.20' });
  try {
    const random = numbers(20240611);
    const pool = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
    const pick = (): Call => {
      const n = name(pool[Math.floor(random() * pool.length)] as string);
      const r = random();
      if (r < 0.45) return { call: 'create_module', name: n, size: 4096, uid: 0 };
      if (r < 0.75) return { call: 'delete_module', name: n, uid: 0 };
      if (r < 0.9) return { call: 'query_module', name: n, which: 'QM_INFO', bufsize: 16, uid: 0 };
      return { call: 'query_module', name: { kind: 'null' }, which: 'QM_MODULES', bufsize: 4096, uid: 0 };
    };
    await m.reset();
    const first = m.generation;
    const { log } = await eightCallers(m, 5, 8, () => pick());
    const together = log.map((e) => outcome(e.record, first, true));
    log.forEach((e, i) => assertSameCall(e.call, e.record.call, `call ${i}`));
    const procTogether = await m.readProcModules();

    // The same calls, one at a time, in the order the machine ran them, on a clean machine.
    await m.reset();
    const alone: string[] = [];
    for (const e of log) alone.push(outcome(await m.call(e.call), m.generation, true));
    assert.deepEqual(together, alone);
    assert.equal(procTogether, await m.readProcModules(), 'the kernel ends in the same state');

    // Not a vacuous comparison: the calls met each of these answers.
    const kinds = new Set(log.map((e) => `${e.call.call} ${answer(e.record)}`));
    for (const k of ['create_module ok', 'create_module EEXIST', 'delete_module ok', 'delete_module ENOENT', 'query_module ok', 'query_module ENOENT']) assert.ok(kinds.has(k), `some call answered ${k}`);
    t.diagnostic(`${log.length} calls from 8 callers; answers: ${[...kinds].sort().join(', ')}`);
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
// fc.record makes objects without a prototype: spread into plain ones, as a caller's would be.
const callArb: fc.Arbitrary<Call> = fc.oneof<fc.Arbitrary<Call>[]>(
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
).map((c): Call => ({ ...c }));

/** The property's seed: a fixed default, so that every run makes the same calls; MODLAB_SEED picks another. */
const DEFAULT_SEED = 1711;
function seed(): number {
  const raw = process.env.MODLAB_SEED?.trim();
  if (!raw) return DEFAULT_SEED;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`MODLAB_SEED must be a whole number, got ${JSON.stringify(raw)}`);
  return n | 0;
}

/** A call, or init exiting (the kernel panics): a step of a sequence. */
type Step = { kind: 'call'; call: Call } | { kind: 'panic' };

/**
 * Steps that crash 2.4.20 for real: a create_module whose size vmalloc()
 * BUGs on (an oops; the name is one the random calls never use, so the call
 * gets as far as vmalloc), or init exiting (a panic).
 */
const crashArb: fc.Arbitrary<Step> = fc.oneof(
  fc.constantFrom(0xffffffff, 0x10000000).map((size): Step => ({ kind: 'call', call: { call: 'create_module', name: name('modlab_crash'), size, uid: 0 } })),
  fc.constant<Step>({ kind: 'panic' }),
);

/** Random calls with one or two crashing steps put in among them. */
const sequenceArb: fc.Arbitrary<Step[]> = fc
  .tuple(fc.array(callArb, { minLength: 1, maxLength: 8 }), fc.array(fc.tuple(crashArb, fc.nat()), { minLength: 1, maxLength: 2 }))
  .map(([calls, crashes]) => {
    const steps: Step[] = calls.map((call) => ({ kind: 'call', call }));
    for (const [crash, at] of crashes) steps.splice(at % (steps.length + 1), 0, crash);
    return steps;
  });

/** Runs `steps` on a clean machine, all issued at once or each after the last answer; the answers as outcome() has them. */
async function runSteps(m: Machine, steps: Step[], atOnce: boolean): Promise<{ answers: string[]; crashes: number }> {
  await m.reset();
  const first = m.generation;
  const one = async (s: Step): Promise<string> => {
    if (s.kind === 'panic') {
      const p = await m.panicInit();
      assert.match(p.console, /Kernel panic/);
      return `panic: crash ${p.crash}`;
    }
    const r = await m.call(s.call);
    assertSameCall(s.call, r.call, 'the record shows the call made');
    assert.equal(r.recovered, r.result.kind === 'crash', 'recovered exactly when it crashed');
    if (r.result.kind === 'crash') assert.ok(r.result.console.length > 0, 'a crash comes with its console text');
    if (s.call.call === 'create_module' && r.result.kind === 'success') assert.ok(inVmalloc(r.result.ret), `create_module gave 0x${r.result.ret.toString(16)}`);
    return outcome(r, first, false);
  };
  const answers: string[] = [];
  if (atOnce) answers.push(...(await Promise.all(steps.map(one))));
  else for (const s of steps) answers.push(await one(s));
  return { answers, crashes: answers.filter((a) => /crash/.test(a)).length };
}

test('random call sequences with crashes among them: issued at once, each answer is the one it gets issued alone', { timeout: 600_000 }, async (t) => {
  const SEED = seed();
  t.diagnostic(`seed ${SEED} (MODLAB_SEED=${SEED} replays this run; set another to explore)`);
  const m = await boot({ kernel: '2.4.20', callTimeoutMs: 20_000 });
  const perRun: number[] = [];
  const crashKinds: Record<string, number> = {};
  let calls = 0;
  try {
    await fc.assert(
      fc.asyncProperty(sequenceArb, async (steps) => {
        const together = await runSteps(m, steps, true);
        // The same steps one at a time, each after the last answer, from a clean machine again.
        const alone = await runSteps(m, steps, false);
        assert.deepEqual(together.answers, alone.answers);
        assert.ok(together.crashes >= 1, 'every sequence crashes the kernel at least once');
        perRun.push(together.crashes);
        for (const a of together.answers) {
          const kind = /crash (\w+)/.exec(a)?.[1];
          if (kind) crashKinds[kind] = (crashKinds[kind] ?? 0) + 1;
        }
        calls += steps.length;
      }),
      { seed: SEED, numRuns: 25 },
    );
    const crashes = perRun.reduce((a, b) => a + b, 0);
    const kinds = Object.entries(crashKinds).map(([k, n]) => `${n} ${k}`).join(', ');
    t.diagnostic(`seed ${SEED}: ${perRun.length} sequences, ${calls} steps, ${crashes} crashes (${kinds}) recovered from, ${Math.min(...perRun)} to ${Math.max(...perRun)} per sequence; each sequence run twice: at once and one by one`);
  } finally {
    await m.close();
  }
});
