/**
 * 6.1's JIT windows (jitWindowSwitch in harness/machine/v86-config.ts): an
 * interpreted boot has v86's JIT compile its hot stretches only, between the
 * console lines that open and close each, and the machine still answers as 6.1.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boot } from '../../node/boot.ts';
import { onJitCompile } from './jit-compiles.ts';
import { errnoOf, LONG } from './man-page.ts';

/** The console line that had last ended each time v86's JIT emitted a wasm module. */
const compiledAfter: string[] = [];
let lastLine = '';
let partial = '';
onJitCompile(() => compiledAfter.push(lastLine));

/** opens null: from power-on, before the first line. */
const WINDOWS: ReadonlyArray<{ opens: string | null; closes: string }> = [
  { opens: null, closes: 'Linux version' },
  { opens: 'rcu: Adjusting geometry for rcu_fanout_leaf', closes: 'NR_IRQS:' },
  { opens: 'Loading compiled-in X.509 certificates', closes: 'Loaded X.509 cert' },
  { opens: 'clk: Disabling unused clocks', closes: 'Freeing unused kernel image' },
];

test('6.1: a cold boot compiles in its four JIT windows only, and answers as 6.1', LONG, async () => {
  const lines: string[] = [];
  const m = await boot({
    kernel: '6.1',
    snapshots: null,
    onConsole: (b) => {
      if (b !== 10) {
        partial += String.fromCharCode(b);
        return;
      }
      lastLine = partial;
      lines.push(partial);
      partial = '';
    },
  });
  try {
    assert.match(m.release, /^6\.1\./);
    const calls = compiledAfter.length;
    assert.equal(errnoOf(await m.createModule('hello', 4096)), 'ENOSYS');
    assert.equal(compiledAfter.length, calls, 'calls after the boot are interpreted');
  } finally {
    await m.close();
  }
  // The window each line leaves the JIT in: a module emitted after a line outside every window would be a compile the boot did not ask for.
  const windowAfter = new Map<string, number>();
  let open = WINDOWS.findIndex((w) => w.opens === null);
  if (open >= 0) windowAfter.set('', open);
  for (const line of lines) {
    const opening = WINDOWS.findIndex((w) => w.opens !== null && line.includes(w.opens));
    if (opening >= 0) open = opening;
    else if (open >= 0 && line.includes(WINDOWS[open]!.closes)) open = -1;
    if (open >= 0) windowAfter.set(line, open);
  }
  assert.deepEqual(compiledAfter.filter((l) => !windowAfter.has(l)), [], 'no wasm emitted outside the windows');
  WINDOWS.forEach((w, i) => {
    const n = compiledAfter.filter((l) => windowAfter.get(l) === i).length;
    assert.ok(n > 0, `wasm emitted in the window that "${w.closes}" closes`);
  });
});
