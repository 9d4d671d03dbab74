/**
 * The patches to v86's own code (harness/machine/v86-patches.ts): each edit
 * finds its text exactly once in both of the installed v86's builds, a build
 * where it does not is refused by name, and the Node target's v86 (`#v86`)
 * is the patched one: its ports share one empty entry, while the ports its
 * devices serve have their own.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { V86 } from '#v86';
import { patchV86Source, v86PatchesId, V86_PATCHES, type V86Patch } from '../../harness/machine/v86-patches.ts';
import { restoreOptions } from '../../harness/machine/v86-config.ts';
import { NodeAssets } from '../../node/assets.ts';
import { v86Loaded } from '../v86-loaded.ts';

const require = createRequire(import.meta.url);

for (const build of ['libv86.js', 'libv86.mjs']) {
  test(`every edit applies once to v86's ${build}`, () => {
    const source = readFileSync(require.resolve(`v86/build/${build}`), 'utf8');
    for (const patch of V86_PATCHES) for (const edit of patch.edits) assert.equal(source.split(edit.find).length, 2, `${patch.name}: ${edit.find}`);
    const patched = patchV86Source(source);
    // The same text as the edits made one after another (String.prototype.replace takes the one occurrence).
    let inTurn = source;
    for (const patch of V86_PATCHES) for (const edit of patch.edits) inTurn = inTurn.replace(edit.find, () => edit.replace);
    assert.equal(patched, inTurn);
    for (const patch of V86_PATCHES) {
      for (const edit of patch.edits) assert.ok(patched.includes(edit.replace), `${patch.name} applied`);
      assert.ok(!source.includes(patch.marker) && patched.includes(patch.marker), `${patch.name}'s marker ${patch.marker} comes with it`);
    }
  });
}

test('a build of v86 without an edit\'s text, or with it twice, is refused with the patch\'s name', () => {
  const patch: V86Patch = { name: 'example', why: '', marker: 'x', edits: [{ find: 'a=1;', replace: 'a=2;' }] };
  assert.equal(patchV86Source('x;a=1;y', [patch]), 'x;a=2;y');
  assert.throws(() => patchV86Source('x;y', [patch]), /v86 patch example: not found/);
  assert.throws(() => patchV86Source('a=1;a=1;', [patch]), /v86 patch example: found more than once/);
});

test('edits land at their places in the source whatever their order in the list, and may not overlap', () => {
  const later: V86Patch = { name: 'later', why: '', marker: 'x', edits: [{ find: 'c=3;', replace: 'c=30;' }] };
  const earlier: V86Patch = { name: 'earlier', why: '', marker: 'x', edits: [{ find: 'a=1;', replace: 'a=10;' }] };
  assert.equal(patchV86Source('a=1;b=2;c=3;', [later, earlier]), 'a=10;b=2;c=30;');
  const overlapping: V86Patch = { name: 'overlapping', why: '', marker: 'x', edits: [{ find: '1;b', replace: '1;B' }] };
  assert.throws(() => patchV86Source('a=1;b=2;c=3;', [earlier, overlapping]), /v86 patch overlapping: its edit overlaps another's/);
});

test('the patches\' id, which names the Node code cache, changes with any edit', () => {
  const patch: V86Patch = { name: 'example', why: '', marker: 'x', edits: [{ find: 'a=1;', replace: 'a=2;' }] };
  const other: V86Patch = { ...patch, edits: [{ find: 'a=1;', replace: 'a=3;' }] };
  assert.match(v86PatchesId(), /^[0-9a-f]{8}$/);
  assert.notEqual(v86PatchesId([patch]), v86PatchesId([other]));
  assert.notEqual(v86PatchesId([patch]), v86PatchesId([]));
});

interface PortEntry {
  device: unknown;
}

interface CpuTables {
  io: { ports: PortEntry[] };
  memory_size: Uint32Array;
  memory_map_read8: unknown[];
  memory_map_write8: unknown[];
  memory_map_read32: unknown[];
  memory_map_write32: unknown[];
}

test("the Node target's v86 shares one empty entry among the idle ports, its devices' ports keep their own, and every slot of its memory map is set", async () => {
  const assets = await new NodeAssets({ download: false }).describe('2.4.20');
  const v86 = new V86(restoreOptions(assets));
  try {
    await v86Loaded(v86);
    const cpu = (v86 as unknown as { v86: { cpu: CpuTables } }).v86.cpu;
    const ports = cpu.io.ports;
    assert.equal(ports.length, 65536);
    const distinct = new Set(ports);
    // Unpatched, every port has an entry of its own (65,536).
    assert.ok(distinct.size < 2000, `${distinct.size} distinct port entries`);
    // The serial ports the agent talks through (COM1 0x3f8, COM2 0x2f8) and the clock's CMOS (0x70) are served by their devices.
    for (const port of [0x3f8, 0x2f8, 0x70]) {
      assert.notEqual(ports[port]?.device, undefined, `port 0x${port.toString(16)} has its device`);
      assert.equal(ports.filter((p) => p === ports[port]).length, 1, `port 0x${port.toString(16)} has an entry of its own`);
    }
    // Each 128 KiB of the address space: no handler over RAM but VGA's window (0xa0000), a handler (unmapped memory,
    // or a device's) above it.
    const ramSlots = (cpu.memory_size[0] ?? 0) >>> 17;
    const vgaSlot = 0xa0000 >>> 17;
    for (const table of [cpu.memory_map_read8, cpu.memory_map_write8, cpu.memory_map_read32, cpu.memory_map_write32]) {
      assert.equal(table.length, 32768);
      assert.equal(typeof table[vgaSlot], 'function', "VGA's window");
      assert.ok(table.slice(0, ramSlots).every((f, slot) => f === undefined || slot === vgaSlot), 'no other handler over RAM');
      assert.ok(table.slice(ramSlots).every((f) => typeof f === 'function'), 'a handler for every slot above RAM');
    }
  } finally {
    await v86.destroy();
  }
});

test("the Node target's v86 takes the VGA's memory from WebAssembly right after the RAM, so that one garbage collection covers both growths", async () => {
  // Every growth of v86's WebAssembly memory makes V8 start a full collection; the order of the
  // exports v86 calls as it sets up shows whether anything comes between the two allocations.
  const calls: string[] = [];
  const assets = await new NodeAssets({ download: false }).describe('2.4.20');
  const options = restoreOptions(assets);
  const v86 = new V86({
    ...options,
    wasm_fn: async (imports: WebAssembly.Imports) => {
      const { instance } = await WebAssembly.instantiate(readFileSync(options.wasm_path ?? ''), imports);
      const logged: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(instance.exports)) {
        logged[name] = typeof value === 'function' ? (...args: unknown[]) => (calls.push(name), (value as (...a: unknown[]) => unknown)(...args)) : value;
      }
      return logged as WebAssembly.Exports;
    },
  });
  try {
    await v86Loaded(v86);
    const ram = calls.indexOf('allocate_memory');
    assert.ok(ram >= 0, 'v86 allocated its RAM');
    // Unpatched, it comes after reset_cpu and the JavaScript that builds the devices before the VGA, by when the
    // collection the RAM started is over.
    assert.equal(calls[ram + 1], 'svga_allocate_memory', `after the RAM: ${calls.slice(ram + 1, ram + 4).join(', ')}`);
    assert.equal(calls.filter((c) => c === 'svga_allocate_memory').length, 1, 'the VGA allocates once');
  } finally {
    await v86.destroy();
  }
});
