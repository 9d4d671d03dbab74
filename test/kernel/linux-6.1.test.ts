import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Machine } from '../../harness/machine/machine.ts';
import { boot } from '../../node/boot.ts';
import { errnoOf, LONG } from './man-page.ts';

let m: Machine;
before(async () => {
  m = await boot({ kernel: '6.1' });
}, LONG);
after(() => m?.close());

test('6.1: the kernel reports itself as 6.1', LONG, () => {
  assert.match(m.release, /^6\.1\./);
});

test('6.1: create_module no longer exists: ENOSYS whatever the arguments', LONG, async () => {
  assert.equal(errnoOf(await m.createModule('hello', 4096)), 'ENOSYS');
  assert.equal(errnoOf(await m.createModule(null, 0xffffffff)), 'ENOSYS');
  assert.equal(errnoOf(await m.createModule('hello', 4096, { uid: 65534 })), 'ENOSYS');
});
