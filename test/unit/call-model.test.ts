/**
 * The call model (harness/calls): every way a call is read — JSON, command-line
 * words, link parameters, values built in code — and written — text, JSON,
 * words, links, the CALL request — agrees with every other, refuses what
 * modlab cannot use with a message naming the field, and never takes an
 * inherited property (toString, constructor) for a known name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { IMAGE, isModuleName, isQueryWhich, MAX_NAME_BYTES, NAME, repetition, SIZE, U32, UID, WHICH } from '../../harness/calls/args.ts';
import { errnoName, isErrorReturn } from '../../harness/calls/errno.ts';
import { explainAddress, explainErrno, vmallocStart } from '../../harness/calls/explain.ts';
import { CALL_NAMES, callFromJson, callFromParams, callFromWords, callJson, callText, callToParams, callWords, checkCall, toWire, type Call } from '../../harness/calls/model.ts';
import { outcomeClass, resultFromEax, type CallRecord } from '../../harness/calls/record.ts';
import { parseScenario } from '../../harness/calls/scenario.ts';
import { InputError } from '../../harness/errors.ts';
import { detectCrash } from '../../harness/machine/crash.ts';

const inputError = (re: RegExp) => (e: unknown) => e instanceof InputError && re.test(e.message);

test('sizes: decimal, hex, bounds and junk', () => {
  assert.equal(U32.fromWord('4096', 'size'), 4096);
  assert.equal(U32.fromWord('0x1000', 'size'), 4096);
  assert.equal(U32.fromJson(0, 'size'), 0);
  assert.equal(U32.fromJson('0xffffffff', 'size'), 0xffffffff);
  for (const bad of ['-1', '0x100000000', '4294967296', '12abc', '', '1e3', 1.5, -3, null, {}]) {
    assert.throws(() => U32.fromJson(bad, 'size'), InputError, `should reject ${JSON.stringify(bad)}`);
  }
  assert.throws(() => U32.fromWord('0x100000000', 'size'), /between 0 and 4294967295/);
  assert.deepEqual(SIZE.fromJson({ module: 'hello' }, 'size'), { module: 'hello' });
  assert.deepEqual(SIZE.fromWord('module:hello_user', 'SIZE'), { module: 'hello_user' });
});

test('uids stop short of -1, which setuid reads as "unchanged"', () => {
  assert.equal(UID.fromWord('65534', 'uid'), 65534);
  assert.throws(() => UID.fromJson(0xffffffff, 'uid'), /uid must be between 0 and 4294967294/);
});

test('names: strings up to 64 KiB, null, raw pointers, and text: for words that read otherwise', () => {
  assert.deepEqual(NAME.fromJson(null, 'name'), { kind: 'null' });
  assert.deepEqual(NAME.fromJson({ ptr: '0xc0100000' }, 'name'), { kind: 'pointer', address: 0xc0100000 });
  assert.equal(NAME.fromJson('x'.repeat(MAX_NAME_BYTES), 'name').kind, 'string');
  assert.throws(() => NAME.fromJson('x'.repeat(MAX_NAME_BYTES + 1), 'name'), /65537 bytes long/);
  assert.throws(() => NAME.fromJson('é'.repeat(MAX_NAME_BYTES / 2 + 1), 'name'), /bytes long/); // counted in UTF-8
  assert.throws(() => NAME.fromJson({ ptr: 'zz' }, 'name'), /name\.ptr must be a number/);
  assert.throws(() => NAME.fromJson(5, 'name'), /must be a string, null/);
  assert.deepEqual(NAME.fromJson({ repeat: 'ab', times: 3 }, 'name'), { kind: 'string', text: 'ababab' });
  assert.deepEqual(NAME.fromWord('NULL', 'NAME'), { kind: 'null' });
  assert.deepEqual(NAME.fromWord('@0xffffffff', 'NAME'), { kind: 'pointer', address: 0xffffffff });
  assert.deepEqual(NAME.fromWord('hello', 'NAME'), { kind: 'string', text: 'hello' });
  assert.deepEqual(NAME.fromWord('text:NULL', 'NAME'), { kind: 'string', text: 'NULL' });
  assert.equal(NAME.word({ kind: 'string', text: '@home' }), 'text:@home');
});

test('inherited property names are never known names (own properties only)', () => {
  for (const key of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
    assert.equal(isModuleName(key), false, key);
    assert.equal(isQueryWhich(key), false, key);
    assert.throws(() => callFromJson({ call: key }, 'step 0'), inputError(/step 0: "call" must be one of create_module/), key);
    assert.throws(() => callFromWords([key], 0), inputError(/unknown call/), key);
    assert.throws(() => checkCall({ call: key }), inputError(/call must be one of/), key);
    assert.throws(() => WHICH.fromJson(key, 'which'), inputError(/which must be one of QM_MODULES/), key);
    assert.throws(() => IMAGE.fromJson({ module: key }, 'image'), inputError(/image\.module must be one of hello/), key);
    assert.throws(() => SIZE.fromJson({ module: key }, 'size'), inputError(/size\."module" must be one of hello/), key);
    assert.throws(() => callFromJson({ call: 'query_module', name: 'x', which: key }, 'step 0'), inputError(/step 0: "which" must be one of/), key);
  }
  assert.equal(callFromParams((k) => (k === 'call' ? 'toString' : null)), null);
});

test('checkCall guards the API boundary', () => {
  assert.throws(() => checkCall({ call: 'frob_module' }), /call must be one of create_module/);
  assert.throws(() => checkCall({ call: 'query_module', name: { kind: 'null' }, which: 'QM_ALL', bufsize: 16, uid: 0 }), /which must be one of/);
  assert.throws(() => checkCall({ call: 'init_module', name: { kind: 'null' }, image: { kind: 'module', module: 'nope' }, uid: 0 }), /image module must be one of hello, hello_user, hello_fail/);
  assert.throws(() => checkCall({ call: 'create_module', name: { kind: 'string', text: 'a' }, size: -1, uid: 0 }), /size/);
  assert.throws(() => checkCall({ call: 'create_module', name: { kind: 'string', text: 'a' }, size: 1, uid: 2 ** 32 }), /uid/);
  assert.throws(() => checkCall(Object.create({ call: 'delete_module', name: { kind: 'null' } }) as unknown), /call must be one of/, 'inherited fields are not read');
  assert.deepEqual(checkCall({ call: 'delete_module', name: { kind: 'null' }, uid: 0 }), { call: 'delete_module', name: { kind: 'null' }, uid: 0 });
  assert.deepEqual(checkCall({ call: 'get_kernel_syms', uid: 0 }), { call: 'get_kernel_syms', table: null, uid: 0 });
});

test('calls map onto i386 syscalls with the name placed in memory', () => {
  const s = toWire({ call: 'create_module', name: { kind: 'string', text: 'hi' }, size: 10, uid: 65534 });
  assert.equal(s.syscall, 127);
  assert.equal(s.uid, 65534);
  assert.deepEqual(s.args[0], { kind: 'buffer', bytes: new Uint8Array([104, 105, 0]) });
  assert.equal(toWire({ call: 'delete_module', name: { kind: 'null' }, uid: 0 }).uid, null);
  const q = toWire({ call: 'query_module', name: { kind: 'null' }, which: 'QM_SYMS', bufsize: 0, uid: 0 });
  assert.deepEqual(q.args, [{ kind: 'value', value: 0 }, { kind: 'value', value: 4 }, { kind: 'value', value: 0 }, { kind: 'value', value: 0 }, { kind: 'out', size: 4 }]);
  assert.throws(() => toWire({ call: 'create_module', name: { kind: 'null' }, size: { module: 'hello' }, uid: 0 }), /resolved by insmod/);
});

test('one text for a call: as C spells it, with the uid after', () => {
  const text = (c: Call) => callText(c);
  assert.equal(text({ call: 'create_module', name: { kind: 'pointer', address: 0xffffffff }, size: 1, uid: 0 }), 'create_module((char *)0xffffffff, 1)');
  assert.equal(text({ call: 'create_module', name: { kind: 'string', text: 'n'.repeat(4096) }, size: 1, uid: 65534 }), 'create_module("nnnnnnnnnnnnnnnn"…(4096 chars), 1) uid=65534');
  assert.equal(text({ call: 'query_module', name: { kind: 'string', text: 'hello' }, which: 'QM_INFO', bufsize: 16, uid: 0 }), 'query_module("hello", QM_INFO, buf[16], 16, &ret)');
  assert.equal(text({ call: 'get_kernel_syms', table: null, uid: 0 }), 'get_kernel_syms(NULL)');
  assert.equal(text({ call: 'init_module', name: { kind: 'null' }, image: { kind: 'module', module: 'hello' }, uid: 0 }), 'init_module(NULL, hello.o)');
});

const nameArb = fc.oneof(
  fc.string({ maxLength: 40 }).map((text) => ({ kind: 'string', text }) as const),
  fc.tuple(fc.string({ minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 3000 })).map(([u, n]) => ({ kind: 'string', text: u.repeat(n) }) as const),
  fc.constant({ kind: 'null' } as const),
  fc.integer({ min: 0, max: 0xffffffff }).map((address) => ({ kind: 'pointer', address }) as const),
);
const u32Arb = fc.integer({ min: 0, max: 0xffffffff });
const callArb: fc.Arbitrary<Call> = fc.oneof(
  fc.record({ call: fc.constant('create_module' as const), name: nameArb, size: fc.oneof(u32Arb, fc.constantFrom({ module: 'hello' as const }, { module: 'hello_fail' as const })), uid: fc.integer({ min: 0, max: 0xfffffffe }) }),
  fc.record({ call: fc.constant('delete_module' as const), name: nameArb, uid: fc.integer({ min: 0, max: 0xfffffffe }) }),
  fc.record({
    call: fc.constant('init_module' as const),
    name: nameArb,
    image: fc.oneof(
      fc.constant({ kind: 'null' } as const),
      u32Arb.map((address) => ({ kind: 'pointer', address }) as const),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ kind: 'bytes', bytes }) as const),
      fc.constant({ kind: 'module', module: 'hello_user' } as const),
    ),
    uid: fc.constant(0),
  }),
  fc.record({ call: fc.constant('query_module' as const), name: nameArb, which: fc.oneof(fc.constantFrom('QM_MODULES' as const, 'QM_SYMS' as const, 'QM_INFO' as const), u32Arb), bufsize: fc.integer({ min: 0, max: 65536 }), uid: fc.constant(0) }),
  fc.record({ call: fc.constant('get_kernel_syms' as const), table: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 1000 })), uid: fc.constant(0) }),
).map((c) => ({ ...c })); // fc.record's objects have no prototype; parsed calls do

test('every way of writing a call reads back as the same call', () => {
  fc.assert(
    fc.property(callArb, (c) => {
      assert.deepEqual(checkCall(c), c, 'checkCall keeps a valid call');
      assert.deepEqual(callFromWords(callWords(c), c.uid), c, `words ${JSON.stringify(callWords(c)).slice(0, 80)}`);
      const link = callToParams(c);
      if ('params' in link) {
        const q = new URLSearchParams(link.params);
        assert.deepEqual(callFromJson(callFromParams((k) => q.get(k))), c, 'link parameters');
      } else {
        assert.ok(c.call !== 'get_kernel_syms' && c.name.kind === 'string' && c.name.text.length > 2000, 'only a long name is too long for a link');
      }
      // JSON writes an image's bytes as their length, so only other calls read back.
      if (c.call !== 'init_module' || c.image.kind !== 'bytes') assert.deepEqual(callFromJson({ call: c.call, ...callJson(c), uid: c.uid }), c, 'JSON');
    }),
    { numRuns: 400 },
  );
});

test('any parsed call turns into u32 arguments only', () => {
  const isU32 = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
  fc.assert(
    fc.property(fc.constantFrom(...CALL_NAMES), fc.dictionary(fc.constantFrom('name', 'size', 'image', 'which', 'bufsize', 'table', 'uid', 'toString', 'constructor'), fc.jsonValue()), (call, fields) => {
      let c: Call;
      try {
        c = callFromJson({ ...fields, call });
      } catch (e) {
        assert.ok(e instanceof InputError, `only InputError, got ${String(e)}`);
        return;
      }
      if ((c.call === 'create_module' && typeof c.size !== 'number') || (c.call === 'init_module' && c.image.kind === 'module')) return;
      const wire = toWire(c);
      assert.ok(isU32(wire.syscall));
      assert.ok(wire.uid === null || isU32(wire.uid));
      for (const a of wire.args) {
        if (a.kind === 'value') assert.ok(isU32(a.value), `value ${a.value}`);
        else if (a.kind === 'out') assert.ok(isU32(a.size), `out ${a.size}`);
        else assert.ok(a.bytes instanceof Uint8Array);
      }
    }),
    { numRuns: 1000 },
  );
});

test('links carry long names that repeat a unit, and refuse other long names', () => {
  assert.deepEqual(repetition('abab'), { unit: 'ab', times: 2 });
  assert.deepEqual(repetition('aba'), { unit: 'aba', times: 1 });
  const long = (text: string): Call => ({ call: 'create_module', name: { kind: 'string', text }, size: 1, uid: 0 });
  assert.deepEqual(callToParams(long('xy'.repeat(3000))), { params: [['call', 'create_module'], ['repeat', 'xy'], ['times', '3000'], ['size', '1']] });
  assert.deepEqual(callToParams(long(Array.from({ length: 3000 }, (_, i) => String.fromCharCode(97 + (i % 26) + (i % 7))).join(''))), { tooLong: 'name' });
});

test('raw returns: -4095..-1 are errnos, addresses are not', () => {
  assert.equal(isErrorReturn(0xffffffef), true);
  assert.equal(isErrorReturn(0xc8800000), false);
  assert.deepEqual(resultFromEax(0xffffffef), { kind: 'errno', errno: 17, errnoName: 'EEXIST', during: 'call' });
  assert.deepEqual(resultFromEax(0xc8800000), { kind: 'success', ret: 0xc8800000 });
  assert.equal(errnoName(38), 'ENOSYS');
  assert.equal(errnoName(300), 'E300');
});

test('outcome classes: any address is the same answer, other values and errnos are not', () => {
  const rec = (call: Call, ret: number): CallRecord => ({ kind: 'call', call, kernel: '2.4.20', machine: 1, result: resultFromEax(ret), recovered: false, elapsedMs: 1, console: '' });
  const create: Call = { call: 'create_module', name: { kind: 'null' }, size: 1, uid: 0 };
  const del: Call = { call: 'delete_module', name: { kind: 'null' }, uid: 0 };
  assert.equal(outcomeClass(rec(create, 0xc8800000)), outcomeClass(rec(create, 0xc8900000)));
  assert.notEqual(outcomeClass(rec(del, 0)), outcomeClass(rec(del, 1)));
  assert.equal(outcomeClass(rec(del, -2 >>> 0)), 'errno:ENOENT');
});

test("each call's errno is explained in its own man page's words", () => {
  assert.match(explainErrno('get_kernel_syms', 'EPERM'), /man page does not list EPERM for get_kernel_syms/);
  assert.match(explainErrno('init_module', 'EBUSY'), /initialization function failed/);
  assert.match(explainErrno('query_module', 'ENOSPC'), /buffer is too small; ret is set/);
  assert.match(explainErrno('delete_module', 'EBUSY'), /in use/);
  assert.match(explainErrno('create_module', 'EEXIST'), /already exists/);
  for (const call of CALL_NAMES) assert.match(explainErrno(call, 'ENOSYS'), new RegExp(`${call}\\(\\)|does not provide`));
});

test('the vmalloc area is derived from the guest memory', () => {
  assert.equal(vmallocStart(128 * 1024 * 1024), 0xc8800000);
  assert.equal(vmallocStart(64 * 1024 * 1024), 0xc4800000);
  assert.match(explainAddress(0xc8800000, 128 * 1024 * 1024), /0xc8800000 on this 128 MiB guest/);
  assert.match(explainAddress(0xc4900000, 64 * 1024 * 1024), /0xc4800000 on this 64 MiB guest/);
  assert.doesNotMatch(explainAddress(0xc4900000, 128 * 1024 * 1024), /vmalloc/);
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
    [{ kernel: '2.6.0', steps: [{}] }, /"kernel" "2.6.0" is not a kernel modlab knows; choose one of 2.4.18, 2.4.20, 2.4.27, 2.6.17, 6.1/],
    [{ kernel: 'constructor', steps: [{}] }, /"kernel" "constructor" is not a kernel modlab knows/],
    [{ steps: [{ call: 'frob_module', name: 'x' }] }, /step 0: "call" must be one of create_module, delete_module, init_module, query_module, get_kernel_syms/],
    [{ steps: [{ call: 'toString', name: 'x' }] }, /step 0: "call" must be one of create_module/],
    [{ steps: [{ call: 'init_module', name: 'x' }] }, /step 0: "image" is missing/],
    [{ steps: [{ call: 'init_module', name: 'x', image: { module: 'nope' } }] }, /step 0: "image"\.module must be one of hello, hello_user, hello_fail, got "nope"/],
    [{ steps: [{ call: 'query_module', name: 'x', which: 'QM_INFO', bufsize: -1 }] }, /step 0: "bufsize" must be between/],
    [{ steps: [{ call: 'query_module', name: 'x', which: 'constructor' }] }, /step 0: "which" must be one of QM_MODULES/],
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
    assert.throws(() => parseScenario(text, 'scenario'), inputError(re), `for ${text}`);
  }
});
