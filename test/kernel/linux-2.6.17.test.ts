/**
 * Linux 2.6.17, the boundary the man page draws: the first series without
 * create_module. Every create_module of the man-page scenario gets ENOSYS,
 * delete_module (which 2.6 kept) answers for itself, and the machine is as
 * usable as the others: console shell, snapshot restore.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseScenario } from '../../harness/calls/scenario.ts';
import type { Machine } from '../../harness/machine/machine.ts';
import { boot } from '../../node/boot.ts';
import { errnoOf, LONG } from './man-page.ts';

const SCENARIO = fileURLToPath(new URL('../../scenarios/man-page-errors.json', import.meta.url));

let m: Machine;
let consoleText = '';
before(async () => {
  m = await boot({ kernel: '2.6.17', onConsole: (b) => (consoleText += String.fromCharCode(b)) });
}, LONG);
after(() => m?.close());

test('2.6.17: the kernel reports itself as 2.6.17', LONG, () => {
  assert.match(m.release, /^2\.6\.17\./);
});

test('2.6.17: create_module is ENOSYS for every input of the man-page scenario', LONG, async () => {
  await m.reset();
  const gen = m.generation;
  const scenario = parseScenario(await readFile(SCENARIO, 'utf8'), SCENARIO);
  const creates = scenario.steps.filter((s) => s.call === 'create_module');
  // The scenario's inputs: a good call, the same name again, wild and NULL pointers, "", a tiny and a huge size, another uid.
  assert.ok(creates.length >= 8, `the scenario has ${creates.length} create_module steps`);
  for (const call of creates) {
    const r = await m.call(call);
    assert.equal(errnoOf(r), 'ENOSYS', JSON.stringify(call));
    assert.equal(r.result.kind === 'errno' && r.result.during, 'call', 'the kernel answered, not a step before it');
  }
  // Nothing was created, so nothing is listed; no call needed a clean machine.
  assert.doesNotMatch(await m.readProcModules(), /\S/);
  assert.equal(m.generation, gen);
});

test('2.6.17: delete_module still exists: an unknown name is ENOENT', LONG, async () => {
  await m.reset();
  assert.equal(errnoOf(await m.deleteModule('dummy')), 'ENOENT');
  assert.equal(errnoOf(await m.deleteModule('no_such_module')), 'ENOENT');
});

test("2.6.17: the agent's console shell makes the call and prints the kernel's ENOSYS", LONG, async () => {
  await m.reset();
  const start = consoleText.length;
  m.sendConsole('create_module shell_mod 4096\n');
  const deadline = Date.now() + 20_000;
  while (!/create_module = -1 /.test(consoleText.slice(start)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.match(consoleText.slice(start), /create_module = -1 ENOSYS \(38\)/);
});

test('2.6.17: reset restores the snapshot without a crash, and the restored machine answers', LONG, async () => {
  const crashes: string[] = [];
  const watched = await boot({
    kernel: '2.6.17',
    onEvent: (e) => {
      if (e.type === 'crashed') crashes.push(e.crash);
    },
  });
  try {
    // A new machine in this process: restored from the snapshot the first one saved.
    assert.equal(watched.restored, true, 'the second machine came from the snapshot');
    assert.equal(watched.release, m.release);
    for (let i = 0; i < 3; i++) {
      const gen = watched.generation;
      await watched.reset();
      assert.equal(watched.restored, true, 'the reset came from the snapshot');
      assert.equal(watched.generation, gen + 1);
      const r = await watched.createModule('after_restore', 4096);
      assert.equal(errnoOf(r), 'ENOSYS');
      assert.equal(r.recovered, false);
      assert.equal(errnoOf(await watched.deleteModule('after_restore')), 'ENOENT');
    }
    assert.deepEqual(crashes, [], 'no crash on the way');
  } finally {
    await watched.close();
  }
});
