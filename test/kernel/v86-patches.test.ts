/**
 * v86 patched (harness/machine/v86-patches.ts) restores a real 2.4.20
 * machine to the same bytes as v86 as it comes: one state, saved after a
 * boot, restored into both builds, and the whole of RAM compared, and the
 * VGA's text screen as v86's screen adapter reads it.
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

/** What the test reads of a v86 besides its public API. */
interface V86Inside {
  v86: { cpu: { mem8: Uint8Array; devices: { vga: { vga_memory_write_text_mode(address: number, byte: number): void } } } };
  screen_adapter: { text_owed?: unknown; get_text_screen(): string[] };
}

const inside = (v86: PlainV86): V86Inside => v86 as unknown as V86Inside;

interface Restored {
  /** The sha256 of all of RAM. */
  ram: string;
  /** The text screen, read after the restore. */
  text: string[];
  /** Whether the restore left the text screen's redraw owed (the text-redraw-when-read patch). */
  owed: boolean;
}

/** A new v86 of class `V86Class`, restored from `state`. */
async function restored(V86Class: typeof PlainV86, options: ReturnType<typeof restoreOptions>, state: ArrayBuffer): Promise<Restored> {
  const v86 = new V86Class(options);
  try {
    await v86Loaded(v86);
    await v86.restore_state(state.slice(0));
    const { v86: machine, screen_adapter: screen } = inside(v86);
    const owed = screen.text_owed !== undefined && screen.text_owed !== null;
    return { ram: createHash('sha256').update(machine.cpu.mem8.subarray(0)).digest('hex'), text: screen.get_text_screen(), owed };
  } finally {
    await v86.destroy();
  }
}

/** A line in the VGA's text memory (row 3, from column 2; the screen starts at its offset 0), so the saved screen is not blank. */
const SCREEN_LINE = 'modlab restored this screen';

test('a saved 2.4.20 machine restores to the same RAM, byte for byte, in patched v86 as in v86 as it comes', LONG, async () => {
  const assets = await new NodeAssets({ download: false }).load('2.4.20');
  const emu = await Emulator.start(assets, { bootTimeoutMs: 60_000, tunings: ALL_TUNINGS }, { boot: assets });
  let state: ArrayBuffer;
  try {
    const vga = inside((emu as unknown as { v86: PlainV86 }).v86).v86.cpu.devices.vga;
    for (let i = 0; i < SCREEN_LINE.length; i++) {
      const cell = 2 * (3 * 80 + 2 + i);
      vga.vga_memory_write_text_mode(cell, SCREEN_LINE.charCodeAt(i));
      vga.vga_memory_write_text_mode(cell + 1, 0x07);
    }
    state = await emu.saveState();
  } finally {
    await emu.destroy();
  }
  const options = restoreOptions(assets);
  const patched = await restored(PatchedV86, options, state);
  const plain = await restored(PlainV86, options, state);
  assert.equal(patched.ram, plain.ram);
  // The screen's redraw was left for the read, and the read gives what v86 as it comes drew at once.
  assert.equal(patched.owed, true);
  assert.equal(plain.owed, false);
  assert.match(plain.text[3] ?? '', new RegExp(`^  ${SCREEN_LINE}`));
  assert.deepEqual(patched.text, plain.text);
});
