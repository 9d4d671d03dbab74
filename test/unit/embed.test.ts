import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullLabHref, isEmbedded, keepEmbedded } from '../../web/embed.ts';

test('embed=1, and nothing else, asks for the compact view', () => {
  assert.equal(isEmbedded('?kernel=2.4.20&embed=1'), true);
  for (const q of ['', '?embed=0', '?embed=yes', '?embed', '?kernel=2.4.20']) assert.equal(isEmbedded(q), false, q);
});

test('the full lab is the same call without the switch; the embedded address keeps it', () => {
  assert.equal(fullLabHref('https://lab.example/modlab/?kernel=2.4.20&call=create_module&name=x&size=4096&embed=1'), 'https://lab.example/modlab/?kernel=2.4.20&call=create_module&name=x&size=4096');
  assert.equal(keepEmbedded('?kernel=2.4.20&name=a%20b'), '?kernel=2.4.20&name=a+b&embed=1');
  assert.equal(keepEmbedded('?kernel=2.4.20&embed=1'), '?kernel=2.4.20&embed=1');
});
