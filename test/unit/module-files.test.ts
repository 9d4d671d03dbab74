/**
 * Modules of one's own named by their files: how a scenario step, a word and
 * code name one (parsing keeps the path), and how the Node edge reads and
 * compiles them before anything reaches a guest, with a sentence naming the
 * step and the file for every problem. The templates compile with the wasm
 * TinyCC against the headers written here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { IMAGE, SIZE } from '../../harness/calls/args.ts';
import { callFromWords, callJson, callModule, callText, callToParams, callWords, checkCall, type Call } from '../../harness/calls/model.ts';
import { parseScenario } from '../../harness/calls/scenario.ts';
import { InputError } from '../../harness/errors.ts';
import { objectProblem, ownObjectPath } from '../../harness/machine/insmod.ts';
import { compileCFile, studentHeaders } from '../../node/compiler.ts';
import { readModuleFiles, type CompileModule } from '../../node/module-files.ts';
import { findTemplate, TEMPLATES } from '../../templates/catalog.ts';

const BIN = fileURLToPath(new URL('../../bin/modlab.mjs', import.meta.url));
const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'modlab-module-files-'));
after(() => rmSync(work, { recursive: true, force: true }));

const inputError = (message: RegExp) => (e: unknown) => e instanceof InputError && message.test(e.message);

/** The 52-byte ELF header of an i386 relocatable object: what objectProblem checks. */
function elf(): Uint8Array {
  const b = new Uint8Array(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  const v = new DataView(b.buffer);
  v.setUint16(16, 1, true);
  v.setUint16(18, 3, true);
  return b;
}

const steps = (...s: unknown[]): string => JSON.stringify({ steps: s });

test('a step names its own module by file wherever {"module": "hello"} goes; parsing keeps the path', () => {
  const s = parseScenario(
    steps(
      { call: 'create_module', name: 'mine', size: { module: { file: 'mods/mine.c' } } },
      { call: 'init_module', name: 'mine', image: { module: { file: '/abs/mine.o' } } },
      { call: 'init_module', name: 'hello', image: { module: 'hello' } },
    ),
  );
  assert.deepEqual(s.steps[0], { call: 'create_module', name: { kind: 'string', text: 'mine' }, size: { module: { file: 'mods/mine.c' } }, uid: 0 });
  assert.deepEqual(s.steps.map(callModule), [{ file: 'mods/mine.c' }, { file: '/abs/mine.o' }, 'hello']);
  assert.equal(callText(s.steps[0] as Call), 'create_module("mine", sizeof(mods/mine.c))');
  assert.equal(callText(s.steps[1] as Call), 'init_module("mine", /abs/mine.o)');
  // Written back as the scenario wrote it.
  assert.deepEqual(callJson(s.steps[1] as Call), { name: 'mine', image: { module: { file: '/abs/mine.o' } } });
});

test('a module file that is no .c or .o path is refused, naming the step and the field', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ module: { file: 'notes.txt' } }, /step 0: "size"\."module"\.file must be the path of a module's C source \(\.c\) or object \(\.o\), relative to the scenario's folder, got "notes\.txt"/],
    [{ module: { file: '' } }, /step 0: "size"\."module"\.file must be the path/],
    [{ module: { file: 'mods/.c' } }, /got "mods\/\.c"/],
    [{ module: { file: 7 } }, /\.file must be the path of a module's C source/],
    [{ module: { file: 'a\u0000b.c' } }, /\.file must be the path/],
    [{ module: { file: `${'d/'.repeat(3000)}x.c` } }, /\.file must be the path/],
    [{ module: { file: 'x.c', name: 'y' } }, /step 0: "size"\."module" must be one of hello, hello_user, hello_fail, got .* \(or \{"file": "my_module\.c"\} for a module of your own\)/],
  ];
  for (const [size, message] of cases) {
    assert.throws(() => parseScenario(steps({ call: 'create_module', name: 'x', size })), inputError(message), JSON.stringify(size).slice(0, 60));
  }
  assert.throws(() => parseScenario(steps({ call: 'init_module', name: 'x', image: { module: { file: 'x.h' } } })), inputError(/step 0: "image"\.module\.file must be the path/));
});

test('on the command line, module:PATH.c or .o names a file; other words stay built-in names', () => {
  assert.deepEqual(SIZE.fromWord('module:mods/x.c', 'SIZE'), { module: { file: 'mods/x.c' } });
  assert.deepEqual(IMAGE.fromWord('module:x.o', 'IMAGE'), { kind: 'module', module: { file: 'x.o' } });
  assert.deepEqual(SIZE.fromWord('module:hello', 'SIZE'), { module: 'hello' });
  assert.throws(() => IMAGE.fromWord('module:.c', 'IMAGE'), inputError(/IMAGE module must be the path/));
  const c = callFromWords(['init_module', 'x', 'module:x.c'], 0);
  assert.deepEqual(callFromWords(callWords(c), 0), c);
  // A file of one's own means nothing on another machine: never in a share link.
  assert.deepEqual(callToParams(c), { tooLong: 'image' });
  assert.deepEqual(callToParams({ call: 'create_module', name: { kind: 'string', text: 'x' }, size: { module: { file: 'x.c' } }, uid: 0 }), { tooLong: 'size' });
});

test('the API boundary takes a module file only once it has been read into an object', () => {
  const unread: Call = { call: 'init_module', name: { kind: 'string', text: 'x' }, image: { kind: 'module', module: { file: 'x.c' } }, uid: 0 };
  assert.throws(() => checkCall(unread), inputError(/image module: the module file "x\.c" must be read \(and compiled\) before the call is made/));
  const read: Call = { ...unread, image: { kind: 'module', module: { file: 'x.c', object: elf() } } };
  assert.deepEqual(checkCall(read), read);
  assert.deepEqual(callJson(read), { name: 'x', image: { module: { file: 'x.c' } } }, 'the bytes are not written back');
  assert.throws(() => checkCall({ ...unread, image: { kind: 'module', module: { file: 'x.c', object: [1, 2] } } }), InputError);
});

test('a user object goes to /tmp under its file\'s base name, made a module name', () => {
  assert.equal(ownObjectPath('mods/my_mod.c'), '/tmp/my_mod.o');
  assert.equal(ownObjectPath('../x/my-mod.v2.o'), '/tmp/my-mod_v2.o');
  assert.equal(ownObjectPath('-x.c'), '/tmp/_x.o');
  assert.equal(ownObjectPath(`${'n'.repeat(80)}.c`), `/tmp/${'n'.repeat(56)}.o`);
});

/** A compiler stand-in that counts its calls and refuses sources containing "error". */
function fakeCompiler(): { compile: CompileModule; files: string[] } {
  const files: string[] = [];
  return {
    files,
    compile: (source, file) => {
      files.push(file);
      if (new TextDecoder().decode(source).includes('error')) return Promise.reject(new InputError(`${file} does not compile:\nx.c:1: error: nope`));
      return Promise.resolve(elf());
    },
  };
}

test('readModuleFiles: paths relative to the base folder, each file read once, built-in modules untouched', async () => {
  const dir = join(work, 'relative');
  mkdirSync(join(dir, 'mods'), { recursive: true });
  writeFileSync(join(dir, 'mods', 'a.c'), 'int x;');
  writeFileSync(join(dir, 'b.o'), elf());
  const s = parseScenario(
    steps(
      { call: 'create_module', name: 'a', size: { module: { file: 'mods/a.c' } } },
      { call: 'init_module', name: 'a', image: { module: { file: 'mods/a.c' } } },
      { call: 'init_module', name: 'b', image: { module: { file: join(dir, 'b.o') } } },
      { call: 'create_module', name: 'hello', size: { module: 'hello' } },
      { call: 'delete_module', name: 'a' },
    ),
  );
  const { compile, files } = fakeCompiler();
  const read = await readModuleFiles(s.steps, dir, compile, (i) => `step ${i}`);
  assert.deepEqual(files, ['mods/a.c'], 'compiled once for both steps');
  assert.deepEqual(read.map(callModule), [{ file: 'mods/a.c', object: elf() }, { file: 'mods/a.c', object: elf() }, { file: join(dir, 'b.o'), object: elf() }, 'hello', null]);
  for (const c of read) assert.deepEqual(checkCall(c), c, 'every call is ready for a machine');
  assert.deepEqual(read[4], s.steps[4]);
});

test('readModuleFiles: a missing file, a folder, a compile error, no object, no compiler: a sentence naming the step and the file', async () => {
  const dir = join(work, 'bad');
  mkdirSync(join(dir, 'folder.c'), { recursive: true });
  writeFileSync(join(dir, 'broken.c'), 'error');
  writeFileSync(join(dir, 'text.o'), 'not an object');
  const { compile } = fakeCompiler();
  const read = (file: string, withCompiler = true) =>
    readModuleFiles([{ call: 'delete_module', name: { kind: 'null' }, uid: 0 }, { call: 'init_module', name: { kind: 'string', text: 'm' }, image: { kind: 'module', module: { file } }, uid: 0 }], dir, withCompiler ? compile : undefined, (i) => `step ${i}`);
  await assert.rejects(read('absent.c'), inputError(/^step 1: absent\.c cannot be read: there is no such file \(looked for .*\/bad\/absent\.c\)$/));
  await assert.rejects(read('folder.c'), inputError(/^step 1: folder\.c cannot be read: not a regular file but a directory/));
  await assert.rejects(read('broken.c'), inputError(/^step 1: broken\.c does not compile:\nx\.c:1: error: nope$/));
  await assert.rejects(read('text.o'), inputError(/^step 1: text\.o is not an i386 module object/));
  await assert.rejects(read('broken.c', false), inputError(/^step 1: broken\.c is C source, and no compiler is at hand/));
});

test('every module template compiles with the wasm TinyCC against the headers written here', async () => {
  const headers = await studentHeaders();
  const modules = TEMPLATES.filter((t) => t.kind === 'module');
  assert.ok(['hello_world', 'probe', 'oops', 'counter', 'counter_user'].every((id) => modules.some((t) => t.id === id)));
  for (const t of modules) {
    const r = await compileCFile(readFileSync(join(TEMPLATES_DIR, t.file), 'utf8'), { fileName: `${t.id}.c`, headers });
    assert.ok(r.ok, `${t.file}: ${r.diagnostics}`);
    assert.equal(r.diagnostics, '', `${t.file} compiles without warnings`);
    assert.equal(objectProblem(r.object, t.file), null);
    if (t.needs !== undefined) assert.equal(findTemplate(t.needs)?.kind, 'module', `${t.id} needs a module template`);
  }
});

function modlab(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('modlab run and call: a module file that cannot be used is exit 2 before any kernel boots', () => {
  const dir = join(work, 'cli');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'broken.c'), '#include <linux/module.h>\nint init_module(void)\n{\n\treturn 0\n}\n');
  const scenario = (file: string): string => {
    const path = join(dir, `${file.replace(/\W/g, '_')}.json`);
    writeFileSync(path, steps({ call: 'delete_module', name: 'x' }, { call: 'create_module', name: 'x', size: { module: { file } } }));
    return path;
  };
  const cases: Array<[string[], RegExp]> = [
    [['run', scenario('absent.c')], /^modlab: step 1: absent\.c cannot be read: there is no such file \(looked for .*\/cli\/absent\.c\)\n$/],
    [['run', scenario('broken.c')], /^modlab: step 1: broken\.c does not compile:\nbroken\.c:5: error: ';' expected/],
    [['compare', scenario('notes.txt')], /step 1: "size"\."module"\.file must be the path/],
    [['call', 'init_module', 'x', `module:${join(dir, 'absent.o')}`], /^modlab: modlab call: .*absent\.o cannot be read: there is no such file/],
  ];
  for (const [args, message] of cases) {
    const r = modlab(args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});
