/**
 * v86 patched (harness/machine/v86-patches.ts) restores a real 2.4.20
 * machine to the same bytes as v86 as it comes: one state, saved after a
 * boot, restored into both builds, and the whole of RAM compared, and the
 * VGA's text screen as v86's screen adapter reads it. The patched restore
 * also takes its saved pages without a copy, in runs, and leaves the state it
 * was given as it was (a reset restores the same bytes again).
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
  /** Copies of 1 MiB or more that the restore cut out of the state (the saved-pages-not-copied patch). */
  bigCopies: number;
  /** Copies of whole pages (4 KiB or a multiple) the restore made: one per saved page, or one per run of them (unpack-pages-direct). */
  pageCopies: number;
  /** Whether the state given to the restore holds the same bytes after it. */
  stateKept: boolean;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Runs `f` with ArrayBuffer slices and Uint8Array copies counted (the restore's are synchronous inside restore_state). */
async function counted<T>(f: () => Promise<T>): Promise<{ value: T; bigCopies: number; pageCopies: number }> {
  const slice = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'slice') as PropertyDescriptor;
  const original = {
    slice: slice.value as (this: ArrayBuffer, start?: number, end?: number) => ArrayBuffer,
    set: (Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype) as object, 'set') as PropertyDescriptor).value as (this: Uint8Array, source: ArrayLike<number>, offset?: number) => void,
  };
  let bigCopies = 0;
  let pageCopies = 0;
  ArrayBuffer.prototype.slice = function (this: ArrayBuffer, start?: number, end?: number): ArrayBuffer {
    const copy = original.slice.call(this, start, end);
    if (copy.byteLength >= 1 << 20) bigCopies++;
    return copy;
  };
  // Uint8Array's set is %TypedArray%'s: an own property shadows it for Uint8Arrays (RAM is one), and its removal ends that.
  Object.defineProperty(Uint8Array.prototype, 'set', {
    configurable: true,
    writable: true,
    value(this: Uint8Array, source: ArrayLike<number>, offset?: number): void {
      if (source.length >= 4096 && source.length % 4096 === 0) pageCopies++;
      original.set.call(this, source, offset);
    },
  });
  try {
    return { value: await f(), bigCopies, pageCopies };
  } finally {
    Object.defineProperty(ArrayBuffer.prototype, 'slice', slice);
    delete (Uint8Array.prototype as { set?: unknown }).set;
  }
}

/** A new v86 of class `V86Class`, restored from `state`. */
async function restored(V86Class: typeof PlainV86, options: ReturnType<typeof restoreOptions>, state: ArrayBuffer): Promise<Restored> {
  const v86 = new V86Class(options);
  try {
    await v86Loaded(v86);
    const given = state.slice(0);
    const before = sha256(new Uint8Array(given));
    const { bigCopies, pageCopies } = await counted(() => v86.restore_state(given));
    const { v86: machine, screen_adapter: screen } = inside(v86);
    const owed = screen.text_owed !== undefined && screen.text_owed !== null;
    return { ram: sha256(machine.cpu.mem8.subarray(0)), text: screen.get_text_screen(), owed, bigCopies, pageCopies, stateKept: sha256(new Uint8Array(given)) === before };
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
  // The saved pages were read in place, in a few runs, and the state was left as it was given.
  assert.equal(plain.bigCopies, 1);
  assert.equal(patched.bigCopies, 0);
  assert.ok(plain.pageCopies > 500 && patched.pageCopies < plain.pageCopies / 10, `page copies: ${patched.pageCopies} patched, ${plain.pageCopies} plain`);
  assert.equal(patched.stateKept, true);
});
