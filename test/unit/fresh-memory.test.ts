/**
 * What the fast restore relies on (harness/machine/emulator.ts,
 * zeroFirmwareOnly): a new v86 set up for a restore (restoreOptions: no
 * kernel, initrd or BIOS) has written nothing into RAM above FIRMWARE_END
 * before it runs, so restore_state need not zero the rest. A v86 upgrade that writes more fails here. The same check on a
 * v86 given the kernel and initrd finds their bytes, so it can fail.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { V86 } from '#v86';
import { FIRMWARE_END } from '../../harness/machine/emulator.ts';
import { ALL_TUNINGS, restoreOptions, v86Options } from '../../harness/machine/v86-config.ts';
import { NodeAssets } from '../../node/assets.ts';
import { v86Loaded } from '../v86-loaded.ts';

interface CpuView {
  // A wasm export: 1 or 0.
  is_memory_zeroed: (addr: number, length: number) => number;
  memory_size: Uint32Array;
}

async function loadedCpu(v86: V86): Promise<CpuView> {
  await v86Loaded(v86);
  return (v86 as unknown as { v86: { cpu: CpuView } }).v86.cpu;
}

test('a v86 set up for a restore has RAM above FIRMWARE_END all zero before it runs; one set up to boot, not', async () => {
  const assets = await new NodeAssets({ download: false }).load('2.4.20');
  const bare = new V86(restoreOptions(assets));
  try {
    const cpu = await loadedCpu(bare);
    const size = cpu.memory_size[0] ?? 0;
    assert.ok(size > FIRMWARE_END, `RAM is ${size} bytes`);
    assert.equal(cpu.is_memory_zeroed(FIRMWARE_END, size - FIRMWARE_END), 1, 'nothing written above FIRMWARE_END');
  } finally {
    await bare.destroy();
  }
  const booting = new V86(v86Options(assets, ALL_TUNINGS));
  try {
    const cpu = await loadedCpu(booting);
    const size = cpu.memory_size[0] ?? 0;
    assert.equal(cpu.is_memory_zeroed(FIRMWARE_END, size - FIRMWARE_END), 0, 'the kernel and initrd are copied above FIRMWARE_END');
  } finally {
    await booting.destroy();
  }
});
