/**
 * A crash is what the agent and the machine say happened — the calling child
 * killed by a signal, the guest silent past its deadline — never text on the
 * console, which also carries the tty's echo and names users choose. Each
 * case puts crash-like text on the console of a real 2.4.20 and checks that
 * the kernel's answer stands and the machine is kept.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Machine } from '../../harness/machine/machine.ts';
import { boot } from '../../node/boot.ts';
import { LONG } from './man-page.ts';
import { imageNamed } from './module-image.ts';

let m: Machine;
let consoleText = '';
before(async () => {
  m = await boot({ kernel: '2.4.20', onConsole: (b) => (consoleText += String.fromCharCode(b)) });
}, LONG);
after(() => m?.close());

/** Types a line on the console shell and waits for its next prompt. */
async function shell(line: string): Promise<string> {
  const start = consoleText.length;
  m.sendConsole(`${line}\n`);
  const deadline = Date.now() + 20_000;
  while (!consoleText.slice(start).includes('modlab# ') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return consoleText.slice(start);
}

function modules(text: string): string[] {
  return text.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0] ?? '');
}

test('an image whose embedded name is "Kernel panic" gets the kernel\'s EINVAL, and the machine is kept', LONG, async () => {
  await m.reset();
  const generation = m.generation;
  const created = await m.createModule('victim', 4096);
  assert.equal(created.result.kind, 'success');
  const address = created.result.kind === 'success' ? created.result.ret : 0;
  const r = await m.call({ call: 'init_module', name: { kind: 'string', text: 'victim' }, image: { kind: 'bytes', bytes: imageNamed(address, 4096, 'Kernel panic') }, uid: 0 });
  assert.deepEqual(r.result.kind === 'errno' && r.result.errnoName, 'EINVAL', JSON.stringify(r.result));
  assert.match(r.console, /changed module name to `Kernel panic' from `victim'/, 'the kernel logged the name');
  assert.equal(r.recovered, false);
  assert.equal(m.generation, generation, 'no machine was thrown away');
  assert.deepEqual(modules(await m.readProcModules()), ['victim'], 'the module created before is still there');
});

test('"Oops" and "Kernel panic" typed on the console do not turn the next answer into a crash', LONG, async () => {
  await m.reset();
  const generation = m.generation;
  assert.match(await shell('Oops'), /Oops/);
  assert.match(await shell('Kernel panic: typed by a person'), /Kernel panic/);
  const r = await m.createModule('after_typing', 4096);
  assert.equal(r.result.kind, 'success', JSON.stringify(r.result));
  assert.equal(m.generation, generation);
});

test('a module named "Kernel panic" listed by lsmod does not make the next call a crash', LONG, async () => {
  await m.reset();
  const generation = m.generation;
  assert.equal((await m.createModule('Kernel panic', 4096)).result.kind, 'success');
  assert.match(await shell('lsmod'), /^Kernel panic\s+4096/m);
  const r = await m.createModule('next', 4096);
  assert.equal(r.result.kind, 'success', JSON.stringify(r.result));
  assert.equal(m.generation, generation);
  assert.deepEqual(modules(await m.readProcModules()).sort(), ['Kernel', 'next'], '/proc/modules shows both (the name has a space)');
});

test('a real oops is still a crash: the agent saw its child killed, and the console explains it', LONG, async () => {
  await m.reset();
  const generation = m.generation;
  const r = await m.createModule('huge', 0xffffffff);
  assert.equal(r.result.kind, 'crash');
  assert.equal(r.result.kind === 'crash' && r.result.crash, 'oops');
  assert.match(r.result.kind === 'crash' ? r.result.detail : '', /killed by signal/);
  assert.equal(m.generation, generation + 1, 'a clean machine took over');
});
