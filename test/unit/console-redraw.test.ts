/**
 * Output while a line is half typed (web/console-line.ts hide/show), as a
 * shell with readline draws it: the typed line leaves, the output takes its
 * place, the prompt and the line come back below with the cursor where it
 * was. And the console's transcript (web/console-transcript.ts), drawn again
 * with the boot log folded or shown.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineEditor, PROMPT } from '../../web/console-line.ts';
import { ConsoleTranscript, REST_MAX } from '../../web/console-transcript.ts';

const LEFT = '\x1b[D';
const HOME = '\x1b[H';

/** A terminal of `cols` columns that applies printables, CR, LF, CHA (G), CUU (A), CUD (B) and ED (J), with xterm's deferred wrap. */
class Screen {
  rows: string[][] = [[]];
  r = 0;
  c = 0;
  private wrapNext = false;
  constructor(private readonly cols: number) {}

  write(out: string): void {
    for (let i = 0; i < out.length; i++) {
      // eslint-disable-next-line no-control-regex -- reading escape sequences is the point
      const csi = /^\x1b\[(\d*)([A-Za-z])/.exec(out.slice(i));
      if (csi) {
        const n = Number(csi[1] || '1');
        if (csi[2] === 'A') this.r = Math.max(0, this.r - n);
        else if (csi[2] === 'B') this.r += n;
        else if (csi[2] === 'G') this.c = n - 1;
        else if (csi[2] === 'J') {
          this.row(this.r).length = Math.min(this.row(this.r).length, this.c);
          this.rows.length = this.r + 1;
        }
        this.wrapNext = false;
        i += csi[0].length - 1;
        continue;
      }
      const ch = out[i] as string;
      if (ch === '\r') {
        this.c = 0;
        this.wrapNext = false;
      } else if (ch === '\n') {
        this.r++;
        this.row(this.r);
        this.wrapNext = false;
      } else {
        if (this.wrapNext) {
          this.r++;
          this.c = 0;
          this.wrapNext = false;
        }
        const line = this.row(this.r);
        while (line.length < this.c) line.push(' ');
        line[this.c] = ch;
        if (this.c === this.cols - 1) this.wrapNext = true;
        else this.c++;
      }
    }
  }

  text(): string[] {
    return this.rows.map((l) => l.join('').trimEnd());
  }

  private row(i: number): string[] {
    while (this.rows.length <= i) this.rows.push([]);
    return this.rows[i] as string[];
  }
}

const none = (before: string): { from: number; candidates: string[] } => ({ from: before.length, candidates: [] });

/** A screen with the guest's prompt on it and an editor started after it, as the console does on the guest's prompt. */
function atPrompt(cols: number): { screen: Screen; editor: LineEditor } {
  const screen = new Screen(cols);
  screen.write(`Linux version 2.4.20\r\n${PROMPT}`);
  const editor = new LineEditor(none);
  screen.write(editor.restart(screen.c, cols, PROMPT));
  return { screen, editor };
}

test('kernel output while a line is half typed goes above it; the prompt and the line come back with the cursor in place', () => {
  const { screen, editor } = atPrompt(80);
  screen.write(editor.feed('create_module hello 4096').echo);
  screen.write(editor.feed(`${LEFT}${LEFT}${LEFT}${LEFT}`).echo);
  screen.write(editor.hide());
  screen.write('hello: module loaded\r\n[  12.3] another line\r\n');
  screen.write(editor.show());
  assert.deepEqual(screen.text(), ['Linux version 2.4.20', 'hello: module loaded', '[  12.3] another line', `${PROMPT}create_module hello 4096`]);
  assert.deepEqual([screen.r, screen.c], [3, PROMPT.length + 'create_module hello '.length]);
  // Typing goes on where it was.
  screen.write(editor.feed('8').echo);
  assert.equal(editor.text, 'create_module hello 84096');
  assert.equal(screen.text()[3], `${PROMPT}create_module hello 84096`);
});

test('a half-typed line that wraps is taken off whole, whichever row the cursor is on', () => {
  const cols = 20;
  const { screen, editor } = atPrompt(cols);
  screen.write(editor.feed('x'.repeat(30)).echo);
  screen.write(editor.feed(HOME).echo);
  screen.write(editor.feed(`${'\x1b[C'.repeat(15)}`).echo);
  screen.write(editor.hide());
  assert.deepEqual(screen.text(), ['Linux version 2.4.20', '']);
  screen.write('oops\n');
  screen.write(editor.show());
  const rows = screen.text();
  assert.equal(rows[1], 'oops');
  assert.equal(rows.slice(2).join(''), PROMPT + 'x'.repeat(30));
  assert.deepEqual([screen.r, screen.c], [2 + Math.floor((PROMPT.length + 15) / cols), (PROMPT.length + 15) % cols]);
});

test('at an empty prompt the output takes the prompt\'s row and the prompt follows it', () => {
  const { screen, editor } = atPrompt(80);
  screen.write(editor.hide());
  screen.write('[modlab] machine 2 is ready\r\n');
  screen.write(editor.show());
  assert.deepEqual(screen.text(), ['Linux version 2.4.20', '[modlab] machine 2 is ready', PROMPT.trimEnd()]);
  assert.deepEqual([screen.r, screen.c], [2, PROMPT.length]);
});

test('the transcript draws the page\'s own output either way, and the boot log only when shown', () => {
  const t = new ConsoleTranscript();
  const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
  t.rest('before the boot\r\n');
  t.beginBoot();
  t.guest(bytes('Linux version 2.4.20\r\n'));
  t.rest('\r\n[modlab] booted in 3.0 s\r\n');
  t.guest(bytes('PIIX3: détecté\r\nmodlab# '));
  t.endBoot();
  t.guest(bytes('\r\nmodlab# '));
  t.rest('lsmod');
  const text = (parts: Array<string | Uint8Array>): string => parts.map((p) => (typeof p === 'string' ? p : new TextDecoder().decode(p))).join('');
  assert.equal(t.bootLog(), 'Linux version 2.4.20\r\nPIIX3: détecté\r\nmodlab# ');
  // Folded, the first row is not an empty one.
  assert.equal(text(t.render(false, (b) => `<${b}>`)), '[modlab] booted in 3.0 s\r\n\r\nmodlab# lsmod');
  assert.equal(text(t.render(true, (b) => `<${b}>`)), '<Linux version 2.4.20\r\n>\r\n[modlab] booted in 3.0 s\r\n<PIIX3: détecté\r\nmodlab# >\r\nmodlab# lsmod');
});

test('the transcript keeps the newest of what follows the boot, and the whole boot log', () => {
  const t = new ConsoleTranscript();
  t.beginBoot();
  t.guest(new TextEncoder().encode('boot\r\n'));
  t.endBoot();
  const chunk = 'y'.repeat(1000);
  for (let i = 0; i < (REST_MAX / 1000) * 2; i++) t.rest(chunk);
  t.rest('last');
  const parts = t.render(true, (b) => b);
  assert.equal(parts[0], 'boot\r\n');
  assert.equal(parts.at(-1), 'last');
  assert.ok(parts.slice(1).reduce((n, p) => n + p.length, 0) <= REST_MAX);
});
