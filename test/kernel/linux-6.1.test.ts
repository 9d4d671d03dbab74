import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Machine } from '../../harness/machine/machine.ts';
import { boot } from '../../node/boot.ts';
import { ALL_TUNINGS, bootFiles, kernelCommandLine, type Tuning } from '../../harness/machine/v86-config.ts';
import { findKernel } from '../../kernel-images/manifest.ts';
import { harmlessLines } from '../../web/boot-notes.ts';
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

/** The boot log of the cold boot with every tuning, for the comparison below. */
let tunedLog = '';

test('6.1 booted from nothing with host-unpack: the host unpacks its XZ kernel to 16 MiB, and it still answers as 6.1', LONG, async () => {
  // The files v86 gets: the placed kernel, not the packed bzImage (which boots through its own XZ decompressor).
  const assets = await new NodeAssets().load('6.1');
  assert.notEqual((await bootFiles(assets)).bzimage, assets.bzimage, 'host-unpack applies to 6.1');
  let console61 = '';
  const fresh = await boot({ kernel: '6.1', snapshots: null, onConsole: (b) => (console61 += String.fromCharCode(b)) });
  // Up to the agent's ready line: the calls below add their own console text.
  tunedLog = console61;
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

/** The tunings that skip initcalls (initcall_blacklist=): what they leave out must change neither answers nor the boot log. */
const SKIPPING: readonly Tuning[] = ['no-tracefs-setup', 'no-ftrace-weak-check', 'no-blake2s-selftest', 'no-slab-sysfs'];

/** Lines a slow host may add to any boot: a timer interrupt, clock check or PCI quirk that took long by the host's clock. */
const HOST_TIMING = /^(hrtimer: interrupt took|clocksource: .*(unstable|watchdog)|tsc: .*unstable)|\btook \d+ usecs$/i;

/** A boot log's lines, sorted, without timestamps, with the numbers that vary from boot to boot (clock, addresses) masked. */
function logLines(log: string): string[] {
  return log
    .split(/\r?\n/)
    .map((l) => l.replace(/^\[\s*\d+\.\d+\]\s*/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('Kernel command line:') && !HOST_TIMING.test(l))
    .map((l) => l.replace(/0x[0-9a-f]+|\d+/g, 'N'))
    .sort();
}

// Untuned 6.1 boots take several times longer: on a busy host, past the default deadlines.
const UNTUNED = { timeout: 420_000 };

test('6.1 with its initcalls all run: the same answers, and the same boot log but for the command line', UNTUNED, async () => {
  const k61 = findKernel('6.1');
  assert.ok(k61);
  const tunings = ALL_TUNINGS.filter((t) => !SKIPPING.includes(t));
  assert.ok(!kernelCommandLine(k61, tunings).includes('initcall_blacklist'));
  let console61 = '';
  const full = await boot({ kernel: '6.1', snapshots: null, tunings, bootTimeoutMs: 360_000, onConsole: (b) => (console61 += String.fromCharCode(b)) });
  const log = console61;
  try {
    assert.equal(full.release, m.release);
    assert.equal(errnoOf(await full.createModule('hello', 4096)), errnoOf(await m.createModule('hello', 4096)));
    assert.equal(errnoOf(await full.createModule(null, 0xffffffff)), errnoOf(await m.createModule(null, 0xffffffff)));
    assert.equal(errnoOf(await full.deleteModule('no_such_module')), errnoOf(await m.deleteModule('no_such_module')));
    assert.equal(await full.readFile('/proc/modules'), await m.readFile('/proc/modules'));
  } finally {
    await full.close();
  }
  assert.ok(tunedLog.includes('initcall_blacklist='), 'the tuned cold boot above ran and skipped initcalls');
  // The lab shows this log and explains its harmless lines (web/boot-notes.ts): none may go missing.
  assert.deepEqual(harmlessLines(tunedLog).map((h) => h.why), harmlessLines(log).map((h) => h.why));
  assert.deepEqual(logLines(tunedLog), logLines(log));
});
