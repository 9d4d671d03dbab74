/**
 * Any screen: at a phone's size, a projector at 150 %, a laptop and a desktop,
 * no tab scrolls sideways, the Compare tab keeps the console whole on a phone,
 * the share link sits in its own field without widening the page, and the
 * kernel list reads as versions and origins. Screenshots of each size, dark
 * and light, go to MODLAB_E2E_SHOTS (default test-results/e2e/screens).
 */
import { expect, test, type Page } from '@playwright/test';

const SHOTS = process.env['MODLAB_E2E_SHOTS'] ?? 'test-results/e2e/screens';
const SIZES = [
  { name: 'phone', width: 390, height: 844, scale: 1 },
  { name: 'projector', width: 683, height: 512, scale: 1.5 },
  { name: 'laptop', width: 1366, height: 768, scale: 1 },
  { name: 'desktop', width: 1920, height: 1080, scale: 1 },
] as const;
const TABS = ['call', 'compare', 'tour', 'lesson', 'module', 'code'] as const;

const sideways = (page: Page): Promise<number> => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

for (const size of SIZES) {
  test(`${size.name} (${size.width}×${size.height}): no tab scrolls sideways, dark or light; the share link stays in its field`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: { width: size.width, height: size.height }, deviceScaleFactor: size.scale, colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto('./?kernel=2.4.20&call=create_module&name=hello&size=4096&run=1');
    await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'success', { timeout: 120_000 });
    for (const theme of ['dark', 'light'] as const) {
      await page.locator('#theme').selectOption(theme);
      for (const tab of TABS) {
        await page.locator(`#tab-${tab}`).click();
        await expect(page.locator(`#view-${tab}`)).toBeVisible();
        if (tab === 'code') await expect(page.locator('#code-editor .cm-editor')).toBeVisible({ timeout: 60_000 });
        if (tab === 'lesson') await expect(page.locator('#view-lesson')).not.toContainText('Loading the lesson…');
        expect(await sideways(page), `${tab} tab, ${theme}`).toBe(0);
        if (tab === 'call' || tab === 'compare') await page.screenshot({ path: `${SHOTS}/${size.name}-${theme}-${tab}.png`, fullPage: true });
      }
    }

    // The share link, however long, scrolls within its own read-only field.
    await page.locator('#tab-call').click();
    await page.locator('#f-name').fill('x'.repeat(2000));
    await page.locator('#share').click();
    await expect(page.locator('#share-link')).toHaveValue(/^http.*&run=1$/);
    await expect(page.locator('#share-link')).toHaveAttribute('readonly', '');
    await expect(page.locator('#share-copy')).toBeVisible();
    await expect(page.locator('#f-error')).toHaveText('');
    expect(await sideways(page)).toBe(0);
    await page.locator('#share-row').screenshot({ path: `${SHOTS}/${size.name}-light-share.png` });
    await context.close();
  });
}

test('phone: the Compare tab keeps the console full width and the kernels in more than one column', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto('./');
  await page.locator('#tab-compare').click();
  const consoleWidth = (await page.locator('#console-pane').boundingBox())?.width ?? 0;
  expect(consoleWidth).toBeGreaterThan(300);
  const columns = await page.locator('#compare-kernels label').evaluateAll((labels) => new Set(labels.map((l) => Math.round(l.getBoundingClientRect().left))).size);
  expect(columns).toBeGreaterThan(1);
  await context.close();
});

test('the kernel list names each kernel by version, then origin', async ({ page }) => {
  await page.goto('./');
  await expect(page.locator('#kernel option[value="2.4.20"]')).toHaveText('Linux 2.4.20 · Boot Everywhere Linux');
  for (const label of await page.locator('#kernel option').allTextContents()) expect(label).toMatch(/^Linux \S+ · \S/);
});
