/** The address bar while presenting (web/presenter.ts): present=1 is added to the form's query and taken off on leaving. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wantsPresenting, withPresenting } from '../../web/presenter.ts';

test('presenting adds present=1 to the query, as written; leaving takes it off', () => {
  const form = '?kernel=2.4.20&call=create_module&name=a%20b&size=4096';
  assert.equal(withPresenting(form, true), `${form}&present=1`);
  assert.equal(withPresenting(form, false), form);
  assert.equal(withPresenting('?kernel=2.4.20&present=1', false), '?kernel=2.4.20');
  assert.equal(withPresenting('?kernel=2.4.20&present=1', true), '?kernel=2.4.20&present=1');
  assert.equal(withPresenting('', true), '?present=1');
  assert.equal(wantsPresenting(withPresenting(form, true)), true);
  assert.equal(wantsPresenting(withPresenting(`${form}&present=1`, false)), false);
});
