/**
 * Presenting to a room: A+ / A− scale the console and the answer card and are
 * kept for the next visit (and do not break where storage is refused); the
 * presenter view puts the console and the answer side by side, large, with
 * the rest hidden.
 */
import { expect, test, type Page } from '@playwright/test';

const ANSWER = './?kernel=2.4.20&call=create_module&name=hello&size=4096&run=1';
const px = (page: Page, selector: string): Promise<number> => page.locator(selector).evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
/** xterm.js sizes its rows from the font it was given. */
const consolePx = (page: Page): Promise<number> => px(page, '#terminal .xterm-rows');

async function answered(page: Page): Promise<void> {
  await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'success', { timeout: 120_000 });
}

test('A+ and A− scale the console and the answer card, kept on the next visit', async ({ page }) => {
  await page.goto(ANSWER);
  await answered(page);
  const [console0, card0] = [await consolePx(page), await px(page, '#result')];
  await page.locator('#text-larger').click();
  await page.locator('#text-larger').click();
  await expect.poll(() => consolePx(page)).toBeGreaterThan(console0 * 1.2);
  expect(await px(page, '#result')).toBeGreaterThan(card0 * 1.2);
  // The address bar no longer asks to run (the page rewrote it), so the link is opened again.
  await page.goto(ANSWER);
  await answered(page);
  await expect.poll(() => consolePx(page)).toBeGreaterThan(console0 * 1.2);
  expect(await px(page, '#result')).toBeGreaterThan(card0 * 1.2);
  for (let i = 0; i < 10; i++) if (await page.locator('#text-smaller').isEnabled()) await page.locator('#text-smaller').click();
  await expect(page.locator('#text-smaller')).toBeDisabled();
  expect(await px(page, '#result')).toBeLessThan(card0);
});

test('A+ works where the page may not store (the size lasts for the page)', async ({ browser }) => {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    const refuse = (): never => {
      throw new DOMException('refused', 'SecurityError');
    };
    Storage.prototype.getItem = refuse;
    Storage.prototype.setItem = refuse;
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('./');
  await expect(page.locator('#progress')).toHaveAttribute('data-stage', /ready|failed/, { timeout: 120_000 });
  const before = await consolePx(page);
  await page.locator('#text-larger').click();
  await expect.poll(() => consolePx(page)).toBeGreaterThan(before);
  expect(errors.filter((e) => /refused/.test(e))).toEqual([]);
  await context.close();
});

test('present=1 puts the console and the answer side by side in large type; the button leaves', async ({ page }) => {
  await page.goto(ANSWER);
  await answered(page);
  const [console0, card0] = [await consolePx(page), await px(page, '#result')];
  await page.goto(`${ANSWER}&present=1`);
  await answered(page);
  await expect(page.locator('body')).toHaveClass(/presenting/);
  await expect(page.locator('#present')).toHaveAttribute('aria-pressed', 'true');
  for (const hidden of ['#call-form', '#views', '#history-pane', '#progress', '#kernel']) await expect(page.locator(hidden)).toBeHidden();
  const consoleBox = (await page.locator('#console-pane').boundingBox())!;
  const cardBox = (await page.locator('#result').boundingBox())!;
  expect(cardBox.x).toBeGreaterThanOrEqual(consoleBox.x + consoleBox.width);
  expect(cardBox.y).toBeLessThan(consoleBox.y + consoleBox.height / 2);
  await expect.poll(() => consolePx(page)).toBeGreaterThan(console0 * 1.3);
  expect(await px(page, '#result')).toBeGreaterThan(card0 * 1.3);
  await page.screenshot({ path: `${process.env['MODLAB_E2E_SHOTS'] ?? 'test-results/e2e/screens'}/presenting.png` });

  await page.locator('#present').click();
  await expect(page.locator('body')).not.toHaveClass(/presenting/);
  await expect(page.locator('#call-form')).toBeVisible();
  await expect.poll(() => consolePx(page)).toBe(console0);
});

test('presenting stays in the address bar while the form rewrites it: a reload still presents; leaving drops it', async ({ page }) => {
  await page.goto(ANSWER);
  await answered(page);
  await page.locator('#present').click();
  await expect(page.locator('body')).toHaveClass(/presenting/);
  await expect.poll(() => new URL(page.url()).searchParams.get('present')).toBe('1');
  // The form's own part of the address is still its call (run=1 was dropped once it ran).
  expect(new URL(page.url()).searchParams.get('call')).toBe('create_module');
  await page.reload();
  await expect(page.locator('#progress')).toHaveAttribute('data-stage', 'ready', { timeout: 120_000 });
  await expect(page.locator('body')).toHaveClass(/presenting/);
  await expect(page.locator('#present')).toHaveAttribute('aria-pressed', 'true');
  expect(new URL(page.url()).searchParams.get('present')).toBe('1');
  // Escape leaves (the focus outside the console), and the address no longer asks to present.
  await page.locator('#present').focus();
  await page.keyboard.press('Escape');
  await expect(page.locator('body')).not.toHaveClass(/presenting/);
  await expect.poll(() => new URL(page.url()).searchParams.get('present')).toBeNull();
  await page.reload();
  await expect(page.locator('#progress')).toHaveAttribute('data-stage', 'ready', { timeout: 120_000 });
  await expect(page.locator('body')).not.toHaveClass(/presenting/);
});
