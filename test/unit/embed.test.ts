import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullLabHref, hasScenario, isEmbedded, keepEmbedded } from '../../web/embed.ts';

test('embed=1, and nothing else, asks for the compact view', () => {
  assert.equal(isEmbedded('?kernel=2.4.20&embed=1'), true);
  for (const q of ['', '?embed=0', '?embed=yes', '?embed', '?kernel=2.4.20']) assert.equal(isEmbedded(q), false, q);
});

test('the full lab is the same call without the switch; the embedded address keeps it', () => {
  assert.equal(fullLabHref('https://lab.example/modlab/?kernel=2.4.20&call=create_module&name=x&size=4096&embed=1'), 'https://lab.example/modlab/?kernel=2.4.20&call=create_module&name=x&size=4096');
  assert.equal(keepEmbedded('?kernel=2.4.20&name=a%20b'), '?kernel=2.4.20&name=a+b&embed=1');
  assert.equal(keepEmbedded('?kernel=2.4.20&embed=1'), '?kernel=2.4.20&embed=1');
});

test('a scenario rides in the fragment, as lesson links carry it; its full lab keeps it and drops run=1', () => {
  assert.equal(hasScenario('#lesson=abc'), true);
  assert.equal(hasScenario('#code=x&lesson=abc'), true);
  for (const h of ['', '#', '#code=abc', '#lessons=abc']) assert.equal(hasScenario(h), false, h);
  assert.equal(fullLabHref('https://lab.example/?kernel=2.4.27&embed=1&run=1#lesson=abc', true), 'https://lab.example/?kernel=2.4.27#lesson=abc');
  // A single call's full lab keeps run=1: it is the call's share link.
  assert.equal(fullLabHref('https://lab.example/?kernel=2.4.27&call=create_module&name=x&size=1&embed=1&run=1'), 'https://lab.example/?kernel=2.4.27&call=create_module&name=x&size=1&run=1');
});
