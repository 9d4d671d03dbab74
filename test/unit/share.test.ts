/** Share links: the form's state in a URL and back; long names as repeat/times or left out. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitsInLink, fromQuery, toQuery, type FormState } from '../../web/share.ts';

const base: FormState = { kernel: '2.4.20', call: 'create_module', kind: 'string', name: 'hello', ptr: '', size: '4096', uid: null };

test('a call survives the round trip through its link', () => {
  const back = fromQuery(toQuery({ ...base, uid: '65534' }, true));
  assert.deepEqual(back, { run: true, kernel: '2.4.20', call: 'create_module', kind: 'string', name: 'hello', size: '4096', uid: '65534' });
});

test('a 60,000-character name of one letter travels as repeat/times; another long name is left out', () => {
  const long = { ...base, name: 'n'.repeat(60000) };
  const q = toQuery(long, false);
  assert.ok(q.length < 200);
  assert.match(q, /repeat=n&times=60000/);
  assert.equal(fromQuery(q).name, long.name);
  const mixed = { ...base, name: 'ab'.repeat(2000) };
  assert.equal(fitsInLink(mixed), false);
  assert.doesNotMatch(toQuery(mixed, false), /name=/);
  assert.equal(fitsInLink(long), true);
});
