/**
 * The boot log folds to one line above the console once the machine is up
 * (a real button: click, Enter or Space), the choice kept for the next visit;
 * shown, the lines that read like errors but only describe v86's emulated PC
 * are greyed, each with a row that says why.
 */
import { expect, test, type Page } from '@playwright/test';

const SHOTS = process.env['MODLAB_E2E_SHOTS'] ?? 'test-results/e2e/screens';

async function ready(page: Page): Promise<void> {
  await expect(page.locator('#progress')).toHaveAttribute('data-stage', 'ready', { timeout: 120_000 });
}

/** The terminal's rows on screen, as xterm.js draws them. */
async function rows(page: Page): Promise<string[]> {
  return (await page.locator('#terminal .xterm-rows > div').allTextContents()).map((t) => t.replace(/\u00a0/g, ' ').trimEnd());
}

/** Scrolls the terminal down from where it is until a row holds `text` (xterm.js draws only the rows in view). */
async function scrollTo(page: Page, text: string): Promise<void> {
  await page.locator('#terminal').hover();
  await expect
    .poll(async () => {
      if ((await rows(page)).some((r) => r.includes(text))) return true;
      await page.mouse.wheel(0, 200);
      return false;
    }, { timeout: 20_000, intervals: [100] })
    .toBe(true);
}

test('2.4.20: the boot log folds to one line; shown, its harmless line is greyed and explained; the choice is kept', async ({ page }) => {
  await page.goto('./?kernel=2.4.20');
  await ready(page);
  const fold = page.getByRole('button', { name: /boot log/ });
  await expect(fold).toHaveText(/^▸ Linux 2\.4\.20 boot log, \d+ lines \(1 harmless warning explained\) — show$/);
  await expect(fold).toHaveAttribute('aria-expanded', 'false');
  // Folded: the prompt and modlab's notes, none of the kernel's lines.
  await expect.poll(async () => (await rows(page)).filter((r) => r !== '').at(-1)).toBe('modlab#');
  expect((await rows(page)).join('\n')).not.toMatch(/Linux version|PIIX3/);

  // From the keyboard: the button is a Tab stop of its own, Enter unfolds.
  await fold.focus();
  await page.keyboard.press('Enter');
  await expect(fold).toHaveAttribute('aria-expanded', 'true');
  await expect(fold).toHaveText(/— hide$/);
  await expect.poll(async () => (await rows(page)).join('\n')).toContain('Linux version 2.4.20');
  await scrollTo(page, 'PIIX3: detected chipset, but driver not compiled in!');
  const line = page.locator('#terminal .xterm-rows > div span', { hasText: 'PIIX3: detected chipset' }).first();
  await expect(line).toHaveCSS('color', 'rgb(150, 150, 150)');
  await scrollTo(page, "↳ harmless on v86's emulated PC: v86 emulates an Intel PIIX3 IDE controller");

  // Kept for the next visit (here the page restores the saved machine and replays its log).
  await page.reload();
  await ready(page);
  await expect(fold).toHaveAttribute('aria-expanded', 'true');
  await expect.poll(async () => (await rows(page)).join('\n')).toContain('modlab#');
  // Space folds it again.
  await fold.focus();
  await page.keyboard.press('Space');
  await expect(fold).toHaveAttribute('aria-expanded', 'false');
  await expect.poll(async () => (await rows(page)).join('\n')).not.toContain('Linux version');
  expect(await page.evaluate(() => localStorage.getItem('modlab.boot-log'))).toBe('folded');
});

/** Folded and shown at a phone's and a laptop's size, dark and light, for a person to look at. */
for (const [width, height] of [[390, 844], [1366, 768]] as const) {
  for (const scheme of ['dark', 'light'] as const) {
    test(`screenshots ${width}×${height} ${scheme}: folded and shown`, async ({ browser }) => {
      const context = await browser.newContext({ viewport: { width, height }, colorScheme: scheme });
      const page = await context.newPage();
      await page.goto('./?kernel=2.4.20');
      await ready(page);
      const fold = page.locator('#boot-log');
      await expect(fold).toHaveAttribute('aria-expanded', 'false');
      // No sideways scroll, however the line wraps.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await page.locator('#console-pane').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SHOTS}/boot-log-${width}x${height}-${scheme}-folded.png` });
      await fold.click();
      await expect(fold).toHaveAttribute('aria-expanded', 'true');
      await scrollTo(page, 'harmless on v86');
      await page.screenshot({ path: `${SHOTS}/boot-log-${width}x${height}-${scheme}-shown.png` });
      await context.close();
    });
  }
}
