/** The console's line editor (web/console-line.ts): keys in, the line and what the terminal draws out. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineEditor, parseKeys, PROMPT, storageHistory, type Completer, type HistoryStore } from '../../web/console-line.ts';
import { completions } from '../../web/console-command.ts';

const UP = '\x1b[A';
const DOWN = '\x1b[B';
const LEFT = '\x1b[D';
const RIGHT = '\x1b[C';
const HOME = '\x1b[H';
const END = '\x1b[F';

const none: Completer = (before) => ({ from: before.length, candidates: [] });

function editor(completer: Completer = completions, store: HistoryStore | null = null): LineEditor {
  const e = new LineEditor(completer, store);
  e.restart(PROMPT.length, 80);
  return e;
}

/** A small terminal that applies what the editor draws (printables, CR, LF, CHA, CUU/CUD, ED), to check the screen itself. */
function screen(cols: number, startCol: number): { apply(out: string): void; rows: string[]; cursor(): [number, number] } {
  const rows: string[][] = [[...' '.repeat(startCol)]];
  let r = 0;
  let c = startCol;
  let pendingWrap = false;
  const row = (i: number): string[] => (rows[i] ??= []);
  return {
    rows: [] as string[],
    cursor: () => [r, c],
    apply(out: string) {
      for (let i = 0; i < out.length; i++) {
        const ch = out[i] as string;
        // eslint-disable-next-line no-control-regex -- reading escape sequences is the point
        const csi = /^\x1b\[(\d*)([A-Za-z])/.exec(out.slice(i));
        if (csi) {
          const n = Number(csi[1] || '1');
          if (csi[2] === 'A') r -= n;
          if (csi[2] === 'B') r += n;
          if (csi[2] === 'G') c = n - 1;
          if (csi[2] === 'J') {
            row(r).length = c;
            rows.length = r + 1;
          }
          pendingWrap = false;
          i += csi[0].length - 1;
          continue;
        }
        if (ch === '\r') {
          c = 0;
          pendingWrap = false;
        } else if (ch === '\n') {
          r++;
          row(r);
        } else {
          if (pendingWrap) {
            r++;
            c = 0;
            pendingWrap = false;
          }
          const line = row(r);
          while (line.length < c) line.push(' ');
          line[c] = ch;
          if (c === cols - 1) pendingWrap = true;
          else c++;
        }
      }
      this.rows.splice(0, this.rows.length, ...rows.map((l) => l.join('').trimEnd()));
    },
  };
}

test('keys: printable runs, cursor keys as CSI and SS3, control keys', () => {
  assert.deepEqual(parseKeys('ab\x7f\x1b[A\x1bOH\x1b[3~\x15\x03\r'), [
    { kind: 'text', text: 'ab' }, { kind: 'backspace' }, { kind: 'up' }, { kind: 'home' }, { kind: 'delete' }, { kind: 'kill' }, { kind: 'cancel' }, { kind: 'enter' },
  ]);
  assert.deepEqual(parseKeys('\x1b[1;5C\x1b'), [{ kind: 'right' }, { kind: 'ignore' }]);
});

test('typing echoes the characters; Enter gives the line and a new row', () => {
  const e = editor(none);
  assert.deepEqual(e.feed('lsmod'), { echo: 'lsmod', rest: '' });
  assert.deepEqual(e.feed('\r'), { echo: '\r\n', line: 'lsmod', rest: '' });
  assert.equal(e.text, '');
});

test('what follows an Enter is left for after the answer', () => {
  const e = editor(none);
  const r = e.feed('uname\rlsmod\r');
  assert.equal(r.line, 'uname');
  assert.equal(r.rest, 'lsmod\r');
});

test('Backspace, ←/→, Home/End and Delete edit inside the line, and the screen shows it', () => {
  const e = editor(none);
  const s = screen(80, PROMPT.length);
  for (const k of ['creat_module x 1', HOME, RIGHT, RIGHT, RIGHT, RIGHT, RIGHT, 'e', END, '\x7f', '4096', LEFT, LEFT, LEFT, LEFT, '\x1b[3~']) s.apply(e.feed(k).echo);
  assert.equal(e.text, 'create_module x 4096'.replace(' 4096', ' 096'));
  assert.equal(s.rows[0], ' '.repeat(PROMPT.length) + e.text);
  assert.deepEqual(s.cursor(), [0, PROMPT.length + e.cursor]);
});

test('a line longer than the terminal wraps, and editing at its start redraws every row', () => {
  const cols = 20;
  const e = new LineEditor(none);
  e.restart(8, cols);
  const s = screen(cols, 8);
  s.apply(e.feed('x'.repeat(12)).echo); // ends exactly at the last column
  s.apply(e.feed('y'.repeat(10)).echo);
  s.apply(e.feed(HOME).echo);
  s.apply(e.feed('AB').echo);
  assert.equal([s.rows[0]?.slice(8), s.rows[1], s.rows[2]].join(''), e.text);
  assert.equal(e.text, `AB${'x'.repeat(12)}${'y'.repeat(10)}`);
  assert.deepEqual(s.cursor(), [0, 10]);
  s.apply(e.feed('\x15').echo);
  assert.deepEqual(s.rows.map((l) => l.trim()), ['']);
});

test('Ctrl+U empties the line; Ctrl+C cancels it, shown as ^C, and enters nothing into the history', () => {
  const e = editor(none);
  e.feed('insmod hello');
  e.feed('\x15');
  assert.equal(e.text, '');
  e.feed('rmmod hello');
  const r = e.feed('\x03');
  assert.deepEqual(r, { echo: '^C\r\n', line: '', rest: '' });
  assert.deepEqual(e.lines(), []);
});

test('↑ and ↓ walk the history, and the line being typed comes back at the bottom', () => {
  const e = editor(none);
  e.feed('create_module hello 4096\r');
  e.feed('lsmod\r');
  e.feed('lsmod\r'); // a repeat is kept once
  e.feed('dm');
  e.feed(UP);
  assert.equal(e.text, 'lsmod');
  e.feed(UP);
  assert.equal(e.text, 'create_module hello 4096');
  e.feed(UP);
  assert.equal(e.text, 'create_module hello 4096', 'the oldest stays');
  e.feed(DOWN);
  e.feed(DOWN);
  assert.equal(e.text, 'dm');
  assert.equal(e.cursor, 2);
});

test('the history is kept in the store and read back; a store that refuses does not throw', () => {
  const data = new Map<string, string>();
  const storage = { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) };
  const first = editor(none, storageHistory(() => storage));
  first.feed('uname\r');
  const second = editor(none, storageHistory(() => storage));
  second.feed(UP);
  assert.equal(second.text, 'uname');

  const refusing = { getItem: (): string => { throw new Error('SecurityError'); }, setItem: (): void => { throw new Error('QuotaExceededError'); } };
  const e = editor(none, storageHistory(() => refusing));
  e.feed('lsmod\r');
  e.feed(UP);
  assert.equal(e.text, 'lsmod', 'kept for the page');
  const blocked = editor(none, storageHistory(() => { throw new Error('localStorage is blocked'); }));
  blocked.feed('help\r');
  assert.deepEqual(blocked.lines(), ['help']);
  data.set('modlab.console-history', '{"not": "a list"}');
  assert.deepEqual(editor(none, storageHistory(() => storage)).lines(), []);
});

test('Tab completes a command, a module and a QM_ word, each whole word with its space', () => {
  const e = editor();
  assert.equal(e.canComplete(), false, 'an empty line: Tab leaves the console');
  e.feed('cre');
  assert.equal(e.canComplete(), true);
  e.feed('\t');
  assert.equal(e.text, 'create_module ');
  assert.equal(e.canComplete(), false, 'after the space: Tab leaves');
  e.feed('hel\t');
  assert.equal(e.text, 'create_module hello', 'hello and hello_user share "hello"');
  assert.equal(e.canComplete(), false, 'nothing more in common: Tab leaves');
  e.feed('\x15query_module NULL QM_MO\t');
  assert.equal(e.text, 'query_module NULL QM_MODULES ');
  e.feed('\x15ins\t');
  e.feed('hello_u\t');
  assert.equal(e.text, 'insmod hello_user ');
});

test('Tab in the middle of a word, or on a word nothing completes, leaves the console', () => {
  const e = editor();
  e.feed(`create_module${LEFT}${LEFT}`);
  assert.equal(e.canComplete(), false);
  e.feed('\x15frobnicate');
  assert.equal(e.canComplete(), false);
});

test('Ctrl+Space lists the endings of a word that has several, then the prompt and the line again', () => {
  const e = editor();
  e.feed('create_module hello');
  const out = e.feed('\x00').echo;
  assert.match(out, /\r\nhello {2}hello_user {2}hello_fail\r\nmodlab# create_module hello/);
  assert.equal(e.text, 'create_module hello');
});
