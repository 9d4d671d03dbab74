import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Machine } from '../../harness/machine/machine.ts';
import { boot } from '../../node/boot.ts';
import { bootFiles } from '../../harness/machine/v86-config.ts';
import { NodeAssets } from '../../node/assets.ts';
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

test('6.1 booted from nothing with host-unpack: the host unpacks its XZ kernel to 16 MiB, and it still answers as 6.1', LONG, async () => {
  // The files v86 gets: the placed kernel, not the packed bzImage (which boots through its own XZ decompressor).
  const assets = await new NodeAssets().load('6.1');
  assert.notEqual((await bootFiles(assets)).bzimage, assets.bzimage, 'host-unpack applies to 6.1');
  const fresh = await boot({ kernel: '6.1', snapshots: null });
  try {
    assert.equal(fresh.restored, false);
    assert.match(fresh.release, /^6\.1\./);
    // Where the host put it: LOAD_PHYSICAL_ADDR, as the decompressor does with KASLR off.
    assert.match(await fresh.readFile('/proc/iomem'), /^ *01000000-[0-9a-f]+ : Kernel code$/m);
    assert.equal(errnoOf(await fresh.createModule('hello', 4096)), 'ENOSYS');
    assert.equal(errnoOf(await fresh.deleteModule('no_such_module')), 'ENOENT');
  } finally {
    await fresh.close();
  }
});
