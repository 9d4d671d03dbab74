/**
 * v86 patched (harness/machine/v86-patches.ts) restores a real 2.4.20
 * machine to the same bytes as v86 as it comes: one state, saved after a
 * boot, restored into both builds, and the whole of RAM compared.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { V86 as PatchedV86 } from '#v86';
// v86 as the package ships it, which nothing in modlab runs.
import { V86 as PlainV86 } from 'v86';
import { Emulator } from '../../harness/machine/emulator.ts';
import { ALL_TUNINGS, restoreOptions } from '../../harness/machine/v86-config.ts';
import { NodeAssets } from '../../node/assets.ts';
import { v86Loaded } from '../v86-loaded.ts';
import { LONG } from './man-page.ts';

interface Ram {
  mem8: Uint8Array;
}

/** A new v86 of class `V86Class`, restored from `state`: the sha256 of its RAM. */
async function restoredRam(V86Class: typeof PlainV86, options: ReturnType<typeof restoreOptions>, state: ArrayBuffer): Promise<string> {
  const v86 = new V86Class(options);
  try {
    await v86Loaded(v86);
    await v86.restore_state(state.slice(0));
    const ram = (v86 as unknown as { v86: { cpu: Ram } }).v86.cpu.mem8;
    return createHash('sha256').update(ram.subarray(0)).digest('hex');
  } finally {
    await v86.destroy();
  }
}

test('a saved 2.4.20 machine restores to the same RAM, byte for byte, in patched v86 as in v86 as it comes', LONG, async () => {
  const assets = await new NodeAssets({ download: false }).load('2.4.20');
  const emu = await Emulator.start(assets, { bootTimeoutMs: 60_000, tunings: ALL_TUNINGS }, { boot: assets });
  let state: ArrayBuffer;
  try {
    state = await emu.saveState();
  } finally {
    await emu.destroy();
  }
  const options = restoreOptions(assets);
  const patched = await restoredRam(PatchedV86, options, state);
  const plain = await restoredRam(PlainV86, options, state);
  assert.equal(patched, plain);
});
