import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeCall, InputError, MAX_NAME_BYTES, parseName, parseNameWord, parseSize, parseUid, toSyscall, validateCall, type Call } from '../../harness/calls/model.ts';
import { detectCrash } from '../../harness/machine/crash.ts';
import { errnoName, isErrorReturn } from '../../harness/calls/errno.ts';
import { resultFromEax } from '../../harness/calls/record.ts';
import { parseScenario } from '../../harness/calls/scenario.ts';

test('sizes: decimal, hex, bounds and junk', () => {
  assert.equal(parseSize('4096'), 4096);
  assert.equal(parseSize('0x1000'), 4096);
  assert.equal(parseSize(0), 0);
  assert.equal(parseSize('0xffffffff'), 0xffffffff);
  for (const bad of ['-1', '0x100000000', '4294967296', '12abc', '', '1e3', 1.5, -3, null, {}]) {
    assert.throws(() => parseSize(bad), InputError, `should reject ${JSON.stringify(bad)}`);
  }
  assert.throws(() => parseSize('0x100000000'), /between 0 and 4294967295/);
});

test('uids stop short of -1, which setuid reads as "unchanged"', () => {
  assert.equal(parseUid('65534'), 65534);
  assert.throws(() => parseUid(0xffffffff), /uid must be between 0 and 4294967294/);
});

test('names: strings up to 64 KiB, null, and raw pointers', () => {
  assert.deepEqual(parseName(null), { kind: 'null' });
  assert.deepEqual(parseName({ ptr: '0xc0100000' }), { kind: 'pointer', address: 0xc0100000 });
  assert.deepEqual(parseName('x'.repeat(MAX_NAME_BYTES)).kind, 'string');
  assert.throws(() => parseName('x'.repeat(MAX_NAME_BYTES + 1)), /65537 bytes long/);
  assert.throws(() => parseName('é'.repeat(MAX_NAME_BYTES / 2 + 1)), /bytes long/); // counted in UTF-8
  assert.throws(() => parseName({ ptr: 'zz' }), /name\.ptr must be a number/);
  assert.throws(() => parseName(5), /must be a string, null/);
  assert.deepEqual(parseNameWord('NULL'), { kind: 'null' });
  assert.deepEqual(parseNameWord('@0xffffffff'), { kind: 'pointer', address: 0xffffffff });
  assert.deepEqual(parseNameWord('hello'), { kind: 'string', text: 'hello' });
});

test('validateCall guards the API boundary', () => {
  assert.throws(() => validateCall({ call: 'frob_module' } as unknown as Call), /unknown call "frob_module"/);
  assert.throws(() => validateCall({ call: 'query_module', name: { kind: 'null' }, which: 'QM_ALL', bufsize: 16, uid: 0 } as unknown as Call), /which must be one of/);
  assert.throws(() => validateCall({ call: 'init_module', name: { kind: 'null' }, image: { kind: 'module', module: 'nope' }, uid: 0 } as unknown as Call), /image module must be one of hello, hello_user, hello_fail/);
  assert.throws(() => validateCall({ call: 'create_module', name: { kind: 'string', text: 'a' }, size: -1, uid: 0 }), /size/);
  assert.throws(() => validateCall({ call: 'create_module', name: { kind: 'string', text: 'a' }, size: 1, uid: 2 ** 32 }), /uid/);
  validateCall({ call: 'delete_module', name: { kind: 'null' }, uid: 0 });
});

test('calls map onto i386 syscalls with the name placed in memory', () => {
  const s = toSyscall({ call: 'create_module', name: { kind: 'string', text: 'hi' }, size: 10, uid: 65534 });
  assert.equal(s.syscall, 127);
  assert.equal(s.uid, 65534);
  assert.deepEqual(s.args[0], { kind: 'buffer', bytes: new Uint8Array([104, 105, 0]) });
  assert.equal(toSyscall({ call: 'delete_module', name: { kind: 'null' }, uid: 0 }).uid, null);
  assert.equal(describeCall({ call: 'create_module', name: { kind: 'pointer', address: 0xffffffff }, size: 1, uid: 0 }), 'create_module((char *)0xffffffff, 1)');
});

test('raw returns: -4095..-1 are errnos, addresses are not', () => {
  assert.equal(isErrorReturn(0xffffffef), true);
  assert.equal(isErrorReturn(0xc8800000), false);
  assert.deepEqual(resultFromEax(0xffffffef), { kind: 'errno', errno: 17, errnoName: 'EEXIST', during: 'call' });
  assert.deepEqual(resultFromEax(0xc8800000), { kind: 'success', ret: 0xc8800000, retHex: '0xc8800000' });
  assert.equal(errnoName(38), 'ENOSYS');
  assert.equal(errnoName(300), 'E300');
});

test('crash lines from 2.4 and 6.1 are recognised', () => {
  assert.equal(detectCrash('kernel BUG at vmalloc.c:242!\n'), 'oops');
  assert.equal(detectCrash('Unable to handle kernel NULL pointer dereference at virtual address 00000000'), 'oops');
  assert.equal(detectCrash('Kernel panic: Attempted to kill init!'), 'panic');
  assert.equal(detectCrash('[ 1.0] Kernel panic - not syncing: Attempted to kill init!'), 'panic');
  assert.equal(detectCrash('Out of Memory: Killed process 1 (init).'), 'oom');
  assert.equal(detectCrash('modlab# create_module = 0xc8800000'), null);
});

test('scenarios: the documented example parses', () => {
  const s = parseScenario(JSON.stringify({
    kernel: '2.4.20',
    steps: [
      { call: 'create_module', name: 'dummy', size: 10000, uid: 0 },
      { call: 'create_module', name: { ptr: '0xffffffff' }, size: 10000 },
      { call: 'create_module', name: null, size: 10000 },
      { call: 'delete_module', name: 'dummy' },
    ],
  }));
  assert.equal(s.kernel, '2.4.20');
  assert.equal(s.steps.length, 4);
  assert.deepEqual(s.steps[1], { call: 'create_module', name: { kind: 'pointer', address: 0xffffffff }, size: 10000, uid: 0 });
});

test('scenarios: each mistake is named with its step and field', () => {
  const cases: Array<[unknown, RegExp]> = [
    ['{', /not valid JSON/],
    [[], /must be a JSON object/],
    [{ steps: [] }, /non-empty array/],
    [{ kernel: '2.6.0', steps: [{}] }, /"kernel" "2.6.0" is not a kernel modlab knows; choose one of 2.4.20, 2.4.27, 2.4.18, 6.1/],
    [{ steps: [{ call: 'frob_module', name: 'x' }] }, /step 0: "call" must be one of create_module, delete_module, init_module, query_module, get_kernel_syms/],
    [{ steps: [{ call: 'init_module', name: 'x' }] }, /step 0: "image" is missing/],
    [{ steps: [{ call: 'init_module', name: 'x', image: { module: 'nope' } }] }, /step 0: "image"\.module must be one of hello, hello_user, hello_fail, got "nope"/],
    [{ steps: [{ call: 'query_module', name: 'x', which: 'QM_INFO', bufsize: -1 }] }, /step 0: "bufsize" must be between/],
    [{ steps: [{ call: 'create_module', name: 'x', size: { module: 'nope' } }] }, /step 0: "size"\."module" must be one of hello, hello_user/],
    [{ steps: [{ call: 'create_module', name: 'x' }] }, /step 0: "size" is missing/],
    [{ steps: [{ call: 'delete_module', name: 'x' }, { call: 'create_module', name: 'x', size: 'big' }] }, /step 1: "size" must be a number/],
    [{ steps: [{ call: 'create_module', name: 'x', size: 1, uid: -5 }] }, /step 0: "uid" must be between/],
    [{ steps: [{ call: 'create_module', nmae: 'x', size: 1 }] }, /step 0: unknown field "nmae"/],
    [{ steps: [{ call: 'create_module', size: 1 }] }, /step 0: "name" is missing/],
    [{ steps: [{ call: 'create_module', name: { ptr: '0x1ffffffff' }, size: 1 }] }, /step 0: "name"\.ptr must be between/],
    [{ stesp: [] }, /unknown field "stesp"/],
  ];
  for (const [input, re] of cases) {
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    assert.throws(() => parseScenario(text, 'scenario'), (e: unknown) => e instanceof InputError && re.test(e.message), `for ${text}`);
  }
});
