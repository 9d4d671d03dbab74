import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { linuxHeader } from '../../guest/build.ts';
import { crossDeclarations, findCycle, functionsOf, includeGraph, includesOf, linkGraph } from '../../guest/c-scan.ts';
import { GUEST_DIR } from '../../guest/paths.ts';
import { ERRNO, ERRNO_NAMES, MODULE_SYSCALLS, QUERY_WHICH, SYSCALLS } from '../../harness/calls/linux-i386.ts';

const read = (name: string): string => readFileSync(join(GUEST_DIR, name), 'utf8');
const files = Object.fromEntries(
  readdirSync(GUEST_DIR)
    .filter((f) => f.endsWith('.c') || f.endsWith('.h'))
    .map((f) => [f, read(f)]),
);
const sources = Object.fromEntries(Object.entries(files).filter(([f]) => f.endsWith('.c')));

test('linux.h is generated from linux-i386.ts and up to date', () => {
  assert.equal(read('linux.h'), linuxHeader());
});

test('linux-i386.ts: errno numbers come from the names table, module calls are among the system calls', () => {
  assert.equal(ERRNO.ENOSYS, 38);
  assert.equal(ERRNO.EEXIST, 17);
  for (const [name, n] of Object.entries(ERRNO)) assert.equal(ERRNO_NAMES[n], name);
  for (const [name, n] of Object.entries(MODULE_SYSCALLS)) assert.equal(SYSCALLS[name as keyof typeof SYSCALLS], n);
  assert.equal(QUERY_WHICH.QM_SYMS, 4);
  assert.equal(new Set(Object.values(SYSCALLS)).size, Object.keys(SYSCALLS).length, 'two calls share a number');
});

test('no system call, errno or query_module number is written by hand in the C', () => {
  const generated = new Set([...Object.keys(SYSCALLS).map((s) => `SYS_${s}`), ...Object.keys(ERRNO), 'MAX_ERRNO', ...Object.keys(QUERY_WHICH)]);
  for (const [file, src] of Object.entries(files)) {
    if (file === 'linux.h') continue;
    for (const m of src.matchAll(/^\s*#\s*define\s+(\w+)/gm)) assert.ok(!generated.has(m[1] as string), `${file} defines ${m[1]}, which linux.h generates`);
  }
});

test('the guest C include graph has no cycles, and .c files include only headers that exist', () => {
  const graph = includeGraph(files);
  for (const [file, included] of graph) {
    for (const h of included) {
      assert.ok(h.endsWith('.h'), `${file} includes ${h}, which is not a header`);
      assert.ok(h in files, `${file} includes ${h}, which is not in guest/`);
    }
  }
  assert.equal(findCycle(graph), null);
});

test('no .c file declares a function another defines, and link.c needs nothing from agent.c', () => {
  assert.deepEqual(crossDeclarations(sources), []);
  const needs = linkGraph(sources);
  assert.equal(findCycle(needs), null);
  assert.ok(!needs.get('link.c')?.includes('agent.c'), 'link.c uses a function agent.c defines');
  assert.deepEqual(needs.get('runtime.c'), [], 'the runtime depends on nothing');
});

test('the C scan: includes, declarations and definitions, cycles', () => {
  const src = [
    '#include "a.h"',
    '/* #include "not.h" */',
    '#define F(x) ((x) + 1)',
    'typedef int (*fn)(int);',
    'void *memcpy(void *d, const void *s, unsigned n);',
    'static struct { int a; } job;',
    '__attribute__((noreturn, used)) static void child(void) { for (;;) { } }',
    'int main(void) { return F(memcpy("{", 0, 0) != 0); }',
    '__asm__(".globl _start");',
  ].join('\n');
  assert.deepEqual(includesOf(src), ['a.h']);
  assert.deepEqual(functionsOf(src), [
    { name: 'memcpy', defined: false, isStatic: false },
    { name: 'child', defined: true, isStatic: true },
    { name: 'main', defined: true, isStatic: false },
  ]);
  assert.deepEqual(crossDeclarations({ 'a.c': 'void f(void);', 'b.c': 'void f(void) { }' }), ['a.c declares f, which b.c defines']);
  assert.deepEqual(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]])), ['a', 'b', 'c', 'a']);
  assert.equal(findCycle(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), null);
});
