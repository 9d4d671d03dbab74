/**
 * The history's Markdown export: a call's text (a module name is anyone's
 * text) stays inside its code span and its table cell, whatever backticks,
 * pipes or line breaks it holds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { historyLine, historyMarkdown, markdownCode, markdownText, type HistoryEntry } from '../../web/history.ts';

/** The cell delimiters GFM sees: `|` not escaped by a backslash. */
function delimiters(row: string): number {
  return (row.match(/(?<!\\)\|/g) ?? []).length;
}

/** Reads a code span back the way CommonMark does, or throws when it ends early. */
function readCode(span: string): string {
  const fence = /^`+/.exec(span)?.[0] ?? '';
  assert.ok(fence.length > 0 && span.endsWith(fence) && span.length >= 2 * fence.length, span);
  let inner = span.slice(fence.length, span.length - fence.length);
  // No run of exactly the fence's length may close it early.
  for (const run of inner.match(/`+/g) ?? []) assert.notEqual(run.length, fence.length, `the span closes early: ${span}`);
  if (inner.length >= 2 && inner.startsWith(' ') && inner.endsWith(' ') && inner.trim() !== '') inner = inner.slice(1, -1);
  return inner.replace(/\\\|/g, '|');
}

test('a code span holds backticks, pipes and line breaks', () => {
  assert.equal(markdownCode('create_module("a`b", 1)'), '``create_module("a`b", 1)``');
  assert.equal(markdownCode('x ``` y'), '````x ``` y````');
  assert.equal(markdownCode('`start'), '`` `start ``');
  assert.equal(markdownCode(' spaced '), '`  spaced  `');
  assert.equal(markdownCode(''), '`  `');
  assert.equal(markdownCode('a|b'), '`a\\|b`');
  assert.equal(markdownCode('two\nlines\r\n'), '`two\\nlines\\n`');
  assert.equal(readCode(markdownCode('"`x`` | ```y"')), '"`x`` | ```y"');
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('`', '|', '\\', '\n', 'a', ' ', '*'), minLength: 1 }), (text) => {
      const span = markdownCode(text);
      assert.doesNotMatch(span, /[\r\n]/);
      assert.equal(delimiters(span), 0);
      assert.equal(readCode(span), text.replace(/\r\n|\r|\n/g, '\\n'));
    }),
  );
});

test('plain cells escape what starts markup', () => {
  assert.equal(markdownText('= -1 EEXIST (17)'), '= -1 EEXIST (17)');
  assert.equal(markdownText('[x](https://example.org) <b>*_`|~&amp;'), '\\[x\\](https://example.org) \\<b\\>\\*\\_\\`\\|\\~\\&amp;');
});

test('each exported row has its five cells, a hostile call and answer included', () => {
  const entry: HistoryEntry = {
    step: 0,
    call: 'create_module',
    kernel: '2.4.20',
    ok: false,
    errnoName: 'EEXIST | `x` <img src=x>',
    errno: 17,
    elapsedMs: 1.5,
    at: '2025-01-01T00:00:00.000Z',
    text: 'create_module("a`b` | c\n| forged | row |", 4096)',
  } as HistoryEntry;
  const lines = historyMarkdown([entry]).split('\n');
  assert.equal(lines.length, 4);
  const row = lines[2] ?? '';
  assert.equal(delimiters(row), 6, row);
  assert.ok(row.includes('``create_module("a`b` \\| c\\n\\| forged \\| row \\|", 4096)``'), row);
  assert.ok(row.includes('= -1 EEXIST \\| \\`x\\` \\<img src=x\\> (17)'), row);
});

test('a program’s run has its row too: the command as code, the answer as text', () => {
  const run = {
    call: 'exec',
    ok: true,
    step: 1,
    kernel: '2.4.20',
    elapsedMs: 20.25,
    at: '2025-01-01T00:00:01.000Z',
    text: "./create_module 'a | b' (uid 65534)",
    answer: 'exit 0',
  } as HistoryEntry;
  const lines = historyMarkdown([run]).split('\n');
  const row = lines[2] ?? '';
  assert.equal(delimiters(row), 6, row);
  assert.ok(row.includes("`./create_module 'a \\| b' (uid 65534)`"), row);
  assert.ok(row.includes('| → exit 0 | 20.3 ms |'), row);
  assert.equal(historyLine(run), "[2.4.20] ./create_module 'a | b' (uid 65534) → exit 0 (20.3 ms)");
});
