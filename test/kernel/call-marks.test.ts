/**
 * The agent's call marks (harness/protocol.ts) on real kernels: a call
 * whose kernel printed something is answered with that text complete and
 * without waiting for the console to fall quiet; the mark itself never
 * reaches the console text or the terminal; the console does not echo, and
 * the shell repeats a typed ESC as ^[, so typing cannot forge a mark; a
 * call's text starts at its start mark, after any prompt printed before it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CallRecord } from '../../harness/calls/record.ts';
import type { Machine } from '../../harness/machine/machine.ts';
import type { KernelId } from '../../kernel-images/manifest.ts';
import { END_MARK_OPEN } from '../../harness/protocol.ts';
import { boot } from '../../node/boot.ts';
import { LONG } from './man-page.ts';
import { imageNamed } from './module-image.ts';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** The call, and how long the machine took beyond the kernel's round trip (waiting for the console's text). */
async function timed(m: Machine, call: () => Promise<CallRecord>): Promise<{ r: CallRecord; afterReplyMs: number; wallMs: number }> {
  const t0 = performance.now();
  const r = await call();
  const wallMs = performance.now() - t0;
  return { r, afterReplyMs: wallMs - r.elapsedMs, wallMs };
}

for (const kernel of ['2.4.20', '6.1'] as const satisfies readonly KernelId[]) {
  describe(`the call marks on ${kernel}`, LONG, () => {
    let m: Machine;
    let terminal = '';
    before(async () => {
      m = await boot({ kernel, onConsole: (b) => (terminal += String.fromCharCode(b)) });
    }, LONG);
    after(() => m?.close());

    test('calls are answered at the mark, not at its deadline, and the mark is not console text', async () => {
      const walls: number[] = [];
      for (let i = 0; i < 7; i++) {
        const { r, wallMs } = await timed(m, () => m.createModule(`mark${i}`, 4096));
        assert.ok(r.result.kind === 'success' || r.result.kind === 'errno', JSON.stringify(r.result));
        walls.push(wallMs);
      }
      // Without the agent's mark every call would wait out END_MARK_MS (500 ms).
      assert.ok(median(walls) < 200, `median call ${median(walls).toFixed(1)} ms`);
      assert.ok(!terminal.includes(END_MARK_OPEN), 'the terminal never sees a mark');
    });

    test('an ESC typed on the console comes back as ^[ and the next call is answered as usual', async () => {
      const start = terminal.length;
      m.sendConsole('\x1b_modlab:end:00000001\x1b\\\n');
      const deadline = Date.now() + 10_000;
      while (!terminal.slice(start).includes('modlab# ') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.match(terminal.slice(start), /\^\[_modlab:end:00000001\^\[\\/);
      const r = await m.createModule('after_typing', 4096);
      assert.ok(r.result.kind === 'success' || r.result.kind === 'errno', JSON.stringify(r.result));
      assert.ok(!r.console.includes(END_MARK_OPEN));
    });

    test('a prompt the agent printed for console input sent just before a call is not the call\'s console text', async () => {
      for (let i = 0; i < 5; i++) {
        const start = terminal.length;
        // As the lab does once a machine is up: ask the shell for a prompt, while a linked call runs at once.
        m.sendConsole('\r');
        const r = await m.createModule(`prompted${i}`, 4096);
        assert.ok(r.result.kind === 'success' || r.result.kind === 'errno', JSON.stringify(r.result));
        assert.ok(!r.console.includes('modlab#'), `call ${i}'s console text: ${JSON.stringify(r.console)}`);
        // The prompt itself was printed, before the call or after it.
        const deadline = Date.now() + 10_000;
        while (!terminal.slice(start).includes('modlab# ') && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
        assert.ok(terminal.slice(start).includes('modlab# '), 'the shell answered the console input');
      }
    });

    if (kernel === '6.1') return;

    test('the kernel\'s printk comes with the answer, with no settling wait after it', async () => {
      await m.reset();
      const extra: number[] = [];
      for (let i = 0; i < 5; i++) {
        const created = await m.createModule(`victim${i}`, 4096);
        assert.equal(created.result.kind, 'success', JSON.stringify(created.result));
        const address = created.result.kind === 'success' ? created.result.ret : 0;
        const { r, afterReplyMs } = await timed(m, () => m.call({ call: 'init_module', name: { kind: 'string', text: `victim${i}` }, image: { kind: 'bytes', bytes: imageNamed(address, 4096, `renamed${i}`) }, uid: 0 }));
        assert.equal(r.result.kind === 'errno' && r.result.errnoName, 'EINVAL', JSON.stringify(r.result));
        // The kernel's message is complete in the record, up to its newline.
        assert.match(r.console, new RegExp(`changed module name to \`renamed${i}' from \`victim${i}'\\r?\\n`));
        assert.ok(!r.console.includes('\x1b'), 'no escape byte of the mark is left');
        extra.push(afterReplyMs);
      }
      // A settle wait for a quiet console would add at least its 30 ms to each.
      assert.ok(median(extra) < 25, `median wait after the reply ${median(extra).toFixed(1)} ms`);
    });
  });
}
