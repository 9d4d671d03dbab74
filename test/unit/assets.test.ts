/** The initrd and BIOS checks: a truncated or corrupt file is named, with what to do. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { ImageError } from '../../harness/errors.ts';
import { BIOS_SHA256, filePins, verifyGuestFiles } from '../../harness/machine/assets.ts';
import { findKernel } from '../../kernel-images/manifest.ts';
import { biosPaths, initrdPath } from '../../node/assets.ts';
import { INITRD_24 } from '../../harness/machine/guest-images.ts';
import { sha256Hex } from '../../kernel-images/sha256.ts';

const kernel = findKernel('2.4.20');
assert.ok(kernel);
const pins = filePins(kernel);

test('the committed initrd and the installed BIOS pass; so does the initrd decompressed by a web server', async () => {
  const initrd = await readFile(initrdPath('2.4.20'));
  const bios = await readFile(biosPaths().bios);
  assert.equal(await sha256Hex(bios), BIOS_SHA256);
  await verifyGuestFiles('2.4.20', pins, INITRD_24, initrd, bios);
  await verifyGuestFiles('2.4.20', pins, INITRD_24, gunzipSync(initrd), bios);
});

test('a truncated or flipped initrd, or another BIOS, is refused with a sentence saying what to do', async () => {
  const initrd = await readFile(initrdPath('2.4.20'));
  const bios = await readFile(biosPaths().bios);
  const flipped = Uint8Array.from(initrd);
  flipped[100] = (flipped[100] ?? 0) ^ 1;
  for (const bad of [initrd.subarray(0, initrd.length - 1), flipped]) {
    await assert.rejects(verifyGuestFiles('2.4.20', pins, INITRD_24, bad, bios), (e: unknown) => e instanceof ImageError && /initrd-2\.4\.ext2\.gz is corrupt or out of date .*npm run build:guest/.test(e.message));
  }
  await assert.rejects(verifyGuestFiles('2.4.20', pins, INITRD_24, initrd, bios.subarray(1)), (e: unknown) => e instanceof ImageError && /the BIOS \(seabios\.bin\) is corrupt .*npm ci/.test(e.message));
});

test('the pins name the files without reading them: the manifest kernel, the guest image, the BIOS', () => {
  assert.equal(pins.bios, BIOS_SHA256);
  assert.equal(pins.kernel, `${kernel.format}:${kernel.file.sha256}`);
  assert.ok(pins.initrd.length > 0, 'the 2.4 initrd is pinned');
  const k61 = findKernel('6.1');
  assert.ok(k61);
  assert.notDeepEqual(filePins(k61).initrd, pins.initrd, 'the 6.1 initramfs is another image');
});
