/**
 * A user's own module on 2.4, built here with the machine's gcc against the
 * headers in guest/include and loaded through the one insmod path: the
 * object is written into the guest, laid out, created, linked and
 * initialised; failures leave what insmod left.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { StepReport } from '../../harness/reports/step-report.ts';
import { insmodObject, type LifecycleStep } from '../../harness/reports/lifecycle.ts';
import { InputError } from '../../harness/errors.ts';
import { boot, type Machine } from '../../node/boot.ts';
import { LONG } from './man-page.ts';
import { modlab } from './run-cli.ts';

const INCLUDE = fileURLToPath(new URL('../../guest/include', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'modlab-user-module-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Compiles `source` as guest/build.ts compiles hello, with only modlab's headers; returns the .o's path. */
function build(name: string, source: string): string {
  const c = join(work, `${name}.c`);
  const o = join(work, `${name}.o`);
  writeFileSync(c, source);
  execFileSync('gcc', [
    '-m32', '-march=i386', '-O2', '-Wall', '-Werror', '-ffreestanding', '-fno-pic', '-fno-common', '-fno-stack-protector',
    '-fcf-protection=none', '-fno-asynchronous-unwind-tables', '-fno-builtin', '-nostdinc', '-I', INCLUDE, '-c', '-o', o, c,
  ]);
  return o;
}

const HELLO = `#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("a student");
MODULE_DESCRIPTION("says hello");

static int greetings;

int hello_world_greet(void)
{
	return ++greetings;
}
EXPORT_SYMBOL(hello_world_greet);

static int __init hello_init(void)
{
	char *who = kmalloc(16, GFP_KERNEL);
	if (!who)
		return -12;
	strcpy(who, "world");
	printk(KERN_INFO "hello_world: hello, %s (%d letters)\\n", who, (int)strlen(who));
	kfree(who);
	return 0;
}

static void __exit hello_exit(void)
{
	printk(KERN_INFO "hello_world: goodbye\\n");
}

module_init(hello_init);
module_exit(hello_exit);
`;

const UNDEFINED = `#include <linux/module.h>
extern int modlab_no_such_symbol(int);
int init_module(void) { return modlab_no_such_symbol(1); }
`;

const NODEV = `#include <linux/module.h>
static int __init nodev_init(void)
{
	printk(KERN_ERR "nodev: no device here\\n");
	return -19; /* -ENODEV */
}
module_init(nodev_init);
`;

const calls = (steps: readonly LifecycleStep[]): string[] => steps.map((s) => (s.kind === 'link' ? 'link' : s.call.call));

for (const kernel of ['2.4.20', '2.4.27'] as const) {
  describe(`a user's module on ${kernel}`, LONG, () => {
    let m: Machine;
    before(async () => {
      m = await boot({ kernel });
    });
    after(async () => {
      await m.close();
    });

    test('hello world: its printk appears, /proc/modules lists it by name, rmmod removes it', async () => {
      await m.reset();
      const object = readFileSync(build('hello_world', HELLO));
      const loaded = await insmodObject(m, object, 'hello_world');
      assert.deepEqual(calls(loaded), ['create_module', 'link', 'init_module']);
      const init = loaded[2];
      assert.ok(init?.kind === 'call' && init.result.kind === 'success', 'init_module succeeded');
      assert.match(init.console, /hello_world: hello, world \(5 letters\)/);
      assert.match(init.procModules, /^hello_world\s+\d+\s+0 \(unused\)$/m);
      // Its export is the kernel's to hand out now.
      assert.match(await m.readFile('/proc/ksyms'), /hello_world_greet\s+\[hello_world\]/);
      const removed = await m.deleteModule('hello_world');
      assert.equal(removed.result.kind, 'success');
      assert.match(removed.console, /hello_world: goodbye/);
      assert.equal(await m.readProcModules(), '');
    });

    test('--rmmod: loaded, then removed at the end', async () => {
      await m.reset();
      const steps = await insmodObject(m, readFileSync(build('hello_world', HELLO)), 'hello_world', { rmmod: true });
      assert.deepEqual(calls(steps), ['create_module', 'link', 'init_module', 'delete_module']);
      assert.equal(steps.at(-1)?.procModules, '');
    });

    test('an undefined symbol: the link names it and nothing stays loaded', async () => {
      await m.reset();
      const steps = await insmodObject(m, readFileSync(build('undefined_sym', UNDEFINED)), 'undefined_sym');
      const link = steps.find((s) => s.kind === 'link');
      assert.ok(link?.kind === 'link' && link.result.kind === 'errno');
      assert.match(link.report.error ?? '', /modlab_no_such_symbol/);
      assert.equal(steps.at(-1)?.procModules, '');
      assert.equal(await m.readProcModules(), '');
    });

    test('init returning -ENODEV: that errno, and the module stays uninitialized', async () => {
      await m.reset();
      const steps = await insmodObject(m, readFileSync(build('nodev', NODEV)), 'nodev');
      const init = steps.at(-1);
      assert.ok(init?.kind === 'call' && init.call.call === 'init_module');
      assert.ok(init.result.kind === 'errno');
      assert.equal(init.result.errnoName, 'ENODEV');
      assert.match(init.console, /nodev: no device here/);
      assert.match(await m.readProcModules(), /^nodev\s+\d+ \(uninitialized\)$/m);
    });

    test('what is not a module object is refused before it reaches the guest', async () => {
      await assert.rejects(m.putObject('notes', new TextEncoder().encode('not an object')), InputError);
      await assert.rejects(m.putObject('../sbin/init', readFileSync(build('hello_world', HELLO))), InputError);
    });
  });
}

test('modlab insmod x.o --rmmod --json: one line per step, the module gone at the end', LONG, async () => {
  const file = build('cli_hello', HELLO.replaceAll('hello_world', 'cli_hello'));
  const r = await modlab(['insmod', file, '--kernel', '2.4.20', '--rmmod', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const steps = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as StepReport);
  assert.deepEqual(steps.map((s) => [s.call, s.ok]), [['create_module', true], ['link', true], ['init_module', true], ['delete_module', true]]);
  assert.equal(steps[0]?.name, 'cli_hello', 'named after the file');
  assert.match(steps[2]?.console ?? '', /cli_hello: hello, world/);
  assert.match(steps[2]?.procModules ?? '', /^cli_hello\s/m);
  assert.equal(steps[3]?.procModules, '');
});

test('modlab insmod FILE.c: compiled by TinyCC in WebAssembly against the headers written here, loaded, its printk seen', LONG, async () => {
  const source = join(work, 'tcc_hello.c');
  writeFileSync(source, HELLO.replaceAll('hello_world', 'tcc_hello'));
  const r = await modlab(['insmod', source, '--kernel', '2.4.20', '--rmmod', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const steps = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as StepReport);
  assert.deepEqual(steps.map((s) => [s.call, s.ok]), [['create_module', true], ['link', true], ['init_module', true], ['delete_module', true]]);
  assert.match(steps[2]?.console ?? '', /tcc_hello: hello, world \(5 letters\)/);
  assert.match(steps[3]?.console ?? '', /tcc_hello: goodbye/);
});

test('modlab insmod: text output, --name, and the exit-2 sentences', LONG, async () => {
  const file = build('text_hello', HELLO);
  const r = await modlab(['insmod', file, '--name', 'renamed']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /as module renamed, as insmod would/);
  assert.match(r.stdout, /init_module\("renamed", image\[\d+\]\)\s+= 0/);
  assert.match(r.stdout, /console \| hello_world: hello, world/);
  assert.match(r.stdout, /\/proc\/modules \| renamed\s+\d+\s+0 \(unused\)/);

  const broken = join(work, 'broken.c');
  writeFileSync(broken, '#include <linux/module.h>\nint init_module(void)\n{\n\treturn 0\n}\n');
  const c = await modlab(['insmod', broken]);
  assert.equal(c.code, 2, 'a compile error is input modlab cannot use');
  assert.match(c.stderr, /broken\.c does not compile:\nbroken\.c:5: error: ';' expected/);
  const notElf = await modlab(['insmod', fileURLToPath(new URL('../../package.json', import.meta.url))]);
  assert.equal(notElf.code, 2);
  assert.match(notElf.stderr, /package\.json is not an i386 module object \(no ELF magic\)/);
});
