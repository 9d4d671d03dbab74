/**
 * Hostile input (issue 12): JSON nested past the stack, numbers too large for
 * a buffer, and a run that fails half way. Each is refused or reported in a
 * sentence before any kernel boots, or (the failed run) keeps what it got.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { quote } from '../../harness/calls/args.ts';
import { callFromJson, checkCall, type Call } from '../../harness/calls/model.ts';
import type { CallRecord } from '../../harness/calls/record.ts';
import { jsonNesting, MAX_SCENARIO_DEPTH, parseScenario } from '../../harness/calls/scenario.ts';
import { BootError, InputError } from '../../harness/errors.ts';
import type { Machine } from '../../harness/machine/machine.ts';
import { runOn } from '../../cli/main.ts';

const BIN = fileURLToPath(new URL('../../bin/modlab.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'modlab-hostile-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const DEEP = 5000;
/** `depth` arrays inside each other, as text (10 KB at 5,000). */
const deepText = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepValue = (depth: number): unknown => JSON.parse(deepText(depth));

function modlab(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, MODLAB_NO_DOWNLOAD: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function scenarioFile(text: string): string {
  const file = join(tmp, `s${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, text);
  return file;
}

test('quote() never throws: a value too deep, cyclic or a BigInt is shown by its outline', () => {
  const deep = quote(deepValue(DEEP));
  assert.match(deep, /^\[\[\[\[…\]\]\]\]$/);
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic['self'] = cyclic;
  assert.equal(quote(cyclic), '{"a":1,"self":{"a":1,"self":{"a":1,"self":{…}}}}');
  assert.equal(quote(10n), '10n');
  assert.equal(quote({ toJSON: () => { throw new Error('no'); } }), '{"toJSON":function}');
  // Short and ordinary values are quoted as before.
  assert.equal(quote('hello'), '"hello"');
  assert.equal(quote('x'.repeat(100)), `"${'x'.repeat(59)}…(102 characters)`);
  // A wide value is cut short like a long one.
  const wide = quote(Array.from({ length: 10_000 }, () => [[['x']]]));
  assert.match(wide, /^\[\[\[\["x"\]\]\],.*…\(100001 characters\)$/);
});

test('every field that quotes its value refuses a deep value with an InputError, not a RangeError', () => {
  const d = deepValue(DEEP);
  const steps: Array<[string, Record<string, unknown>, RegExp]> = [
    ['call', { call: d }, /"call" must be one of/],
    ['name', { call: 'create_module', name: d, size: 1 }, /"name" must be a string/],
    ['which', { call: 'query_module', name: 'x', which: d }, /"which" must be one of QM_MODULES/],
    ['size.module', { call: 'create_module', name: 'x', size: { module: d } }, /"size"\."module" must be one of hello/],
  ];
  for (const [what, raw, message] of steps) {
    assert.throws(() => callFromJson(raw, 'step 0'), (e: unknown) => e instanceof InputError && message.test(e.message), what);
  }
  assert.throws(() => checkCall({ call: d }), InputError);
});

test('jsonNesting counts brackets outside strings only', () => {
  assert.equal(jsonNesting('{"steps": [{"name": "[[[[{{{{"}]}'), 3);
  assert.equal(jsonNesting('{"a": "\\"[[["}'), 1);
  assert.equal(jsonNesting(deepText(DEEP)), DEEP);
  assert.equal(jsonNesting('42'), 0);
});

test('a scenario nested 5,000 deep is refused for its depth, wherever the depth is', () => {
  const places = [
    `{"kernel": ${deepText(DEEP)}, "steps": []}`,
    `{"steps": [{"call": ${deepText(DEEP)}}]}`,
    `{"steps": [{"call": "create_module", "name": "x", "size": 1, "manPage": {"errno": ${deepText(DEEP)}, "says": "s"}}]}`,
    deepText(DEEP),
  ];
  // The count includes the scenario's own levels around the deep value.
  for (const [text, levels] of places.map((t) => [t, jsonNesting(t)] as const)) {
    assert.ok(levels >= DEEP, text.slice(0, 40));
    assert.throws(
      () => parseScenario(text, 'deep.json'),
      (e: unknown) => e instanceof InputError && e.message === `deep.json nests its JSON ${levels} levels deep, more than the ${MAX_SCENARIO_DEPTH} a scenario may use`,
    );
  }
  // The deepest real shape still parses.
  const ok = parseScenario('{"steps": [{"call": "create_module", "name": {"repeat": "n", "times": 3}, "size": 1, "manPage": {"errno": null, "says": "s"}}]}');
  assert.equal(ok.steps.length, 1);
});

test('modlab run refuses a 5,000-deep scenario with exit 2 and one sentence', () => {
  const r = modlab(['run', scenarioFile(`{"steps": [{"call": "create_module", "name": ${deepText(DEEP)}, "size": 1}]}`)]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^modlab: .*nests its JSON 5003 levels deep, more than the 32 a scenario may use\n$/);
  assert.doesNotMatch(r.stderr, /RangeError|\n\s+at /);
  assert.equal(r.stdout, '');
});

const BIG = 4294967295;

test('bufsize and table of 4294967295 are refused at parse time, naming the step', () => {
  const first = [{ call: 'create_module', name: 'a', size: 1 }, { call: 'create_module', name: 'b', size: 1 }, { call: 'delete_module', name: 'a' }];
  for (const [bad, message] of [
    [{ call: 'query_module', name: 'x', which: 'QM_INFO', bufsize: BIG }, /^step 3: "bufsize" must be between 0 and \d+/],
    [{ call: 'get_kernel_syms', table: BIG }, /^step 3: "table" must be between 0 and \d+/],
  ] as const) {
    assert.throws(() => parseScenario(JSON.stringify({ steps: [...first, bad] })), (e: unknown) => e instanceof InputError && message.test(e.message));
  }
});

test('modlab run refuses a too-large bufsize in step 3 with exit 2 before step 0 runs', () => {
  const steps = [
    { call: 'create_module', name: 'a', size: 1 },
    { call: 'create_module', name: 'b', size: 1 },
    { call: 'delete_module', name: 'a' },
    { call: 'query_module', name: 'x', which: 'QM_INFO', bufsize: BIG },
  ];
  const r = modlab(['run', scenarioFile(JSON.stringify({ steps }))]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /step 3: "bufsize" must be between 0 and/);
  // Nothing booted: the "kernel …: Linux …, ready" line comes before step 0.
  assert.equal(r.stdout, '');
});

/** A machine whose third call finds it gone for good, as when a clean machine cannot be brought back. */
function failingMachine(): { machine: Machine; closed: () => boolean } {
  let calls = 0;
  let closed = false;
  const fake = {
    release: '2.4.20',
    bootMs: 1200,
    call(call: Call): Promise<CallRecord> {
      calls++;
      if (calls === 3) return Promise.reject(new BootError('the clean machine did not come back after the crash'));
      return Promise.resolve({
        kind: 'call',
        call,
        kernel: '2.4.20',
        machine: 1,
        result: { kind: 'success', ret: 0xc8800000 + calls },
        recovered: false,
        elapsedMs: 1,
        console: '',
      });
    },
    readProcModules: () => Promise.resolve(''),
    close(): Promise<void> {
      closed = true;
      return Promise.resolve();
    },
  };
  // Only what runOn and runSteps use is provided.
  return { machine: fake as unknown as Machine, closed: () => closed };
}

test('modlab run prints the steps that ran before a failure, then lets the failure through', async () => {
  const steps: Call[] = ['a', 'b', 'c', 'd'].map((n) => callFromJson({ call: 'create_module', name: n, size: 4096 }));
  const { machine, closed } = failingMachine();
  const printed: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk: string | Uint8Array): boolean => {
    printed.push(String(chunk));
    return true;
  };
  try {
    await assert.rejects(runOn('2.4.20', steps, false, () => Promise.resolve(machine)), /did not come back/);
  } finally {
    process.stdout.write = write;
  }
  const text = printed.join('');
  assert.match(text, /create_module\("a", 4096\)/);
  assert.match(text, /create_module\("b", 4096\)/);
  assert.doesNotMatch(text, /create_module\("c"/);
  assert.match(text, /stopped after 2 of 4 steps/);
  assert.ok(closed(), 'the machine is closed');
});
