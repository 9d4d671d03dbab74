import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boot } from '../../node/boot.ts';
import { lifecycleSuite } from './lifecycle.ts';
import { LONG, manPageSuite } from './man-page.ts';

// 2.4.20's vmalloc() BUGs on any size beyond physical memory instead of failing.
manPageSuite('2.4.20', { hugeSize: 'oops' });

test('2.4.20: init exiting panics the kernel for real, and a clean machine takes over', LONG, async () => {
  const m = await boot({ kernel: '2.4.20' });
  try {
    await m.createModule('before', 4096);
    const p = await m.panicInit();
    assert.equal(p.crash, 'panic');
    assert.match(p.console, /Kernel panic: Attempted to kill init!/);
    assert.equal(m.generation, 2);
    const r = await m.createModule('before', 4096);
    assert.equal(r.result.kind, 'success', 'the new machine does not have the old module');
  } finally {
    await m.close();
  }
});

lifecycleSuite('2.4.20');
