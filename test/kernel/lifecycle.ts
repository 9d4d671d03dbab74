/**
 * A module's whole life on a real 2.4 kernel: the hello module linked by the
 * agent's own insmod, loaded, queried and removed; a second module that uses
 * it; the errors of init_module, query_module and delete_module; and
 * query_module and get_kernel_syms checked against /proc/modules and
 * /proc/ksyms. Each 2.4 kernel's test file calls `lifecycleSuite`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KernelId } from '../../kernel-images/manifest.ts';
import type { NameArg } from '../../harness/calls/args.ts';
import type { Call } from '../../harness/calls/model.ts';
import { loadModule, runLifecycle } from '../../harness/reports/lifecycle.ts';
import type { Machine } from '../../harness/machine/machine.ts';
import type { CallData } from '../../harness/calls/buffers.ts';
import { boot } from '../../node/boot.ts';
import type { CallRecord, LinkRecord, StepRecord } from '../../harness/calls/record.ts';
import { LONG } from './man-page.ts';

const name = (text: string): NameArg => ({ kind: 'string', text });

function answer(r: CallRecord): string {
  return r.result.kind === 'success' ? 'ok' : r.result.kind === 'errno' ? r.result.errnoName : `crash:${r.result.crash}`;
}

function asCall(s: StepRecord | undefined): CallRecord {
  assert.equal(s?.kind, 'call');
  return s;
}

function asLink(s: StepRecord | undefined): LinkRecord {
  assert.equal(s?.kind, 'link');
  return s;
}

/** create_module:ok, link:ok, init_module:EBUSY, … */
function stepAnswer(s: StepRecord): string {
  if (s.kind === 'link') return `link:${s.result.kind === 'linked' ? 'ok' : s.result.errnoName}`;
  return `${s.call.call}:${answer(s)}`;
}

function data(r: CallRecord): CallData | undefined {
  return r.result.kind === 'crash' ? undefined : r.result.data;
}

function procModuleNames(text: string): string[] {
  return text.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0] ?? '');
}

export function lifecycleSuite(kernel: KernelId): void {
  let m: Machine;
  let consoleText = '';
  const call = (c: Call): Promise<CallRecord> => m.call(c);
  before(async () => {
    m = await boot({ kernel, onConsole: (b) => (consoleText += String.fromCharCode(b)) });
  }, LONG);

  /** Types a line on the console shell and returns what it printed up to the next prompt. */
  async function shell(line: string): Promise<string> {
    const start = consoleText.length;
    m.sendConsole(`${line}\n`);
    const deadline = Date.now() + 20_000;
    while (!consoleText.slice(start).includes('modlab# ') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return consoleText.slice(start).replace(/\r/g, '');
  }
  after(() => m?.close());

  test(`${kernel}: hello is created, linked, initialised, queried and deleted, with its printk on the console`, LONG, async () => {
    await m.reset();
    const steps = await runLifecycle(m, 'hello');
    assert.deepEqual(steps.map(stepAnswer), ['create_module:ok', 'link:ok', 'init_module:ok', 'query_module:ok', 'delete_module:ok']);
    const [create, link, init, query, del] = [asCall(steps[0]), asLink(steps[1]), asCall(steps[2]), asCall(steps[3]), asCall(steps[4])];
    const address = create.result.kind === 'success' ? create.result.ret : NaN;
    assert.match(steps[0]?.procModules ?? '', /^hello\s+\d+ \(uninitialized\)$/m);
    // The link step resolved printk against the running kernel's MODVERSIONS name.
    const printk = link.report.symbols.find((s) => s.name === 'printk');
    assert.match(printk?.foundAs ?? '', /^printk_R[0-9a-f]{8}$/);
    assert.equal(link.report.header['init'] !== undefined && link.report.header['name'], address + 96);
    assert.match(init.console, new RegExp(`modlab hello: init_module ran at ${(link.report.header['init'] ?? 0).toString(16)}`));
    assert.match(steps[2]?.procModules ?? '', /^hello\s+\d+\s+0 \(unused\)$/m, 'live, use count 0');
    const info = data(query);
    assert.deepEqual(info?.kind === 'info' ? [info.addr, info.size, info.flags & 1, info.usecount] : null, [address, link.size, 1, 0]);
    assert.match(del.console, /modlab hello: cleanup_module ran after 0 greetings/);
    assert.doesNotMatch(steps[4]?.procModules ?? '', /^hello\s/m);
  });

  test(`${kernel}: a module that uses hello makes it busy: refs, deps, EBUSY, then removal in order`, LONG, async () => {
    await m.reset();
    const hello = await loadModule(m, 'hello');
    assert.ok(hello.address, 'hello loaded');
    const user = await loadModule(m, 'hello_user');
    assert.ok(user.address, 'hello_user loaded');
    const greet = asLink(user.steps[1]).report.symbols.find((s) => s.name === 'modlab_hello_greet');
    assert.equal(greet?.owner, hello.address, 'the symbol came from hello, which makes hello a dependency');
    assert.match(asCall(user.steps[2]).console, /modlab hello: hello, hello_user \(greeting 1\)/);
    // hello_user holds hello: referenced, and its use count is 1.
    assert.match(await m.readProcModules(), /^hello\s+\d+\s+1 \[hello_user\]$/m);
    const held = data(await call({ call: 'query_module', name: name('hello'), which: 'QM_INFO', bufsize: 16, uid: 0 }));
    assert.equal(held?.kind === 'info' && held.usecount, 1);

    const refs = await call({ call: 'query_module', name: name('hello'), which: 'QM_REFS', bufsize: 4096, uid: 0 });
    assert.deepEqual(data(refs), { kind: 'names', which: 'QM_REFS', names: ['hello_user'], ret: 1 });
    const deps = await call({ call: 'query_module', name: name('hello_user'), which: 'QM_DEPS', bufsize: 4096, uid: 0 });
    assert.deepEqual(data(deps), { kind: 'names', which: 'QM_DEPS', names: ['hello'], ret: 1 });
    const syms = await call({ call: 'query_module', name: name('hello'), which: 'QM_SYMS', bufsize: 4096, uid: 0 });
    const exported = data(syms);
    assert.ok(exported?.kind === 'symbols');
    assert.deepEqual(exported.symbols.map((s) => s.name), ['modlab_hello_greet', 'modlab_hello_hold', 'modlab_hello_release']);
    assert.equal(exported.symbols[0]?.value, greet?.value);

    assert.equal(answer(await call({ call: 'delete_module', name: name('hello'), uid: 0 })), 'EBUSY');
    assert.equal(answer(await call({ call: 'delete_module', name: name('hello_user'), uid: 65534 })), 'EPERM');
    const goneUser = await call({ call: 'delete_module', name: name('hello_user'), uid: 0 });
    assert.equal(answer(goneUser), 'ok');
    assert.match(goneUser.console, /modlab hello_user: cleanup_module; hello released/);
    // Count back to 0, but no longer "(unused)": the kernel remembers MOD_USED_ONCE.
    assert.match(await m.readProcModules(), /^hello\s+\d+\s+0$/m);
    const goneHello = await call({ call: 'delete_module', name: name('hello'), uid: 0 });
    assert.equal(answer(goneHello), 'ok');
    assert.match(goneHello.console, /cleanup_module ran after 1 greetings/);
    assert.deepEqual(procModuleNames(await m.readProcModules()), []);
  });

  test(`${kernel}: the console shell's insmod, lsmod and rmmod do the same for a person typing`, LONG, async () => {
    await m.reset();
    assert.match(await shell('insmod hello'), /create_module = 0xc8[0-9a-f]{6}\nlinked for that address \(448 bytes\)\nmodlab hello: init_module ran at c8[0-9a-f]{6}\ninit_module = 0x00000000/);
    assert.match(await shell('insmod hello_user'), /hello, hello_user \(greeting 1\)[\s\S]*init_module = 0x00000000/);
    assert.match(await shell('lsmod'), /^hello\s+448\s+1 \[hello_user\]$/m);
    assert.match(await shell('rmmod hello'), /delete_module = -1 EBUSY \(16\)/);
    assert.match(await shell('rmmod hello_user'), /hello released\ndelete_module = 0x00000000/);
    assert.match(await shell('rmmod hello'), /cleanup_module ran after 1 greetings\ndelete_module = 0x00000000/);
    assert.match(await shell('insmod nope'), /insmod: no such module in \/modules/);
    assert.equal(await m.readProcModules(), '', 'the protocol sees the same kernel');
  });

  test(`${kernel}: the errors of init_module, query_module and delete_module, for real`, LONG, async () => {
    await m.reset();
    const header = { kind: 'bytes', bytes: new Uint8Array(96) } as const;
    assert.equal(answer(await call({ call: 'init_module', name: name('never_created'), image: header, uid: 0 })), 'ENOENT');
    assert.equal(answer(await call({ call: 'init_module', name: { kind: 'null' }, image: header, uid: 0 })), 'EFAULT');
    assert.equal(answer(await call({ call: 'init_module', name: name('never_created'), image: header, uid: 65534 })), 'EPERM');
    assert.equal(answer(await call({ call: 'create_module', name: name('shell'), size: 4096, uid: 0 })), 'ok');
    assert.equal(answer(await call({ call: 'init_module', name: name('shell'), image: { kind: 'null' }, uid: 0 })), 'EFAULT');
    const badHeader = await call({ call: 'init_module', name: name('shell'), image: header, uid: 0 });
    assert.equal(answer(badHeader), 'EINVAL');
    assert.match(badHeader.console, /init_module: Invalid module header size/);

    // A module whose init returns 1 ("buggy"): EBUSY, and it stays uninitialized.
    const failing = await loadModule(m, 'hello_fail');
    assert.equal(failing.address, null);
    const init = asCall(failing.steps[2]);
    assert.equal(answer(init), 'EBUSY');
    assert.match(init.console, /modlab hello_fail: init_module refuses to start/);
    assert.match(failing.steps[2]?.procModules ?? '', /^hello_fail\s+\d+ \(uninitialized\)$/m);
    assert.equal(answer(await call({ call: 'delete_module', name: name('hello_fail'), uid: 0 })), 'ok');

    assert.equal(answer(await call({ call: 'query_module', name: name('no_such_module'), which: 'QM_INFO', bufsize: 16, uid: 0 })), 'ENOENT');
    assert.equal(answer(await call({ call: 'query_module', name: { kind: 'pointer', address: 0xffffffff }, which: 'QM_INFO', bufsize: 16, uid: 0 })), 'EFAULT');
    assert.equal(answer(await call({ call: 'query_module', name: { kind: 'null' }, which: 99, bufsize: 16, uid: 0 })), 'EINVAL');
    // which 0 (QM_NONE) is how modutils asked whether query_module exists at all.
    assert.equal(answer(await call({ call: 'query_module', name: { kind: 'null' }, which: 0, bufsize: 0, uid: 0 })), 'ok');
    const small = await call({ call: 'query_module', name: { kind: 'null' }, which: 'QM_SYMS', bufsize: 16, uid: 0 });
    assert.equal(answer(small), 'ENOSPC');
    const needed = data(small);
    assert.ok(needed?.kind === 'ret' && needed.ret > 1000, 'ENOSPC says how many bytes the table needs');

    // An uninitialised module is deleted like any other; a NULL name reaps unused autoclean modules (none here).
    assert.equal(answer(await call({ call: 'delete_module', name: { kind: 'null' }, uid: 0 })), 'ok');
    assert.deepEqual(procModuleNames(await m.readProcModules()), ['shell']);
    assert.equal(answer(await call({ call: 'delete_module', name: name('shell'), uid: 0 })), 'ok');
    assert.equal(answer(await call({ call: 'delete_module', name: name('shell'), uid: 0 })), 'ENOENT');
    assert.equal(answer(await call({ call: 'delete_module', name: name(''), uid: 0 })), 'EINVAL');
    assert.equal(answer(await call({ call: 'delete_module', name: { kind: 'pointer', address: 0xffffffff }, uid: 0 })), 'EFAULT');
  });

  test(`${kernel}: query_module and get_kernel_syms agree with /proc/modules and /proc/ksyms`, LONG, async () => {
    await m.reset();
    assert.ok((await loadModule(m, 'hello')).address);
    assert.equal(answer(await call({ call: 'create_module', name: name('reserved'), size: 8192, uid: 0 })), 'ok');
    const mods = await call({ call: 'query_module', name: { kind: 'null' }, which: 'QM_MODULES', bufsize: 4096, uid: 0 });
    const listed = procModuleNames(await m.readProcModules());
    assert.deepEqual(data(mods), { kind: 'names', which: 'QM_MODULES', names: listed, ret: listed.length });

    const info = await call({ call: 'query_module', name: name('reserved'), which: 'QM_INFO', bufsize: 16, uid: 0 });
    const d = data(info);
    assert.ok(d?.kind === 'info');
    assert.equal(d.size, 8192);
    assert.equal(d.flags, 0, 'uninitialized: no flag set');

    const probe = data(await call({ call: 'query_module', name: { kind: 'null' }, which: 'QM_SYMS', bufsize: 0, uid: 0 }));
    assert.ok(probe?.kind === 'ret');
    const table = data(await call({ call: 'query_module', name: { kind: 'null' }, which: 'QM_SYMS', bufsize: probe.ret, uid: 0 }));
    assert.ok(table?.kind === 'symbols');
    const ksyms = (await m.readFile('/proc/ksyms')).trim().split('\n').map((l) => l.split(/\s+/));
    const kernelLines = ksyms.filter((f) => f.length === 2).map(([v, n]) => `${Number.parseInt(v ?? '', 16)} ${n}`);
    assert.deepEqual(table.symbols.map((s) => `${s.value} ${s.name}`).sort(), kernelLines.sort(), 'QM_SYMS(NULL) is /proc/ksyms without module symbols');
    assert.ok(ksyms.some((f) => f[1] === 'modlab_hello_greet' && f[2] === '[hello]'), 'hello exports its greeting');

    const count = await call({ call: 'get_kernel_syms', table: null, uid: 0 });
    assert.equal(answer(count), 'ok');
    const n = count.result.kind === 'success' ? count.result.ret : 0;
    const all = data(await call({ call: 'get_kernel_syms', table: n, uid: 0 }));
    assert.ok(all?.kind === 'symbols');
    const byName = new Map(all.symbols.map((s) => [s.name, s.value]));
    for (const [v, sym] of ksyms) assert.equal(byName.get(sym ?? ''), Number.parseInt(v ?? '', 16), `${sym} in get_kernel_syms`);
    assert.ok(byName.has('#hello'), 'each module is introduced by a #name entry');
  });
}
