/**
 * What did not come from the kernel says so, and what did is read as it is:
 * a module link that fails is not shown as the call's errno (JSON, text),
 * 6.1's life cycle reaches the kernel's own ENOSYS, and query_module's
 * names are decoded by bytes, so a name that is not UTF-8 shifts nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boot } from '../../node/boot.ts';
import { runLifecycle } from '../../harness/reports/lifecycle.ts';
import { stepReport } from '../../harness/reports/step-report.ts';
import { resultText } from '../../harness/reports/text.ts';
import { LONG } from './man-page.ts';

test('2.4.20: a module that cannot be linked says so, in the record, the JSON and the text', LONG, async () => {
  const m = await boot({ kernel: '2.4.20' });
  try {
    assert.equal((await m.createModule('user', 4096)).result.kind, 'success');
    // hello_user needs hello's exports, and hello is not loaded: the agent's link fails before any init_module.
    const r = await m.call({ call: 'init_module', name: { kind: 'string', text: 'user' }, image: { kind: 'module', module: 'hello_user' }, uid: 0 });
    assert.equal(r.result.kind === 'errno' && r.result.during, 'link', JSON.stringify(r.result));
    const json = stepReport(0, r);
    assert.equal(json.during, 'link');
    assert.match(resultText(r), /^link failed: \w+ \(\d+\), not sent to the kernel$/);
    // A call's own errno carries no "during".
    const own = await m.deleteModule('never_created');
    assert.equal(stepReport(1, own).during, undefined);
    assert.equal(resultText(own), '= -1 ENOENT (2)');
  } finally {
    await m.close();
  }
});

test('6.1: the life cycle reaches the kernel, whose create_module answers ENOSYS', LONG, async () => {
  const m = await boot({ kernel: '6.1' });
  try {
    const steps = await runLifecycle(m, 'hello');
    assert.equal(steps.length, 1, 'it stops after create_module');
    const create = steps[0];
    assert.ok(create?.kind === 'call');
    assert.equal(create.call.call, 'create_module');
    assert.ok(typeof create.call.size === 'number' && create.call.size > 96, 'sized by the agent\'s layout of hello.o');
    assert.deepEqual(create.result.kind === 'errno' && [create.result.errnoName, create.result.during], ['ENOSYS', 'call']);
  } finally {
    await m.close();
  }
});

test('2.4.20: QM_MODULES lists a module whose name is not UTF-8, and the names after it', LONG, async () => {
  let consoleText = '';
  const m = await boot({ kernel: '2.4.20', onConsole: (b) => (consoleText += String.fromCharCode(b)) });
  try {
    // The kernel lists the newest module first: the odd name, then victim, which a drifting decoder lost.
    assert.equal((await m.createModule('victim', 4096)).result.kind, 'success');
    // The console shell passes the bytes it reads as the name: 0xff 0xfe is no UTF-8.
    const start = consoleText.length;
    m.sendConsole(Uint8Array.from([...new TextEncoder().encode('create_module '), 0xff, 0xfe, ...new TextEncoder().encode(' 4096\n')]));
    const deadline = Date.now() + 20_000;
    while (!/create_module = 0x/.test(consoleText.slice(start)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.match(consoleText.slice(start), /create_module = 0xc8/);
    const r = await m.call({ call: 'query_module', name: { kind: 'null' }, which: 'QM_MODULES', bufsize: 4096, uid: 0 });
    const data = r.result.kind === 'success' ? r.result.data : undefined;
    assert.deepEqual(data, { kind: 'names', which: 'QM_MODULES', names: ['\\xff\\xfe', 'victim'], ret: 2 });
  } finally {
    await m.close();
  }
});
