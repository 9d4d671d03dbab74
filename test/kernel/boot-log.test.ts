/**
 * What the boot log tells a student on every visit. The 2.4 initrd carries
 * /dev/console, so the kernel can open init's console and no longer warns
 * "unable to open an initial console" right above the agent's prompt.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boot } from '../../node/boot.ts';
import { LONG } from './man-page.ts';

for (const kernel of ['2.4.18', '2.4.20', '2.4.27'] as const) {
  test(`${kernel}: the boot log has no "unable to open an initial console", and ends at the agent's prompt`, LONG, async () => {
    const bytes: number[] = [];
    // A restored machine replays its boot log through onConsole, so this reads the log either way.
    const m = await boot({ kernel, onConsole: (b) => bytes.push(b) });
    try {
      const log = new TextDecoder().decode(new Uint8Array(bytes));
      assert.match(log, /Freeing unused kernel memory/, 'the kernel booted to init');
      assert.doesNotMatch(log, /unable to open an initial console/);
      assert.match(log, /modlab agent ready on [^\n]*\r?\nmodlab# $/);
    } finally {
      await m.close();
    }
  });
}
