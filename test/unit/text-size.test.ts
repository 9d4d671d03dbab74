/**
 * The room's text size (A− / A+), the presenter switch in a link, and the
 * kernel list's labels: the pure parts, without a page.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KERNELS } from '../../kernel-images/manifest.ts';
import { kernelLabel, userKernelLabel } from '../../web/kernel-label.ts';
import { wantsPresenting } from '../../web/presenter.ts';
import { consolePx, nextStep, savedStep, SCALES } from '../../web/text-size.ts';

test('a saved size is read back; anything else is the usual size', () => {
  assert.equal(SCALES[savedStep('1.5')], 1.5);
  for (const junk of [null, '', '1.4', 'big', '1e3']) assert.equal(SCALES[savedStep(junk)], 1);
});

test('A− and A+ stop at either end', () => {
  assert.equal(nextStep(0, -1), 0);
  assert.equal(nextStep(SCALES.length - 1, 1), SCALES.length - 1);
  assert.equal(nextStep(1, 1), 2);
});

test('the console grows with the size, and again while presenting', () => {
  const usual = savedStep(null);
  assert.equal(consolePx(usual, false), 13);
  assert.ok(consolePx(usual + 1, false) > 13);
  assert.ok(consolePx(usual, true) > consolePx(usual, false));
});

test('present=1, and only that, asks to present', () => {
  assert.equal(wantsPresenting('?kernel=2.4.20&present=1'), true);
  for (const s of ['', '?present=0', '?present=yes', '?kernel=2.4.20']) assert.equal(wantsPresenting(s), false);
});

test('every kernel is listed by version, then origin, in plain words', () => {
  assert.equal(kernelLabel({ id: '2.4.20' }), 'Linux 2.4.20 · Boot Everywhere Linux');
  for (const k of KERNELS) assert.match(kernelLabel(k), /^Linux [0-9.]+ · [A-Za-z]/);
  assert.equal(userKernelLabel('2.4.27-rudefault (root@host) #1', 'bzImage'), 'Linux 2.4.27-rudefault · bzImage (your file)');
});
