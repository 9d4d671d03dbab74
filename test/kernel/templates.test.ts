/**
 * The students' starting points (templates/modules) compiled by TinyCC in
 * WebAssembly, as the lab and `modlab insmod FILE.c` compile them (not gcc),
 * and loaded through the one insmod on each 2.4 kernel: each says hello and
 * goodbye in the kernel log, counter_user links against counter's export (and counter cannot go first),
 * probe's init fails and leaves the module as the kernel left it, a module
 * with a symbol nobody exports is refused by name, and the oops crashes the
 * kernel and leaves a clean machine. Scenarios name the same files.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { KernelId } from '../../kernel-images/manifest.ts';
import { parseScenario } from '../../harness/calls/scenario.ts';
import type { CallRecord } from '../../harness/calls/record.ts';
import { insmodObject, type LifecycleStep } from '../../harness/reports/lifecycle.ts';
import { runSteps } from '../../harness/reports/run.ts';
import type { StepReport } from '../../harness/reports/step-report.ts';
import { formatTable } from '../../harness/reports/text.ts';
import { boot, type Machine } from '../../node/boot.ts';
import { compileCFile, studentHeaders } from '../../node/compiler.ts';
import { readModuleFiles } from '../../node/module-files.ts';
import { findTemplate } from '../../templates/catalog.ts';
import { LONG } from './man-page.ts';
import { modlab } from './run-cli.ts';

const TEMPLATES_DIR = new URL('../../templates/', import.meta.url);
const OWN_MODULE = fileURLToPath(new URL('../../scenarios/own-module.json', import.meta.url));
const KERNELS: readonly KernelId[] = ['2.4.18', '2.4.20', '2.4.27'];

/** A template's object as the wasm compiler builds it, compiled once for all kernels. */
const objects = new Map<string, Promise<Uint8Array>>();
function template(id: string): Promise<Uint8Array> {
  let object = objects.get(id);
  if (!object) {
    const t = findTemplate(id);
    assert.ok(t?.kind === 'module', `${id} is a module template`);
    const source = readFileSync(new URL(t.file, TEMPLATES_DIR), 'utf8');
    object = studentHeaders().then(async (headers) => {
      const r = await compileCFile(source, { fileName: `${id}.c`, headers });
      if (!r.ok) assert.fail(`${t.file} does not compile:\n${r.diagnostics}`);
      return r.object;
    });
    objects.set(id, object);
  }
  return object;
}

const calls = (steps: readonly LifecycleStep[]): string[] => steps.map((s) => (s.kind === 'link' ? 'link' : s.call.call));

/** The last step, which must be a call's record. */
function lastCall(steps: readonly LifecycleStep[]): CallRecord & { procModules: string } {
  const last = steps.at(-1);
  assert.ok(last?.kind === 'call', `the last step is a call: ${calls(steps).join(', ')}`);
  return last;
}

function outcome(r: CallRecord): string {
  return r.result.kind === 'success' ? 'ok' : r.result.kind === 'errno' ? r.result.errnoName : `crash:${r.result.crash}`;
}

/** Loads template `id` as module `id`, as insmod did; returns init_module's record. */
async function load(m: Machine, id: string): Promise<CallRecord & { procModules: string }> {
  const steps = await insmodObject(m, await template(id), id);
  assert.deepEqual(calls(steps), ['create_module', 'link', 'init_module'], `${id}: ${JSON.stringify(steps.map((s) => s.result)).slice(0, 400)}`);
  return lastCall(steps);
}

for (const kernel of KERNELS) {
  describe(`the module templates on ${kernel}, compiled by the wasm TinyCC`, LONG, () => {
    let m: Machine;
    before(async () => {
      m = await boot({ kernel });
    });
    after(async () => {
      await m?.close();
    });

    test('hello_world: its printk on load and unload, listed while loaded, gone after', async () => {
      await m.reset();
      const init = await load(m, 'hello_world');
      assert.equal(outcome(init), 'ok');
      assert.match(init.console, /hello_world: hello, world/);
      assert.match(init.procModules, /^hello_world\s+\d+\s+0 \(unused\)$/m);
      const removed = await m.deleteModule('hello_world');
      assert.equal(outcome(removed), 'ok');
      assert.match(removed.console, /hello_world: goodbye/);
      assert.equal(await m.readProcModules(), '');
    });

    test('counter then counter_user: the export links, counter is referenced until counter_user goes', async () => {
      await m.reset();
      const counter = await load(m, 'counter');
      assert.equal(outcome(counter), 'ok');
      assert.match(counter.console, /counter: loaded, counter_next\(\) is exported/);
      assert.match(await m.readFile('/proc/ksyms'), /counter_next\s+\[counter\]/);
      const user = await load(m, 'counter_user');
      assert.equal(outcome(user), 'ok');
      assert.match(user.console, /counter_user: counter_next\(\) gave 1, then 2/);
      // The linker made counter_user depend on counter: the kernel lists it as counter's user
      // (a reference, not the use count, which only MOD_INC_USE_COUNT raises) and refuses to remove counter.
      assert.match(user.procModules, /^counter\s+\d+\s+0 \[counter_user\]$/m);
      assert.equal(outcome(await m.deleteModule('counter')), 'EBUSY');
      const userGone = await m.deleteModule('counter_user');
      assert.equal(outcome(userGone), 'ok');
      assert.match(userGone.console, /counter_user: goodbye/);
      const counterGone = await m.deleteModule('counter');
      assert.equal(outcome(counterGone), 'ok');
      assert.match(counterGone.console, /counter: unloaded after 2 calls/);
      assert.equal(await m.readProcModules(), '');
    });

    test('probe: init_module answers ENODEV, the module stays uninitialized, delete_module removes it', async () => {
      await m.reset();
      const init = await load(m, 'probe');
      assert.equal(outcome(init), 'ENODEV');
      assert.match(init.console, /probe: no device found, refusing to load/);
      assert.match(init.procModules, /^probe\s+\d+ \(uninitialized\)$/m);
      assert.equal(outcome(await m.deleteModule('probe')), 'ok');
      assert.equal(await m.readProcModules(), '');
    });

    test('an unresolved symbol: counter_user without counter is refused by name, nothing stays loaded', async () => {
      await m.reset();
      const steps = await insmodObject(m, await template('counter_user'), 'counter_user');
      const link = steps.find((s) => s.kind === 'link');
      assert.ok(link?.kind === 'link' && link.result.kind === 'errno', `the link fails: ${calls(steps).join(', ')}`);
      assert.match(link.report.error ?? '', /counter_next/);
      assert.ok(!steps.some((s) => s.kind === 'call' && s.call.call === 'init_module'), 'init_module is never called');
      assert.equal(steps.at(-1)?.procModules, '');
      // The same through a call naming the object, as a scenario step does: the linker's words come with the errno.
      const viaCall = await m.call({ call: 'init_module', name: { kind: 'string', text: 'counter_user' }, image: { kind: 'module', module: { file: 'counter_user.c', object: await template('counter_user') } }, uid: 0 });
      assert.ok(viaCall.result.kind === 'errno' && viaCall.result.during === 'link', outcome(viaCall));
      assert.match(viaCall.result.detail ?? '', /counter_next/);
      assert.match(formatTable([viaCall]), /link failed: \w+ \(\d+\), not sent to the kernel.*\n\s+error: .*counter_next/);
      assert.equal(await m.readProcModules(), '');
    });

    test('oops: init crashes the kernel, the crash is reported, and the next call runs on a clean machine', async () => {
      await m.reset();
      const generation = m.generation;
      const init = lastCall(await insmodObject(m, await template('oops'), 'oops'));
      assert.equal(init.call.call, 'init_module');
      assert.ok(init.result.kind === 'crash', `a crash, not ${outcome(init)}`);
      assert.equal(init.result.crash, 'oops');
      assert.match(init.result.console, /oops: about to write through a NULL pointer/);
      assert.equal(init.recovered, true);
      assert.equal(m.generation, generation + 1, 'a clean machine took over');
      assert.equal(await m.readProcModules(), '', 'nothing of the crashed machine is left');
      const next = await load(m, 'hello_world');
      assert.equal(outcome(next), 'ok');
      assert.equal(next.machine, generation + 1);
    });

    test('a scenario naming the template files: read and compiled before the run, loaded in order', async () => {
      await m.reset();
      const scenario = parseScenario(readFileSync(OWN_MODULE, 'utf8'), OWN_MODULE);
      const compile = async (source: Uint8Array, file: string): Promise<Uint8Array> => {
        const r = await compileCFile(new TextDecoder().decode(source), { fileName: file.split('/').pop(), headers: await studentHeaders() });
        if (!r.ok) assert.fail(r.diagnostics);
        return r.object;
      };
      const steps = await readModuleFiles(scenario.steps, dirname(OWN_MODULE), compile, (i) => `step ${i}`);
      const run = await runSteps(m, steps);
      assert.deepEqual(run.map(outcome), ['ok', 'ok', 'ok', 'ok', 'EBUSY', 'ok', 'ok']);
      assert.match(run[1]?.console ?? '', /counter: loaded/);
      assert.match(run[3]?.console ?? '', /counter_user: counter_next\(\) gave 1, then 2/);
      assert.match(run[3]?.procModules ?? '', /^counter\s+\d+\s+0 \[counter_user\]$/m);
      assert.equal(run[6]?.procModules, '');
    });
  });
}

test('modlab run --json: a scenario naming its own module files, with paths relative to it', LONG, async () => {
  const r = await modlab(['run', OWN_MODULE, '--kernel', '2.4.27', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const steps = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as StepReport);
  assert.deepEqual(steps.map((s) => (s.ok ? 'ok' : s.errnoName)), ['ok', 'ok', 'ok', 'ok', 'EBUSY', 'ok', 'ok']);
  // The size the agent's layout gave, and the linked image's length: no path or bytes in the JSON.
  assert.equal(typeof steps[0]?.size, 'number');
  assert.equal(typeof steps[1]?.image, 'number');
  assert.match(steps[3]?.console ?? '', /counter_user: counter_next\(\) gave 1, then 2/);
  assert.match(steps[6]?.console ?? '', /counter: unloaded after 2 calls/);
});
