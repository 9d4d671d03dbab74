/**
 * A user's program on real kernels (Machine.exec, `modlab exec`): compiled
 * by TinyCC with guest/program's runtime, written into the guest, run as
 * root or another uid with its output captured, stopped at its deadline,
 * its signal reported, a kernel oops told apart from the program's own
 * crash, and the machine usable after each. The create_module template's
 * two ways of calling agree with the harness's own calls on every 2.4
 * kernel, and on 6.1 both say ENOSYS.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { KernelId } from '../../kernel-images/manifest.ts';
import type { ExecRecord } from '../../harness/calls/record.ts';
import { InputError } from '../../harness/errors.ts';
import type { ExecReport } from '../../harness/reports/step-report.ts';
import { EXEC_OUTPUT_MAX } from '../../harness/protocol.ts';
import { boot, type Machine } from '../../node/boot.ts';
import { compileProgramFile } from '../../node/compiler.ts';
import { expectSuccess, LONG } from './man-page.ts';
import { modlab } from './run-cli.ts';

const TEMPLATE = readFileSync(fileURLToPath(new URL('../../templates/programs/create_module.c', import.meta.url)), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'modlab-exec-'));
after(() => rmSync(work, { recursive: true, force: true }));

const compiled = new Map<string, Uint8Array>();
/** The program's executable, compiled once per source. */
async function program(source: string): Promise<Uint8Array> {
  const have = compiled.get(source);
  if (have) return have;
  const r = await compileProgramFile(source, { fileName: 'program.c' });
  if (!r.ok) assert.fail(`the test program does not compile:\n${r.diagnostics}`);
  compiled.set(source, r.executable);
  return r.executable;
}

const HELLO = `#include <stdio.h>
int main(int argc, char **argv)
{
	printf("hello from %s\\n", argv[0]);
	for (int i = 1; i < argc; i++)
		printf("argv[%d] = [%s]\\n", i, argv[i]);
	fprintf(stderr, "this goes to stderr\\n");
	return 3;
}
`;

const WHO = `#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
	long r = syscall(SYS_create_module, "who", 4096);
	printf("getuid() = %u\\n", getuid());
	printf("create_module = %ld %s\\n", r, r == -1 ? strerrorname_np(errno) : "ok");
	return 0;
}
`;

const LOOP = `#include <stdio.h>
int main(void)
{
	printf("looping\\n");
	fflush(stdout);
	for (;;)
		;
}
`;

const SEGV = `#include <stdio.h>
int main(void)
{
	printf("Oops: about to write through NULL\\n");
	fflush(stdout);
	*(volatile int *)0 = 1;
	return 0;
}
`;

const OOPS_TEXT = `#include <stdio.h>
int main(void)
{
	printf("Unable to handle kernel NULL pointer dereference (only words)\\nKernel panic: not really\\n");
	return 0;
}
`;

const VMALLOC_BUG = `#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
	printf("asking for 256 MiB\\n");
	fflush(stdout);
	long r = syscall(SYS_create_module, "huge", 0x10000000);
	printf("create_module = %ld\\n", r);
	return 0;
}
`;

const CHATTY = `#include <stdio.h>
int main(void)
{
	for (int i = 0; i < 2000; i++)
		printf("line %04d of a program that says too much\\n", i);
	return 0;
}
`;

const template = (r: ExecRecord): string[] => r.stdout.trim().split('\n');

/** The template's answer for one call: the address, or the errno name. */
function answerOf(lines: readonly string[], call: string): string {
  const line = lines.find((l) => l.startsWith(call));
  assert.ok(line, `no line for ${call} in:\n${lines.join('\n')}`);
  const m = /= (0x[0-9a-f]+|0)$|= -1, errno \d+ (E[A-Z]+)/.exec(line);
  assert.ok(m, `unexpected line ${line}`);
  return (m[1] ?? m[2]) as string;
}

describe('programs on 2.4.20', LONG, () => {
  let m: Machine;
  before(async () => {
    m = await boot({ kernel: '2.4.20' });
  });
  after(async () => {
    await m.close();
  });

  test('hello: stdout and stderr apart, argv as given, the exit status, echoed on the console', LONG, async () => {
    const r = await m.exec(await program(HELLO), { name: 'hello', args: ['one', 'two words', '-x', ''] });
    assert.deepEqual(r.result, { kind: 'exited', status: 3 });
    assert.equal(r.stdout, 'hello from hello\nargv[1] = [one]\nargv[2] = [two words]\nargv[3] = [-x]\nargv[4] = []\n');
    assert.equal(r.stderr, 'this goes to stderr\n');
    assert.match(r.console, /hello from hello\r\n/);
    assert.match(r.console, /this goes to stderr/);
    assert.deepEqual([r.uid, r.recovered, r.machine, r.stdoutTruncated], [0, false, m.generation, false]);
    // The guest's clock is only roughly right over a few ms (2.4 on v86 may step back): bounded, not exact.
    assert.ok(r.guestMs >= 0 && r.guestMs < r.elapsedMs + 50, `guest ${r.guestMs} ms, host ${r.elapsedMs} ms`);
    // The file is gone afterwards: the initrd has little room.
    await assert.rejects(m.readFile('/tmp/hello'), /ENOENT/);
  });

  test('--uid 1000: getuid says so and create_module answers EPERM', LONG, async () => {
    const r = await m.exec(await program(WHO), { name: 'who', uid: 1000 });
    assert.deepEqual(r.result, { kind: 'exited', status: 0 });
    assert.equal(r.stdout, 'getuid() = 1000\ncreate_module = -1 EPERM\n');
    const root = await m.exec(await program(WHO), { name: 'who' });
    assert.match(root.stdout, /^getuid\(\) = 0\ncreate_module = -\d+ ok\n$/);
    await m.deleteModule('who');
  });

  test('a program that never ends is stopped at its deadline; the machine carries on', LONG, async () => {
    const generation = m.generation;
    const r = await m.exec(await program(LOOP), { name: 'loop', timeoutMs: 300 });
    assert.deepEqual(r.result, { kind: 'timeout', limitMs: 300 });
    assert.equal(r.stdout, 'looping\n');
    assert.ok(r.elapsedMs >= 300 && r.elapsedMs < 5000, `${r.elapsedMs} ms`);
    const next = await m.exec(await program(HELLO), { name: 'hello' });
    assert.deepEqual(next.result, { kind: 'exited', status: 3 });
    expectSuccess(await m.createModule('after_loop', 4096));
    await m.deleteModule('after_loop');
    assert.equal(m.generation, generation, 'no new machine was needed');
  });

  test('a NULL write in user space is SIGSEGV, not a kernel crash, even when it printed "Oops"', LONG, async () => {
    const generation = m.generation;
    const r = await m.exec(await program(SEGV), { name: 'segv' });
    assert.deepEqual(r.result, { kind: 'signaled', signal: 11, signalName: 'SIGSEGV' });
    assert.equal(r.stdout, 'Oops: about to write through NULL\n');
    assert.equal(r.recovered, false);
    const words = await m.exec(await program(OOPS_TEXT), { name: 'words' });
    assert.deepEqual(words.result, { kind: 'exited', status: 0 });
    assert.equal(m.generation, generation);
    assert.deepEqual((await m.exec(await program(HELLO), { name: 'hello' })).result, { kind: 'exited', status: 3 });
  });

  test('an oops in the kernel under the program is a crash, and a clean machine takes over', LONG, async () => {
    const generation = m.generation;
    const r = await m.exec(await program(VMALLOC_BUG), { name: 'huge' });
    assert.equal(r.result.kind, 'crash');
    assert.ok(r.result.kind === 'crash' && r.result.crash === 'oops');
    assert.match(r.console, /kernel BUG at vmalloc\.c/);
    assert.equal(r.stdout, 'asking for 256 MiB\n');
    assert.equal(r.recovered, true);
    assert.equal(m.generation, generation + 1);
    assert.deepEqual((await m.exec(await program(HELLO), { name: 'hello' })).result, { kind: 'exited', status: 3 });
  });

  test('output beyond 64 KiB is cut and said so; a file too large for the initrd is not run, and says why', LONG, async () => {
    const r = await m.exec(await program(CHATTY), { name: 'chatty', timeoutMs: 30_000 });
    assert.deepEqual(r.result, { kind: 'exited', status: 0 });
    assert.equal(r.stdout.length, EXEC_OUTPUT_MAX);
    assert.equal(r.stdoutTruncated, true);
    assert.ok(r.stdout.startsWith('line 0000 of a program'));
    // Trailing bytes do not change what the kernel loads; 300 KiB do not fit in the initrd's free room.
    const hello = await program(HELLO);
    const big = new Uint8Array(300 * 1024);
    big.set(hello);
    const full = await m.exec(big, { name: 'big' });
    assert.deepEqual(full.result, { kind: 'not-run', errno: 28, errnoName: 'ENOSPC', during: 'write' });
    // The partial file was removed: the next program has the room.
    assert.deepEqual((await m.exec(hello, { name: 'hello' })).result, { kind: 'exited', status: 3 });
  });

  test('what modlab cannot run is refused before it reaches the guest', LONG, async () => {
    await assert.rejects(m.exec(new TextEncoder().encode('#!/bin/sh\necho hi\n'.padEnd(64)), { name: 'script' }), (e: unknown) => e instanceof InputError && /not a static i386 executable/.test(e.message));
    await assert.rejects(m.exec(await program(HELLO), { timeoutMs: 60_001 }), InputError);
  });
});

// Where the kernels have create_module: the template's two ways agree with the harness's calls.
for (const kernel of ['2.4.18', '2.4.20', '2.4.27'] as const satisfies readonly KernelId[]) {
  test(`${kernel}: the template's create_module and syscall() agree with the harness's calls`, LONG, async () => {
    const m = await boot({ kernel });
    try {
      // On a fresh machine the harness gets these two addresses for these two calls...
      const first = expectSuccess(await m.createModule('first', 4096)).ret;
      const second = expectSuccess(await m.createModule('second', 8192)).ret;
      assert.notEqual(first, second);
      // ...and the program, both ways, on the machine as it was then: the same addresses.
      await m.reset();
      const run = await m.exec(await program(TEMPLATE), { name: 'create_module' });
      assert.deepEqual(run.result, { kind: 'exited', status: 0 }, run.stderr);
      const lines = template(run);
      assert.equal(answerOf(lines, 'create_module("first", 4096)'), `0x${first.toString(16)}`);
      assert.equal(answerOf(lines, 'syscall(SYS_create_module, "second", 8192)'), `0x${second.toString(16)}`);
      assert.equal(answerOf(lines, 'delete_module("first")'), '0');
      assert.equal(answerOf(lines, 'delete_module("second")'), '0');
      // What the program deleted is gone for the harness too.
      const gone = await m.deleteModule('first');
      assert.ok(gone.result.kind === 'errno' && gone.result.errnoName === 'ENOENT');
      // A name the harness created is taken for the program, both ways.
      expectSuccess(await m.createModule('first', 4096));
      const again = template(await m.exec(await program(TEMPLATE), { name: 'create_module' }));
      assert.equal(answerOf(again, 'create_module("first", 4096)'), 'EEXIST');
      // As another uid, both ways answer EPERM, as the harness's call does.
      const user = template(await m.exec(await program(TEMPLATE), { name: 'create_module', uid: 1000 }));
      assert.equal(answerOf(user, 'create_module("first", 4096)'), 'EPERM');
      assert.equal(answerOf(user, 'syscall(SYS_create_module, "second", 8192)'), 'EPERM');
      assert.ok(user.includes('getuid() = 1000'));
      const harness = await m.call({ call: 'create_module', name: { kind: 'string', text: 'x' }, size: 4096, uid: 1000 });
      assert.ok(harness.result.kind === 'errno' && harness.result.errnoName === 'EPERM');
    } finally {
      await m.close();
    }
  });
}

test('6.1: the template runs, and both ways the kernel says ENOSYS', LONG, async () => {
  const m = await boot({ kernel: '6.1' });
  try {
    const r = await m.exec(await program(TEMPLATE), { name: 'create_module' });
    assert.deepEqual(r.result, { kind: 'exited', status: 0 }, r.stderr);
    const lines = template(r);
    assert.equal(answerOf(lines, 'create_module("first", 4096)'), 'ENOSYS');
    assert.equal(answerOf(lines, 'syscall(SYS_create_module, "second", 8192)'), 'ENOSYS');
    assert.ok(lines.includes('getuid() = 0'));
    const segv = await m.exec(await program(SEGV), { name: 'segv' });
    assert.deepEqual(segv.result, { kind: 'signaled', signal: 11, signalName: 'SIGSEGV' });
  } finally {
    await m.close();
  }
});

describe('modlab exec', LONG, () => {
  test('--json: one object with ok, exitStatus, stdout, console and crash', LONG, async () => {
    const file = join(work, 'hello.c');
    writeFileSync(file, HELLO);
    const r = await modlab(['exec', file, 'a', '-b', '--uid', '1000', '--json', '--', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const report = JSON.parse(lines[0] as string) as ExecReport;
    assert.equal(report.ok, false, 'status 3 is not ok');
    assert.equal(report.exitStatus, 3);
    assert.equal(report.stdout, 'hello from hello\nargv[1] = [a]\nargv[2] = [-b]\nargv[3] = [--json]\n');
    assert.equal(report.stderr, 'this goes to stderr\n');
    assert.match(report.console, /hello from hello/);
    assert.deepEqual([report.crash, report.signal, report.timedOut, report.notRun, report.uid, report.kernel], [null, null, false, null, 1000, '2.4.20']);
    assert.equal(typeof report.elapsedMs, 'number');
  });

  test('text: the output, then how it ended', LONG, async () => {
    const file = join(work, 'loop.c');
    writeFileSync(file, LOOP);
    const r = await modlab(['exec', file, '--timeout', '200', '--kernel', '2.4.27']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^kernel 2\.4\.27: Linux 2\.4\.27\S*; running loop \(\d+ bytes\) as uid 0, limit 200 ms$/m);
    assert.match(r.stdout, /^ {2}stdout \| looping$/m);
    assert.match(r.stdout, /^ {2}still running at its 200 ms limit: killed \(/m);
  });

  test('a compile error is exit 2 with the compiler\'s FILE:LINE: error:', LONG, async () => {
    const file = join(work, 'program.c');
    writeFileSync(file, '#include <stdio.h>\nint main(void)\n{\n\treturn undeclared;\n}\n');
    const r = await modlab(['exec', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /program\.c:4: error: 'undeclared' undeclared/);
    assert.equal(r.stdout, '');
  });

  test('a file that is not an executable is exit 2 with a sentence', LONG, async () => {
    const file = join(work, 'notes.txt');
    writeFileSync(file, 'just some text\n');
    const r = await modlab(['exec', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^modlab: .*notes\.txt is not a static i386 executable \(.*\); give a C file \(FILE\.c\) or build one with gcc -m32 -static/);
  });
});
