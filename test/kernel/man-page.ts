/**
 * The man page's errors for create_module(2), reproduced on a real 2.4 kernel.
 * Each kernel's test file calls `manPageSuite` with what that kernel was seen
 * to do where the kernels differ (a huge size).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KernelId } from '../../kernel-images/manifest.ts';
import type { Machine } from '../../harness/machine/machine.ts';
import { boot } from '../../node/boot.ts';
import type { CallRecord, CallResult } from '../../harness/calls/record.ts';

/** With 128 MiB of guest memory, high_memory is 0xc8000000 and vmalloc starts 8 MiB above it. */
export const VMALLOC_START = 0xc8800000;
export const VMALLOC_END = 0xff800000;
export const LONG = { timeout: 240_000 };

export function errnoOf(r: CallRecord): string {
  return r.result.kind === 'errno' ? r.result.errnoName : `not an errno: ${JSON.stringify(r.result).slice(0, 300)}`;
}

export function expectSuccess(r: CallRecord): Extract<CallResult, { kind: 'success' }> {
  if (r.result.kind !== 'success') assert.fail(`expected success, got ${JSON.stringify(r.result).slice(0, 300)}`);
  return r.result;
}

export interface KernelFacts {
  /** What create_module(name, 0xffffffff) does: an errno name, or a crash kind. */
  hugeSize: string;
}

export function manPageSuite(kernel: KernelId, facts: KernelFacts): void {
  let m: Machine;
  let consoleText = '';
  before(async () => {
    m = await boot({ kernel, onConsole: (b) => (consoleText += String.fromCharCode(b)) });
  }, LONG);
  after(() => m?.close());
  // Every test starts with fresh() (a reset: the machine as it was at agent-ready,
  // restored from the snapshot in milliseconds) and sets up what it needs, so
  // that any one of them can run alone (--test-name-pattern) or in any order.
  const fresh = (): Promise<void> => m.reset();

  test(`${kernel}: success returns an address in the vmalloc area, and /proc/modules lists the module`, LONG, async () => {
    await fresh();
    const ok = expectSuccess(await m.createModule('modlab_ok', 4096));
    assert.ok(ok.ret >= VMALLOC_START && ok.ret < VMALLOC_END, `address 0x${ok.ret.toString(16)} outside vmalloc area`);
    assert.equal(ok.ret % 4096, 0, 'vmalloc hands out whole pages');
    assert.match(await m.readProcModules(), /^modlab_ok\s+4096\s+\(uninitialized\)/m);
  });

  test(`${kernel}: EEXIST for a name already in use`, LONG, async () => {
    await fresh();
    const first = expectSuccess(await m.createModule('modlab_ok', 4096));
    assert.equal(errnoOf(await m.createModule('modlab_ok', 4096)), 'EEXIST');
    // Whatever the size: the name decides.
    assert.equal(errnoOf(await m.createModule('modlab_ok', 8192)), 'EEXIST');
    assert.equal((await m.readProcModules()).match(/^modlab_ok\s/gm)?.length, 1, 'the module is listed once');
    assert.notEqual(expectSuccess(await m.createModule('modlab_other', 4096)).ret, first.ret, 'another name is still created, elsewhere');
  });

  test(`${kernel}: EFAULT for NULL, a wild pointer and a kernel address`, LONG, async () => {
    await fresh();
    assert.equal(errnoOf(await m.createModule(null, 4096)), 'EFAULT');
    assert.equal(errnoOf(await m.createModule({ kind: 'pointer', address: 0xffffffff }, 4096)), 'EFAULT');
    assert.equal(errnoOf(await m.createModule({ kind: 'pointer', address: 0xc0100000 }, 4096)), 'EFAULT');
  });

  test(`${kernel}: EINVAL for an empty name and for a size smaller than struct module`, LONG, async () => {
    await fresh();
    assert.equal(errnoOf(await m.createModule('', 4096)), 'EINVAL');
    assert.equal(errnoOf(await m.createModule('small', 10)), 'EINVAL');
  });

  test(`${kernel}: EPERM for a caller without CAP_SYS_MODULE`, LONG, async () => {
    await fresh();
    const r = await m.createModule('nobody', 4096, { uid: 65534 });
    assert.equal(errnoOf(r), 'EPERM');
    assert.equal(r.result.kind === 'errno' && r.result.during, 'call');
  });

  test(`${kernel}: names are copied up to a page: 4095 bytes fit, 4096 and 64 KiB give ENAMETOOLONG`, LONG, async () => {
    await fresh();
    expectSuccess(await m.createModule('n'.repeat(4095), 8192));
    assert.equal(errnoOf(await m.createModule('n'.repeat(4096), 8192)), 'ENAMETOOLONG');
    assert.equal(errnoOf(await m.createModule('m'.repeat(65536), 100000)), 'ENAMETOOLONG');
  });

  test(`${kernel}: delete_module removes an uninitialized module, then ENOENT`, LONG, async () => {
    await fresh();
    expectSuccess(await m.createModule('modlab_ok', 4096));
    assert.match(await m.readProcModules(), /^modlab_ok\s/m);
    assert.equal(expectSuccess(await m.deleteModule('modlab_ok')).ret, 0);
    assert.doesNotMatch(await m.readProcModules(), /^modlab_ok\s/m);
    assert.equal(errnoOf(await m.deleteModule('modlab_ok')), 'ENOENT');
  });

  test(`${kernel}: the console shell makes the same call`, LONG, async () => {
    await fresh();
    const start = consoleText.length;
    m.sendConsole('create_module shell_mod 4096\n');
    const deadline = Date.now() + 20_000;
    while (!/create_module = 0x[0-9a-f]{8}/.test(consoleText.slice(start)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(consoleText.slice(start), /create_module = 0xc[89a-f][0-9a-f]{6}/);
    assert.match(await m.readProcModules(), /^shell_mod\s+4096/m);
  });

  test(`${kernel}: a size of 0xffffffff gives ${facts.hugeSize}`, LONG, async () => {
    await fresh();
    // A module created before the call, to tell the machine after a crash from this one.
    expectSuccess(await m.createModule('before_huge', 4096));
    const gen = m.generation;
    const r = await m.createModule('huge', 0xffffffff);
    if (facts.hugeSize.startsWith('E')) {
      assert.equal(errnoOf(r), facts.hugeSize);
      // A plain error: the same machine goes on, its module still there.
      assert.equal(m.generation, gen);
      assert.match(await m.readProcModules(), /^before_huge\s/m);
      return;
    }
    assert.equal(r.result.kind, 'crash', JSON.stringify(r.result).slice(0, 300));
    if (r.result.kind !== 'crash') return;
    assert.equal(r.result.crash, facts.hugeSize);
    assert.match(r.result.console, /kernel BUG at vmalloc\.c/);
    assert.equal(r.recovered, true);
    assert.equal(r.machine, gen);
    // The run goes on, on a clean machine.
    assert.equal(m.generation, gen + 1);
    const next = await m.createModule('after_crash', 4096);
    expectSuccess(next);
    assert.equal(next.machine, gen + 1);
    assert.doesNotMatch(await m.readProcModules(), /before_huge/, 'the clean machine has none of the old one\'s modules');
  });

  test(`${kernel}: reset restores the machine as it was at agent-ready, and a booted machine agrees with it`, LONG, async () => {
    await fresh();
    // Something to undo first.
    expectSuccess(await m.createModule('left_behind', 4096));
    await m.reset();
    assert.equal(m.restored, true, 'the reset came from the snapshot');
    assert.doesNotMatch(await m.readProcModules(), /\S/, 'no module survives a reset');
    const restored = expectSuccess(await m.createModule('same_place', 4096));
    await m.reset();
    assert.equal(expectSuccess(await m.createModule('same_place', 4096)).ret, restored.ret, 'each reset starts from the same state');

    const booted = await boot({ kernel, snapshots: null });
    try {
      assert.equal(booted.restored, false);
      assert.equal(booted.release, m.release);
      assert.equal(expectSuccess(await booted.createModule('same_place', 4096)).ret, restored.ret, 'a cold boot gives the same first address');
    } finally {
      await booted.close();
    }
  });
}
