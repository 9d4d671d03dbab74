/**
 * Share links, the way the page uses them: a call becomes a link
 * (shareQuery), the link fills the form (readLink, valuesFromJson) and the
 * form gives the call back (checkForm). Older links still open their call;
 * hostile ones give defaults or a form error, never an exception.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { callFromJson, type Call } from '../../harness/calls/model.ts';
import { checkForm, initialValues, valuesFromJson, type Values } from '../../web/form-fields.ts';
import { imageLinkText, readLink, shareQuery, tooLongText } from '../../web/share-link.ts';

/** What the page does on load: defaults, then what the link asks for, then the form's check. */
function open(search: string): { kernel: string | null; run: boolean; values: Values; problems: string[]; check: ReturnType<typeof checkForm> } {
  const link = readLink(search);
  const values = initialValues();
  const filled = link.call ? valuesFromJson(link.call) : { values: {}, problems: [] };
  Object.assign(values, filled.values);
  return { kernel: link.kernel, run: link.run, values, problems: filled.problems, check: checkForm(values) };
}

function queryOf(call: Call): string {
  const q = shareQuery('2.4.20', call, true);
  assert.ok('query' in q, `no link for ${JSON.stringify(q)}`);
  return q.query;
}

function roundTrip(json: Record<string, unknown>): string {
  const call = callFromJson(json);
  const query = queryOf(call);
  const back = open(query);
  assert.deepEqual(back.problems, []);
  assert.deepEqual(readLink(query).problems, []);
  assert.equal(back.kernel, '2.4.20');
  assert.equal(back.run, true);
  assert.deepEqual(back.check, { call }, query);
  return query;
}

test('every kind of name survives the round trip through a link and the form', () => {
  assert.match(roundTrip({ call: 'create_module', name: 'hello', size: 4096, uid: 65534 }), /^\?kernel=2\.4\.20&call=create_module&name=hello&size=4096&uid=65534&run=1$/);
  assert.match(roundTrip({ call: 'create_module', name: null, size: 4096 }), /&null=1&size=4096&run=1$/);
  assert.match(roundTrip({ call: 'delete_module', name: { ptr: '0xffffffff' } }), /&call=delete_module&ptr=0xffffffff&run=1$/);
  assert.match(roundTrip({ call: 'create_module', name: { repeat: 'ab', times: 3000 }, size: 4096 }), /&repeat=ab&times=3000&/);
  const one = roundTrip({ call: 'create_module', name: 'n'.repeat(60000), size: 4096 });
  assert.match(one, /&repeat=n&times=60000&/);
  assert.ok(one.length < 200);
  roundTrip({ call: 'create_module', name: 'x'.repeat(2000), size: 1 });
  roundTrip({ call: 'create_module', name: 'a b&c=d#é/?', size: 4096 });
});

test('every call and argument kind survives the round trip', () => {
  roundTrip({ call: 'create_module', name: 'hello', size: { module: 'hello' } });
  roundTrip({ call: 'init_module', name: 'hello', image: { module: 'hello_fail' } });
  roundTrip({ call: 'init_module', name: 'hello', image: null });
  roundTrip({ call: 'init_module', name: 'hello', image: { ptr: '0xc0000000' } });
  roundTrip({ call: 'init_module', name: 'hello', image: { hex: '00ff7f' } });
  roundTrip({ call: 'query_module', name: null, which: 'QM_MODULES', bufsize: 65536 });
  roundTrip({ call: 'query_module', name: 'hello', which: 'QM_INFO', bufsize: 0, uid: 1 });
  roundTrip({ call: 'query_module', name: 'hello', which: 99, bufsize: 16 });
  roundTrip({ call: 'get_kernel_syms', table: null });
  roundTrip({ call: 'get_kernel_syms', table: 10 });
});

test('a long name that does not repeat a short unit gets no link, and the page says why', () => {
  const name = Array.from({ length: 1000 }, (_, i) => i).join('');
  const q = shareQuery('2.4.20', callFromJson({ call: 'create_module', name, size: 4096 }), true);
  assert.deepEqual(q, { tooLong: 'name' });
  assert.match(tooLongText('name'), /name is too long for a link/);
  const image = shareQuery('2.4.20', callFromJson({ call: 'init_module', name: 'x', image: { hex: 'ab'.repeat(1500) } }), false);
  assert.deepEqual(image, { tooLong: 'image' });
});

test('links shared before the call model open the same call', () => {
  const base = '?kernel=2.4.20&call=create_module';
  assert.deepEqual(open(`${base}&name=x&size=4096&uid=65534`).check, { call: callFromJson({ call: 'create_module', name: 'x', size: 4096, uid: 65534 }) });
  assert.deepEqual(open(`${base}&null=1&size=4096`).check, { call: callFromJson({ call: 'create_module', name: null, size: 4096 }) });
  assert.deepEqual(open(`${base}&ptr=0xdeadbeef&size=4096`).check, { call: callFromJson({ call: 'create_module', name: { ptr: '0xdeadbeef' }, size: 4096 }) });
  const long = open(`${base}&repeat=n&times=60000&size=4096&run=1`);
  assert.deepEqual(long.check, { call: callFromJson({ call: 'create_module', name: 'n'.repeat(60000), size: 4096 }) });
  assert.equal(long.run, true);
  assert.deepEqual(open('?kernel=6.1&call=delete_module&name=x').check, { call: callFromJson({ call: 'delete_module', name: 'x' }) });
});

test('the empty pointer older pages wrote for long names opens as a refused pointer, never a call', () => {
  const r = open('?kernel=2.4.20&call=create_module&ptr=&size=4096&run=1');
  assert.ok('error' in r.check);
  assert.match(r.check.error, /^name\.ptr must be a number/);
  assert.equal(r.check.culprit, 'f-ptr');
});

test('hostile parameters give the defaults or a form error, never an exception', () => {
  const proto = open('?kernel=__proto__&call=toString&name=x');
  assert.equal(proto.kernel, null);
  assert.deepEqual(proto.check, checkForm(initialValues()));
  const which = open('?call=query_module&null=1&which=constructor');
  assert.ok('error' in which.check);
  assert.match(which.check.error, /^which must be one of QM_MODULES/);
  assert.equal(which.check.culprit, 'f-which-num');
  const module = open('?call=init_module&name=x&image=module:__proto__');
  assert.equal(module.problems.length, 1);
  assert.match(module.problems[0] ?? '', /image\.module must be one of hello/);
  const huge = open('?call=create_module&repeat=ab&times=99999&size=1');
  assert.match(huge.problems[0] ?? '', /name would be 199998 bytes long/);
  assert.equal(huge.values['f-name'], 'hello');
  const size = open('?call=create_module&name=x&size=');
  assert.ok('error' in size.check && /^size must be a number/.test(size.check.error));

  const names = ['kernel', 'call', 'name', 'null', 'ptr', 'repeat', 'times', 'size', 'image', 'which', 'bufsize', 'table', 'uid', 'run', '__proto__', 'constructor'];
  const calls = ['create_module', 'delete_module', 'init_module', 'query_module', 'get_kernel_syms', 'toString', 'hasOwnProperty'];
  const param = fc.tuple(fc.constantFrom(...names), fc.oneof(fc.string(), fc.constantFrom(...calls, 'NULL', 'module:hello', 'hex:zz', '@0x1', '0x1ffffffff', '-1')));
  fc.assert(
    fc.property(fc.array(param, { maxLength: 8 }), (params) => {
      const r = open(`?${new URLSearchParams(params).toString()}`);
      assert.ok('call' in r.check || typeof r.check.error === 'string');
    }),
  );
});

/** Everything the page would say about a link before running it: the link's own problems, then the form's. */
function said(search: string): string[] {
  return [...readLink(search).problems, ...open(search).problems];
}

test('a repeat with a bad count is named, never a RangeError, and the form keeps its name', () => {
  for (const times of ['-1', '0', '1e9', '4294967296', 'x', '', '99999999']) {
    const search = `?kernel=2.4.20&call=create_module&repeat=a&times=${encodeURIComponent(times)}&size=4096&run=1`;
    const problems = said(search);
    assert.equal(problems.length, 1, `${times}: ${problems.join('; ')}`);
    assert.match(problems[0] ?? '', /^name(\.times)?[ :]/);
    assert.equal(open(search).values['f-name'], 'hello');
  }
  assert.match(said('?call=create_module&repeat=a&times=-1')[0] ?? '', /name\.times must be a number in decimal or 0x hex, got "-1"/);
  // The link the issue quotes names no call at all: that is said, not filled in with the default call.
  assert.deepEqual(said('?repeat=a&times=-1&run=1'), ['the link gives repeat, times but names no call']);
});

test('an unknown kernel or call is named; the link runs nothing', () => {
  const kernel = readLink('?kernel=2.6.99&call=create_module&name=x&size=1&run=1');
  assert.equal(kernel.kernel, null);
  assert.deepEqual(kernel.problems, ['the link asks for kernel "2.6.99", which modlab does not have (it has 2.4.18, 2.4.20, 2.4.27, 2.6.17, 6.1)']);
  const call = readLink('?kernel=2.4.20&call=create_mdule&name=x&run=1');
  assert.equal(call.call, null);
  assert.match(call.problems[0] ?? '', /^the link asks for the call "create_mdule", which modlab does not make \(it makes create_module, /);
  assert.equal(readLink('?kernel=__proto__&call=toString').problems.length, 2);
  // What the page writes into the address bar when the form holds no call is a usable link.
  assert.deepEqual(readLink('?kernel=6.1').problems, []);
  assert.deepEqual(readLink('').problems, []);
  assert.deepEqual(readLink('?utm_source=x').problems, [], 'parameters modlab does not read are not its business');
});

test('a link made on a user kernel image names its version, sha256 and file, and asks for the file again', () => {
  const sha = 'c9bb5dd5914a076e48b520ee1a9e423ad99686d92ba247590c162faa997278ad';
  const call = callFromJson({ call: 'create_module', name: 'hello', size: 4096 });
  const q = shareQuery({ id: 'file:2.4.27-rudefault', sha256: sha, file: 'bzImage' }, call, true);
  assert.ok('query' in q);
  assert.equal(q.query, `?kernel=file%3A2.4.27-rudefault&sha256=${sha}&file=bzImage&call=create_module&name=hello&size=4096&run=1`);
  const back = readLink(q.query);
  assert.equal(back.kernel, null);
  assert.deepEqual(back.image, { id: 'file:2.4.27-rudefault', sha256: sha, file: 'bzImage' });
  assert.deepEqual(back.problems, []);
  assert.equal(back.run, true);
  assert.match(imageLinkText(back.image), /^This link was made on a kernel image of its own, file:2\.4\.27-rudefault \(sha256 c9bb5dd5…?[0-9a-f]*\), opened from a file named "bzImage"\. A link cannot carry the image: open that file/);
  // Without a sha256 and a file name (or with a file name that is a path) the link names nothing modlab can ask for.
  for (const bad of [`?kernel=file:2.4.27&call=create_module`, `?kernel=file:2.4.27&sha256=${sha}&file=../x&call=create_module`, `?kernel=file:2.4.27&sha256=xyz&file=a&call=create_module`]) {
    const r = readLink(bad);
    assert.equal(r.image, null, bad);
    assert.match(r.problems[0] ?? '', /names a kernel image of its own, "file:2\.4\.27", without a valid sha256 and file name/, bad);
  }
});
