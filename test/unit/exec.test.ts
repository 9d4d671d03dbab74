/**
 * Running a user's program, without a kernel: EXEC's and EXITED's codecs,
 * WRITE through the bulk window, what Machine.exec refuses before anything
 * reaches the guest, the JSON and text of a run, and the CLI's refusals
 * (exit 2 before any kernel boots). The real runs are in test/kernel/exec.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AgentClient } from '../../harness/agent/client.ts';
import type { ExecRecord } from '../../harness/calls/record.ts';
import { InputError } from '../../harness/errors.ts';
import { executableProblem, MAX_EXEC_LIMIT_MS, planExec, programsLine } from '../../harness/machine/exec.ts';
import {
  ArgKind,
  decodeExited,
  encodeExec,
  encodeFrame,
  encodeWrite,
  EXEC_MAX_ARGS,
  EXEC_OUTPUT_MAX,
  EXITED_HEAD,
  FrameDecoder,
  FrameType,
  NO_UID,
  PayloadWriter,
  REQUESTS,
  WINDOW_MIN_ARG,
  WINDOW_PHYS,
  WRITE_HEAD,
  type Frame,
} from '../../harness/protocol.ts';
import { execReport } from '../../harness/reports/step-report.ts';
import { formatExec } from '../../harness/reports/text.ts';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** EXITED's payload: the seven head words, then stdout and stderr. */
function exited(end: number, word: number, step = 0, out = '', err = '', flags = 0): Uint8Array {
  const o = text(out);
  const e = text(err);
  return new PayloadWriter().u32(end).u32(word).u32(step).u32(1500).u32(flags).u32(o.length).u32(e.length).bytes(o).bytes(e).finish();
}

test('EXEC carries uid, limit, argc, then the path and argv as NUL-ended strings', () => {
  const p = encodeExec({ path: '/tmp/hello', argv: ['hello', '-x', ''], uid: null, limitMs: 5000 });
  const v = new DataView(p.buffer);
  assert.equal(v.getUint32(0, true), NO_UID);
  assert.equal(v.getUint32(4, true), 5000);
  assert.equal(v.getUint32(8, true), 3);
  assert.equal(new TextDecoder().decode(p.subarray(12)), '/tmp/hello\0hello\0-x\0\0');
  assert.equal(new DataView(encodeExec({ path: '/tmp/p', argv: ['p'], uid: 1000, limitMs: 1 }).buffer).getUint32(0, true), 1000);
  assert.throws(() => encodeExec({ path: '/tmp/p', argv: [], uid: null, limitMs: 1 }), RangeError);
  assert.throws(() => encodeExec({ path: '/tmp/p', argv: ['p', 'a\0b'], uid: null, limitMs: 1 }), RangeError);
  assert.throws(() => encodeExec({ path: '/tmp/p', argv: Array.from({ length: EXEC_MAX_ARGS + 1 }, () => 'a'), uid: null, limitMs: 1 }), RangeError);
  assert.deepEqual(REQUESTS.exec, { type: FrameType.Exec, reply: FrameType.Exited, encode: encodeExec, decode: decodeExited });
});

test('EXITED decodes each ending with the output; malformed payloads are null', () => {
  const out = { stdout: text('hi\n'), stderr: text('oops'), stdoutTruncated: false, stderrTruncated: true, guestUs: 1500 };
  assert.deepEqual(decodeExited(exited(0, 3, 0, 'hi\n', 'oops', 2)), { end: 'exited', status: 3, ...out });
  assert.deepEqual(decodeExited(exited(1, 11)), { end: 'signaled', signal: 11, stdout: text(''), stderr: text(''), stdoutTruncated: false, stderrTruncated: false, guestUs: 1500 });
  assert.equal(decodeExited(exited(2, 0))?.end, 'timeout');
  assert.deepEqual(decodeExited(exited(3, 1, 2)), { end: 'not-run', errno: 1, step: 'setuid', stdout: text(''), stderr: text(''), stdoutTruncated: false, stderrTruncated: false, guestUs: 1500 });
  assert.equal((decodeExited(exited(3, 8, 3)) as { step: string }).step, 'exec');
  assert.equal((decodeExited(exited(3, 11, 1)) as { step: string }).step, 'fork');
  assert.equal(decodeExited(exited(3, 1, 9)), null, 'an unknown step');
  assert.equal(decodeExited(exited(7, 0)), null, 'an unknown ending');
  assert.equal(decodeExited(exited(0, 256)), null, 'an exit status is a byte');
  assert.equal(decodeExited(exited(1, 0)), null, 'signal 0 kills nothing');
  assert.equal(decodeExited(new Uint8Array(EXITED_HEAD - 1)), null);
  const short = exited(0, 0, 0, 'abc');
  assert.equal(decodeExited(short.subarray(0, short.length - 1)), null, 'fewer output bytes than announced');
  assert.equal(decodeExited(new PayloadWriter().bytes(exited(0, 0)).u32(0).finish()), null, 'bytes after the output');
  const big = new PayloadWriter().u32(0).u32(0).u32(0).u32(0).u32(0).u32(EXEC_OUTPUT_MAX + 1).u32(0).bytes(new Uint8Array(EXEC_OUTPUT_MAX + 1)).finish();
  assert.equal(decodeExited(big), null, 'more than the agent keeps');
});

test('WRITE names its source: bytes in the frame, or their place in the bulk window', () => {
  const bytes = Uint8Array.of(0x7f, 0x45, 0, 0xff);
  const line = encodeWrite({ path: '/tmp/m.o', bytes });
  const v = new DataView(line.buffer);
  assert.deepEqual([v.getUint32(0, true), v.getUint32(4, true), v.getUint32(8, true)], [ArgKind.Buffer, 4, 0]);
  assert.deepEqual([...line.subarray(WRITE_HEAD)], [...text('/tmp/m.o\0'), ...bytes]);
  const win = encodeWrite({ path: '/tmp/p', window: { kind: 'window', offset: 8, length: 9000 } });
  const w = new DataView(win.buffer);
  assert.deepEqual([w.getUint32(0, true), w.getUint32(4, true), w.getUint32(8, true)], [ArgKind.Window, 9000, 8]);
  assert.deepEqual([...win.subarray(WRITE_HEAD)], [...text('/tmp/p\0')]);
});

/** A client with a window whose memory writes and frames are recorded here. */
function windowRig() {
  const sent: Frame[] = [];
  const memory: Array<{ phys: number; length: number }> = [];
  const decoder = new FrameDecoder();
  const client = new AgentClient(
    (bytes) => sent.push(...decoder.push(bytes)),
    (bytes, phys) => memory.push({ phys, length: bytes.length }),
  );
  client.window = { phys: WINDOW_PHYS, size: 2 * 1024 * 1024 };
  const feed = (bytes: Uint8Array) => {
    for (const b of bytes) client.feedByte(b);
  };
  const answer = (type: number, payload: Uint8Array) => feed(encodeFrame({ type, id: sent.at(-1)?.id ?? 0, payload }));
  /** The agent reads all it was sent, as its ACKs say, until the frame of `count` requests has arrived whole. */
  const readAll = async (count: number) => {
    for (let i = 0; i < 16 && sent.length < count; i++) {
      feed(encodeFrame({ type: FrameType.Ack, id: 0, payload: new PayloadWriter().u32(4096).finish() }));
      await new Promise((r) => setImmediate(r));
    }
  };
  return { client, sent, memory, answer, readAll };
}

test('a large file goes through the window, a small one (or any without a window) by line', async () => {
  const { client, sent, memory, answer, readAll } = windowRig();
  const large = client.request('write', { path: '/tmp/big', bytes: new Uint8Array(WINDOW_MIN_ARG) }, 1000);
  await Promise.resolve();
  assert.deepEqual(memory, [{ phys: WINDOW_PHYS, length: WINDOW_MIN_ARG }]);
  assert.equal(sent[0]?.payload.length, WRITE_HEAD + '/tmp/big\0'.length, 'only the head and the path travel');
  answer(FrameType.Written, new Uint8Array(4));
  assert.deepEqual(await large, { errno: 0 });
  const small = client.request('write', { path: '/tmp/small', bytes: new Uint8Array(WINDOW_MIN_ARG - 1) }, 1000);
  await readAll(2);
  assert.equal(memory.length, 1);
  assert.equal(sent[1]?.payload.length, WRITE_HEAD + '/tmp/small\0'.length + WINDOW_MIN_ARG - 1);
  answer(FrameType.Written, new Uint8Array(4));
  await small;
  client.window = null;
  const noWindow = client.request('write', { path: '/tmp/big', bytes: new Uint8Array(WINDOW_MIN_ARG) }, 1000);
  await readAll(3);
  assert.equal(memory.length, 1);
  assert.equal(sent[2]?.payload.length, WRITE_HEAD + '/tmp/big\0'.length + WINDOW_MIN_ARG);
  answer(FrameType.Written, new Uint8Array(4));
  await noWindow;
});

/** A minimal static i386 executable's headers: ELF header and one program header. */
function elfExec(fields: { type?: number; machine?: number; interp?: boolean } = {}): Uint8Array {
  const b = new Uint8Array(200);
  b.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  const v = new DataView(b.buffer);
  v.setUint16(16, fields.type ?? 2, true);
  v.setUint16(18, fields.machine ?? 3, true);
  v.setUint32(24, 0x08048080, true); // e_entry
  v.setUint32(28, 52, true); // e_phoff
  v.setUint16(42, 32, true); // e_phentsize
  v.setUint16(44, fields.interp ? 2 : 1, true); // e_phnum
  v.setUint32(52, 1, true); // PT_LOAD
  if (fields.interp) v.setUint32(84, 3, true); // PT_INTERP
  return b;
}

test('only a static i386 executable is run; each refusal is a sentence naming the file', () => {
  assert.equal(executableProblem(elfExec(), 'p'), null);
  assert.match(executableProblem(text('#!/bin/sh\necho hi\n'.padEnd(64)), 'a.sh') ?? '', /^a\.sh is not a static i386 executable \(no ELF magic\); give a C file/);
  assert.match(executableProblem(elfExec({ type: 1 }), 'x.o') ?? '', /not a static i386 executable \(e_type 1/);
  assert.match(executableProblem(elfExec({ type: 3 }), 'pie') ?? '', /e_type 3/);
  assert.match(executableProblem(elfExec({ machine: 62 }), 'amd64') ?? '', /e_machine 62/);
  assert.match(executableProblem(elfExec({ interp: true }), 'dyn') ?? '', /dynamically linked/);
});

test('planExec refuses what modlab cannot run, before anything reaches the guest', () => {
  const exe = elfExec();
  assert.deepEqual(planExec(exe, { name: 'hello', args: ['-x'], uid: 1000, timeoutMs: 250 }), { executable: exe, name: 'hello', path: '/tmp/hello', args: ['-x'], uid: 1000, limitMs: 250 });
  assert.equal(planExec(exe).limitMs, 5000);
  assert.equal(planExec(exe).name, 'program');
  const refused: Array<[Parameters<typeof planExec>[1], RegExp]> = [
    [{ name: '../init' }, /program name "\.\.\/init"/],
    [{ name: '.hidden' }, /program name/],
    [{ timeoutMs: 0 }, /time limit must be a whole number of milliseconds from 1 to 60000, not 0/],
    [{ timeoutMs: MAX_EXEC_LIMIT_MS + 1 }, /from 1 to 60000/],
    [{ timeoutMs: 1.5 }, /whole number/],
    [{ uid: -1 }, /uid/],
    [{ args: ['a\0b'] }, /program argument 1 must be text without NUL/],
    [{ args: Array.from({ length: EXEC_MAX_ARGS }, () => 'a') }, /64 program arguments; modlab passes up to 63/],
    [{ args: ['x'.repeat(40_000)] }, /arguments take \d+ bytes; modlab passes up to 32768/],
  ];
  for (const [options, message] of refused) assert.throws(() => planExec(exe, options), (e: unknown) => e instanceof InputError && message.test(e.message), JSON.stringify(options));
  assert.throws(() => planExec(text('not a program'.padEnd(60))), InputError);
});

test('crash-like console lines that are the program’s own output are not the kernel’s', () => {
  assert.equal(programsLine('Oops: I did it again\r', 'Oops: I did it again\n'), true);
  assert.equal(programsLine('traps: p[42] general protection fault ip:8048083 sp:bf8 error:0 in p[8048000+1000]', ''), true);
  assert.equal(programsLine('Unable to handle kernel NULL pointer dereference at virtual address 00000000', 'hello\n'), false);
  assert.equal(programsLine('   ', ''), false);
});

const record = (result: ExecRecord['result'], extra: Partial<ExecRecord> = {}): ExecRecord => ({
  kind: 'exec',
  program: 'hello',
  args: ['a'],
  uid: 0,
  kernel: '2.4.20',
  machine: 1,
  result,
  stdout: 'hi\n',
  stderr: '',
  stdoutTruncated: false,
  stderrTruncated: false,
  console: 'hi\r\n',
  recovered: false,
  elapsedMs: 12.345,
  guestMs: 3.21,
  ...extra,
});

test('the JSON of a run: ok is a zero exit status; how it ended is in one field', () => {
  const ok = execReport(record({ kind: 'exited', status: 0 }));
  assert.deepEqual(ok, {
    call: 'exec', program: 'hello', args: ['a'], kernel: '2.4.20', uid: 0, ok: true, exitStatus: 0, signal: null, signalName: null, timedOut: false,
    notRun: null, crash: null, stdout: 'hi\n', stderr: '', stdoutTruncated: false, stderrTruncated: false, console: 'hi\r\n', elapsedMs: 12.35, guestMs: 3.21, machine: 1, recovered: false,
  });
  assert.equal(execReport(record({ kind: 'exited', status: 3 })).ok, false);
  const segv = execReport(record({ kind: 'signaled', signal: 11, signalName: 'SIGSEGV' }));
  assert.deepEqual([segv.ok, segv.exitStatus, segv.signal, segv.signalName], [false, null, 11, 'SIGSEGV']);
  const late = execReport(record({ kind: 'timeout', limitMs: 200 }));
  assert.deepEqual([late.timedOut, late.limitMs], [true, 200]);
  assert.deepEqual(execReport(record({ kind: 'not-run', errno: 1, errnoName: 'EPERM', during: 'setuid' })).notRun, { errno: 1, errnoName: 'EPERM', during: 'setuid' });
  const crash = execReport(record({ kind: 'crash', crash: 'oops', console: 'kernel BUG', detail: 'killed by signal 11' }, { recovered: true }));
  assert.deepEqual([crash.crash, crash.recovered], [{ kind: 'oops', detail: 'killed by signal 11' }, true]);
});

test('the text of a run: each stream, the kernel’s own lines, how it ended; control characters written out', () => {
  const t = formatExec(record({ kind: 'exited', status: 3 }, { stdout: 'one\ntwo\x1b]0;x\x07\n', stderr: 'err\n', console: 'one\r\n[ 1.0] kernel says\r\ntwo\x1b]0;x\x07\r\nerr\r\n', stdoutTruncated: true }));
  assert.deepEqual(t.split('\n'), [
    '  stdout | one',
    '  stdout | two\\x1b]0;x\\x07',
    '  stdout | … more output, not kept',
    '  stderr | err',
    '  console | [ 1.0] kernel says',
    '  exited with status 3 (12.3 ms, 3.2 ms in the guest, machine 1)',
  ]);
  assert.match(formatExec(record({ kind: 'signaled', signal: 11, signalName: 'SIGSEGV' })), /killed by SIGSEGV \(11\)/);
  assert.match(formatExec(record({ kind: 'timeout', limitMs: 200 })), /still running at its 200 ms limit: killed/);
  assert.match(formatExec(record({ kind: 'not-run', errno: 28, errnoName: 'ENOSPC', during: 'write' })), /not run: write failed: ENOSPC \(28\)/);
  assert.match(formatExec(record({ kind: 'crash', crash: 'oops', console: 'kernel BUG at vmalloc.c:242!\n', detail: 'd' }, { recovered: true })), /\| kernel BUG at vmalloc\.c:242!\n {2}CRASH \(oops\): d; machine 2 took over/);
});

const BIN = fileURLToPath(new URL('../../bin/modlab.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'modlab-exec-'));

test('modlab exec refuses input it cannot use with exit 2, before any kernel boots', () => {
  const script = join(tmp, 'run.sh');
  writeFileSync(script, '#!/bin/sh\necho hi\n');
  const object = join(tmp, 'm.o');
  writeFileSync(object, elfExec({ type: 1 }));
  const refusals: Array<[string[], RegExp]> = [
    [['exec'], /modlab exec needs a program/],
    [['exec', script], /run\.sh is not a static i386 executable \(\d+ bytes, shorter than an ELF32 header|run\.sh is not a static i386 executable/],
    [['exec', object], /m\.o is not a static i386 executable \(e_type 1/],
    [['exec', join(tmp, 'missing')], /cannot read .*missing: ENOENT/],
    [['exec', tmp], /is not a regular file/],
    [['exec', script, '--timeout', '0'], /--timeout must be a number of milliseconds from 1 to 60000, not "0"/],
    [['exec', script, '--timeout', '60001'], /--timeout must be/],
    [['exec', script, '--uid', 'root'], /--uid must be a number/],
    [['exec', script, '--name', 'x'], /modlab exec takes --kernel, --uid, --timeout and --json/],
    [['exec', script, '--kernel', '2.6.9'], /--kernel "2\.6\.9" is not a kernel modlab knows/],
    [['call', 'delete_module', 'x', '--timeout', '5'], /--timeout applies to modlab exec only/],
  ];
  for (const [args, message] of refusals) {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(r.stdout, '', `${args.join(' ')} printed nothing before refusing`);
  }
});
