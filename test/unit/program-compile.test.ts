/**
 * Programs for the guest's user space: TinyCC (wasm) links a program with
 * guest/program's runtime into a static i386 executable. The host is x86_64
 * Linux, which runs i386 static binaries itself, so the runtime (start-up,
 * printf, errno, exit, the 64-bit helpers) is tested here natively; the
 * kernel tests run the same bytes in the guest. Also: the generated headers
 * are up to date, and the module headers compile with tcc as they are.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { GENERATED_HEADERS } from '../../guest/generated-headers.ts';
import { GUEST_DIR } from '../../guest/paths.ts';
import { PROGRAM_SYSCALLS, SYSCALLS } from '../../harness/calls/linux-i386.ts';
import { elfExecutableProblem, elfRelocatableProblem } from '../../harness/elf.ts';
import { compileCFile, compileProgramFile, studentHeaders } from '../../node/compiler.ts';
import { findTemplate } from '../../templates/catalog.ts';

const work = mkdtempSync(join(tmpdir(), 'modlab-programs-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Compiles a program that must compile; its executable. */
async function build(source: string): Promise<Uint8Array> {
  const r = await compileProgramFile(source);
  assert.ok(r.ok, r.diagnostics);
  assert.equal(r.diagnostics, '', 'no warnings');
  return r.executable;
}

interface Run {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

let runs = 0;
/** Runs an executable on the host, through sh when shell is given (e.g. to join stderr to stdout). */
function runNative(executable: Uint8Array, args: string[] = [], shell?: string): Run {
  const file = join(work, `program-${runs++}`);
  writeFileSync(file, executable);
  chmodSync(file, 0o755);
  const r = shell === undefined ? spawnSync(file, args, { encoding: 'utf8', timeout: 10_000 }) : spawnSync('sh', ['-c', shell.replace('PROGRAM', file)], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Why i386 executables cannot run here, or undefined when they can (tried with a real one). */
async function nativeProblem(): Promise<string | undefined> {
  if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'ia32')) return `the host is ${process.platform}/${process.arch}, not x86 Linux`;
  const executable = await build('int main(void) { return 42; }\n');
  try {
    const r = runNative(executable);
    return r.status === 42 ? undefined : `a trial i386 program ended with ${r.status ?? r.signal}, not 42`;
  } catch (error) {
    return `this kernel does not run i386 executables (${String(error)})`;
  }
}
const cannotRun = await nativeProblem();

/**
 * Builds a program (it must compile), then gives a way to run it on the
 * host; undefined, and the test skipped with the reason, when the host
 * cannot run i386 programs.
 */
async function runnable(t: TestContext, source: string): Promise<((args?: string[], shell?: string) => Run) | undefined> {
  const executable = await build(source);
  if (cannotRun === undefined) return (args, shell) => runNative(executable, args, shell);
  t.skip(cannotRun);
  return undefined;
}

/** A program's text: the headers it includes, what comes before main, and main's body. */
function program(headers: string[], body: string[], before: string[] = []): string {
  return [...headers.map((h) => `#include <${h}>`), ...before, 'int main(int argc, char **argv)', '{', ...body.map((line) => `\t${line}`), '}', ''].join('\n');
}

test('the generated headers (errno, syscall numbers) are up to date', () => {
  for (const [path, make] of Object.entries(GENERATED_HEADERS)) assert.equal(readFileSync(join(GUEST_DIR, path), 'utf8'), make(), `guest/${path}: run npm run build:guest`);
});

test('the program syscall table agrees with the agent\'s, and no number has two names', () => {
  const all: Record<string, number> = { ...PROGRAM_SYSCALLS, ...SYSCALLS };
  for (const [name, n] of Object.entries(PROGRAM_SYSCALLS)) if (name in SYSCALLS) assert.equal(SYSCALLS[name as keyof typeof SYSCALLS], n, name);
  assert.equal(new Set(Object.values(all)).size, Object.keys(all).length);
  const header = readFileSync(join(GUEST_DIR, 'program/include/sys/syscall.h'), 'utf8');
  for (const [name, n] of [['create_module', 127], ['init_module', 128], ['delete_module', 129], ['get_kernel_syms', 130], ['query_module', 167], ['getuid32', 199]] as const) {
    assert.match(header, new RegExp(`^#define SYS_${name} ${n}$`, 'm'));
  }
});

test('the create_module template links to a static ELF32 i386 executable', async () => {
  const template = findTemplate('create_module');
  assert.equal(template?.kind, 'program');
  const source = readFileSync(new URL(`../../templates/${template.file}`, import.meta.url), 'utf8');
  assert.doesNotMatch(readFileSync(join(GUEST_DIR, 'program/include/unistd.h'), 'utf8'), /create_module/, 'no header declares it: the program does');
  const executable = await build(source);
  assert.equal(elfExecutableProblem(executable), undefined);
  const view = new DataView(executable.buffer, executable.byteOffset, executable.byteLength);
  assert.equal(view.getUint16(16, true), 2, 'e_type EXEC');
  assert.equal(view.getUint16(18, true), 3, 'e_machine i386');
  assert.ok(view.getUint32(24, true) >= 0x08048000, 'the entry point is in the usual i386 place');
  assert.ok(executable.length < 32 * 1024, `${executable.length} bytes`);
});

test('a compile error gives ok: false and program.c:LINE: error:', async () => {
  const r = await compileProgramFile('#include <stdio.h>\nint main(void)\n{\n\tprintf("x\\n")\n}\n');
  assert.equal(r.ok, false);
  assert.match(r.diagnostics, /^program\.c:5: error: ';' expected/m);
  const undefinedCall = await compileProgramFile('int nowhere(void);\nint main(void) { return nowhere(); }\n', { fileName: 'mine.c' });
  assert.equal(undefinedCall.ok, false);
  assert.match(undefinedCall.diagnostics, /undefined symbol 'nowhere'/);
});

test('elfExecutableProblem names what is wrong', () => {
  const header = (type: number): Uint8Array => {
    const b = new Uint8Array(52);
    b.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
    b[16] = type;
    b[18] = 3;
    return b;
  };
  assert.match(elfExecutableProblem(header(1)) ?? '', /e_type 1, not 2 \(EXEC\)/);
  assert.match(elfExecutableProblem(header(2)) ?? '', /no entry point/);
  assert.match(elfRelocatableProblem(header(2)) ?? '', /e_type 2, not 1 \(REL\)/);
});

test('printf\'s conversions, flags, widths and precisions, and snprintf, as glibc prints them', async (t) => {
  const cases: Array<[string, string]> = [
    ['"%d|%i|%u|%x|%X|%o", -17, 17, 3000000000u, 0xbeef, 0xbeef, 0755', '-17|17|3000000000|beef|BEEF|755'],
    ['"%8d|%-8d|%08d|%+d|% d", 123, 123, -123, 5, 5', '     123|123     |-0000123|+5| 5'],
    ['"%.5d|%8.3d|%.0d|%08.3d", 42, -42, 0, 7', '00042|    -042||     007'],
    ['"%#x|%#X|%#o|%#x", 255, 255, 8, 0', '0xff|0XFF|010|0'],
    ['"%s|%6s|%-6s|%.2s|%*s|%.*s|%s", "hey", "hey", "hey", "hey", 4, "ab", 1, "xyz", (char *)0', 'hey|   hey|hey   |he|  ab|x|(null)'],
    ['"%c|%3c|%-3c|%%", \'A\', \'B\', \'C\'', 'A|  B|C  |%'],
    ['"%ld|%lu|%lx", -2147483647L - 1, 4294967295UL, 0xdeadbeefUL', '-2147483648|4294967295|deadbeef'],
    ['"%lld|%llu|%llx", -9223372036854775807LL - 1, 18446744073709551615ULL, 0xfedcba9876543210ULL', '-9223372036854775808|18446744073709551615|fedcba9876543210'],
    ['"%hd|%hhu|%zu", 70000, 300, (unsigned)99', '4464|44|99'],
    ['"%p|%p|%12p", (void *)0xc8800000, (void *)0, (void *)16', '0xc8800000|(nil)|        0x10'],
  ];
  const run = await runnable(
    t,
    program(['stdio.h'], [
      'char small[8];',
      ...cases.map(([args], i) => `printf("${i}:" ${args}); putchar('\\n');`),
      'printf("snprintf %d [%s]\\n", snprintf(small, sizeof small, "%s-%d", "abcdef", 123), small);',
      'printf("size 0 %d\\n", snprintf(small, 0, "%d", 123456));',
      'return 0;',
    ]),
  );
  if (!run) return;
  const r = run();
  assert.equal(r.status, 0, r.stderr);
  const expected = [...cases.map(([, out], i) => `${i}:${out}`), 'snprintf 10 [abcdef-]', 'size 0 6', ''];
  assert.deepEqual(r.stdout.split('\n'), expected);
});

test('argv, the exit status, stdout flushed at exit, and stderr after what stdout already had', async (t) => {
  const run = await runnable(
    t,
    program(
      ['stdio.h', 'stdlib.h', 'string.h'],
      [
        'int i;',
        'for (i = 0; i < argc; i++) printf("%d=%s\\n", i, i == 0 ? "self" : argv[i]);',
        'if (argc > 1 && strcmp(argv[1], "exit") == 0) leave(atoi(argv[2]));',
        'printf("partial ");',
        'fprintf(stderr, "to stderr %d\\n", argc);',
        'return argc + 10;',
      ],
      ['static void leave(int code) { printf("leaving"); exit(code); }'],
    ),
  );
  if (!run) return;
  const plain = run(['a b', '']);
  assert.equal(plain.status, 13);
  assert.equal(plain.stdout, '0=self\n1=a b\n2=\npartial ');
  assert.equal(plain.stderr, 'to stderr 3\n');
  const exited = run(['exit', '7']);
  assert.equal(exited.status, 7);
  assert.equal(exited.stdout, '0=self\n1=exit\n2=7\nleaving', 'exit flushes what has no newline yet');
  // One pipe for both: stdout's partial line goes out before the stderr line.
  const joined = run([], 'PROGRAM 2>&1');
  assert.equal(joined.stdout, '0=self\npartial to stderr 1\n');
});

test('a failing system call returns -1 and sets errno; strerror and perror name it', async (t) => {
  const run = await runnable(
    t,
    program(['errno.h', 'stdio.h', 'string.h', 'sys/syscall.h', 'unistd.h'], [
      'int r = close(-1);',
      'printf("close %d errno %d %s %s\\n", r, errno, strerrorname_np(errno), strerror(errno));',
      'errno = 0;',
      'r = (int)syscall(SYS_close, 12345);',
      'printf("syscall %d errno %d\\n", r, errno);',
      'printf("getpid %d getuid %u\\n", getpid() > 0, getuid());',
      'printf("%s|%s|%s\\n", strerror(EEXIST), strerror(ENOTSOCK), strerror(4000));',
      'errno = ENOSYS;',
      'perror("create_module");',
      'return 0;',
    ]),
  );
  if (!run) return;
  const r = run();
  assert.equal(r.status, 0, r.stderr);
  const uid = process.getuid?.() ?? 0;
  assert.equal(r.stdout, `close -1 errno 9 EBADF Bad file descriptor\nsyscall -1 errno 9\ngetpid 1 getuid ${uid}\nFile exists|ENOTSOCK|Unknown error 4000\n`);
  assert.equal(r.stderr, 'create_module: Function not implemented\n');
});

test('strtol and friends; long long division and shifts through the runtime\'s helpers', async (t) => {
  const run = await runnable(
    t,
    program(['errno.h', 'stdio.h', 'stdlib.h'], [
      'char *end;',
      'long long a = -1000000000007LL, b = 97;',
      'unsigned long long u = 0xfedcba9876543210ULL;',
      'int s = argc + 3;',
      'printf("%ld %ld %lu %d\\n", strtol("  -0x1f", &end, 0), strtol("077", 0, 0), strtoul("4294967295", 0, 10), atoi(" 42x"));',
      'printf("%ld %d [%s]\\n", strtol("99999999999", &end, 10), errno == ERANGE, end);',
      'printf("%lld %lld %llu %llu\\n", a / b, a % b, u / 1000000007ULL, u % 1000000007ULL);',
      'printf("%llx %llx %llx\\n", u << s, u >> s, (unsigned long long)(a >> s));',
      'return 0;',
    ]),
  );
  if (!run) return;
  const r = run();
  assert.equal(r.status, 0, r.stderr);
  const a = -1000000000007n;
  const u = 0xfedcba9876543210n;
  const mask = (1n << 64n) - 1n;
  const hex = (v: bigint): string => (v & mask).toString(16);
  assert.equal(
    r.stdout,
    [
      '-31 63 4294967295 42',
      '2147483647 1 []',
      `${a / 97n} ${a % 97n} ${u / 1000000007n} ${u % 1000000007n}`,
      `${hex(u << 4n)} ${hex(u >> 4n)} ${hex(a >> 4n)}`,
      '',
    ].join('\n'),
  );
});

test('a program\'s own strlen or create_module replaces the runtime\'s, and printf still works', async (t) => {
  const run = await runnable(
    t,
    program(
      ['stdio.h', 'sys/types.h'],
      ['printf("%#x %d [%5s]\\n", (unsigned)create_module("m", 4095), (int)strlen(""), "ab");', 'return 0;'],
      ['size_t strlen(const char *s) { (void)s; return 99; }', 'caddr_t create_module(const char *name, size_t size) { (void)name; return (caddr_t)(size + 1); }'],
    ),
  );
  if (!run) return;
  assert.equal(run().stdout, '0x1000 99 [   ab]\n');
});

test('guest/modules/hello.c compiles with tcc as gcc builds it, with no stand-ins', async () => {
  const result = await compileCFile(readFileSync(join(GUEST_DIR, 'modules/hello.c'), 'utf8'), { fileName: 'hello.c' });
  assert.ok(result.ok, result.diagnostics);
  assert.equal(elfRelocatableProblem(result.object), undefined);
});

test('the module headers compile with tcc: use counts in one locked instruction, -ENODEV from linux/errno.h', async () => {
  const source = [
    '#include <linux/module.h>',
    'MODULE_LICENSE("GPL");',
    'static int __init start(void) { MOD_INC_USE_COUNT; MOD_DEC_USE_COUNT; return -ENODEV; }',
    'module_init(start);',
    '',
  ].join('\n');
  const result = await compileCFile(source, { fileName: 'counts.c', headers: await studentHeaders() });
  assert.ok(result.ok, result.diagnostics);
  assert.equal(result.diagnostics, '');
  const bytes = Array.from(result.object);
  const has = (seq: number[]): boolean => bytes.some((_, i) => seq.every((b, j) => bytes[i + j] === b));
  assert.ok(has([0xf0, 0xff, 0x05]), 'lock incl of an absolute address');
  assert.ok(has([0xf0, 0xff, 0x0d]), 'lock decl of an absolute address');
  assert.ok(has([0xb8, 0xed, 0xff, 0xff, 0xff]), 'mov $-19 (ENODEV), %eax');
});
