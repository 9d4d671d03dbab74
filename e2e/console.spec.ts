/**
 * The lab's console is part of the lab (issue 16): a call typed there runs as
 * the form's Run does (result card, History), its line comes back with ↑, a
 * malformed call prints its usage without reaching the guest, dmesg prints the
 * kernel's log, Tab completes a word and otherwise leaves the console.
 */
import { expect, test, type Page } from '@playwright/test';

const SCREENS = 'test-results/e2e/screens';

async function ready(page: Page): Promise<void> {
  await expect(page.locator('#progress')).toHaveAttribute('data-stage', 'ready', { timeout: 120_000 });
}

/** The terminal's rows with text on them, as xterm.js draws them. */
async function rows(page: Page): Promise<string[]> {
  return (await page.locator('#terminal .xterm-rows > div').allTextContents()).map((t) => t.replace(/\u00a0/g, ' ').trimEnd()).filter((t) => t !== '');
}

/** Waits until the terminal's last row is the prompt with `line` after it (an empty line: the prompt alone). */
async function promptShows(page: Page, line = ''): Promise<void> {
  await expect.poll(async () => (await rows(page)).at(-1), { timeout: 30_000 }).toBe(`modlab# ${line}`.trimEnd());
}

const consoleHasFocus = (page: Page): Promise<boolean> => page.evaluate(() => document.activeElement?.classList.contains('xterm-helper-textarea') ?? false);

test('a call typed in the console reaches the card and History; ↑ recalls it; usage, dmesg, Tab', async ({ page }) => {
  await page.goto('./?kernel=2.4.20');
  await ready(page);
  await page.locator('#terminal').click();
  await promptShows(page);

  await page.keyboard.type('create_module hello 4096');
  await promptShows(page, 'create_module hello 4096');
  await page.keyboard.press('Enter');
  await expect(page.locator('#result h3')).toHaveText(/returned 0xc8800000/);
  await expect(page.locator('#history li')).toHaveCount(1);
  await expect(page.locator('#history li').first()).toContainText('create_module("hello", 4096) = 0xc8800000');
  await promptShows(page);
  const answered = await rows(page);
  expect(answered.slice(-3)).toEqual(['modlab# create_module hello 4096', 'create_module = 0xc8800000', 'modlab#']);
  // The form holds the console's call, so its share link is that call.
  await expect(page.locator('#f-name')).toHaveValue('hello');
  await expect(page.locator('#f-as')).toHaveValue('root');
  expect(page.url()).toMatch(/call=create_module&name=hello&size=4096$/);
  await page.screenshot({ path: `${SCREENS}/console-1-call.png` });

  // ↑ brings the line back; run again, the kernel says EEXIST.
  await page.keyboard.press('ArrowUp');
  await promptShows(page, 'create_module hello 4096');
  await page.keyboard.press('Enter');
  await expect(page.locator('#history li')).toHaveCount(2);
  await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'EEXIST');
  await promptShows(page);
  expect((await rows(page)).at(-2)).toBe('create_module = -1 EEXIST (17)');

  // A call without its arguments: its usage, from the call table; nothing is sent, nothing lands in History.
  await page.keyboard.type('create_module\n');
  await promptShows(page);
  expect((await rows(page)).at(-2)).toBe('usage: create_module NAME SIZE [--uid N]');
  await expect(page.locator('#history li')).toHaveCount(2);

  // Typed ahead while a call runs: the next line waits for the answer, and is not lost.
  await page.keyboard.type('create_module typed_ahead 4096\nlsmod\n');
  await expect.poll(async () => (await rows(page)).some((r) => /^typed_ahead\s+4096 \(uninitialized\)$/.test(r)), { timeout: 30_000 }).toBe(true);
  await promptShows(page);
  const ahead = await rows(page);
  expect(ahead.slice(ahead.indexOf('modlab# create_module typed_ahead 4096'), ahead.indexOf('modlab# lsmod') + 1)).toEqual(['modlab# create_module typed_ahead 4096', 'create_module = 0xc8802000', 'modlab# lsmod']);
  await expect(page.locator('#history li')).toHaveCount(3);

  // The guest's shell: dmesg prints the kernel's log, its last line the boot's last message.
  await page.keyboard.type('dmesg\n');
  await promptShows(page);
  expect((await rows(page)).at(-2)).toMatch(/^Freeing unused kernel memory: \d+k freed$/);
  await page.screenshot({ path: `${SCREENS}/console-2-dmesg.png` });

  // Tab completes a word that completes: a command, then a module; the completed word's space makes the next Tab leave.
  await page.keyboard.type('rmm');
  await page.keyboard.press('Tab');
  await promptShows(page, 'rmmod');
  expect(await consoleHasFocus(page)).toBe(true);
  // hello, hello_user and hello_fail: Tab adds what they share.
  await page.keyboard.type('he');
  await page.keyboard.press('Tab');
  await promptShows(page, 'rmmod hello');
  await page.keyboard.press('Enter');
  await promptShows(page);
  expect((await rows(page)).at(-2)).toBe('delete_module = 0x00000000');

  // On an empty line Tab leaves the console for the page (WCAG 2.1.2), as Shift+Tab does.
  await page.keyboard.press('Tab');
  expect(await consoleHasFocus(page)).toBe(false);
});

test('the prompt comes back after a crash typed in the console, and after Reset', async ({ page }) => {
  await page.goto('./?kernel=2.4.20');
  await ready(page);
  await page.locator('#terminal').click();
  await promptShows(page);
  // 2.4.20 oopses in vmalloc for this size (test/kernel/linux-2.4.20.test.ts); a fresh machine takes over.
  await page.keyboard.type('create_module huge 0xffffffff\n');
  await expect(page.locator('#history li')).toHaveCount(1, { timeout: 60_000 });
  await promptShows(page);
  const after = await rows(page);
  expect(after.at(-2)).toBe('create_module CRASH (oops), machine 2 took over');
  // One prompt after the crash's account and the answer: the page asks the new machine's shell once.
  expect(after.slice(after.indexOf('modlab# create_module huge 0xffffffff')).filter((r) => r.startsWith('modlab#'))).toEqual(['modlab# create_module huge 0xffffffff', 'modlab#']);
  await page.screenshot({ path: `${SCREENS}/console-3-crash.png` });

  await page.keyboard.type('lsm');
  await page.locator('#reset').click();
  await expect(page.locator('#terminal')).toContainText(/machine 3 is ready \(reset in \d+ ms\)/);
  // The line being typed is drawn again after the fresh prompt.
  await promptShows(page, 'lsm');
  // As a shell with readline draws it: the half-typed line gave its row to the note above it, and is on screen once.
  const redrawn = await rows(page);
  expect(redrawn.filter((r) => r.includes('lsm'))).toEqual(['modlab# lsm']);
  expect(redrawn.at(-2)).toMatch(/^\[modlab\] machine 3 is ready \(reset in \d+ ms\)$/);
  await page.locator('#terminal').click();
  await page.keyboard.type('od\n');
  await promptShows(page);
  expect((await rows(page)).at(-2)).toBe('modlab# lsmod');
});

test('kernel output while a line is half typed goes above it, as a shell with readline draws it', async ({ page }) => {
  await page.goto('./?kernel=2.4.20');
  await ready(page);
  await page.locator('#terminal').click();
  await promptShows(page);
  await page.keyboard.type('lsmo');
  await promptShows(page, 'lsmo');
  // The Load a module tab loads hello on the same machine: its init_module printk reaches the console meanwhile.
  await page.locator('#tab-module').click();
  for (let i = 0; i < 3; i++) await page.locator('#module-next').click();
  await expect(page.locator('#terminal')).toContainText('modlab hello: init_module ran at c88');
  await promptShows(page, 'lsmo');
  const shown = await rows(page);
  expect(shown.filter((r) => r.includes('lsmo'))).toEqual(['modlab# lsmo']);
  expect(shown.at(-2)).toMatch(/modlab hello: init_module ran at c88/);
  // The line goes on from where it was.
  await page.locator('#terminal').click();
  await page.keyboard.type('d\n');
  await promptShows(page);
  expect((await rows(page)).some((r) => /^hello\s+\d+\s+0 \(unused\)$/.test(r))).toBe(true);
});
