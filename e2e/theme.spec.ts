/**
 * Themes: the page follows the system's light or dark preference, and a
 * choice in the header (light, dark, high contrast) overrides it and is kept
 * across a reload. Checked on the page's computed colours, not on class names.
 */
import { expect, test, type Page } from '@playwright/test';

const background = (page: Page): Promise<string> => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);

test('a light preference gets the light page; a dark one the dark page', async ({ browser }) => {
  for (const [colorScheme, expected] of [['light', 'rgb(251, 251, 250)'], ['dark', 'rgb(17, 20, 24)']] as const) {
    const context = await browser.newContext({ colorScheme });
    const page = await context.newPage();
    await page.goto('./');
    await expect(page.locator('#theme')).toHaveValue('system');
    expect(await background(page)).toBe(expected);
    await context.close();
  }
});

test('the theme chosen in the header overrides the preference and survives a reload', async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: 'light' });
  const page = await context.newPage();
  await page.goto('./');
  await page.locator('#theme').selectOption('contrast');
  expect(await background(page)).toBe('rgb(0, 0, 0)');
  await expect(page.locator('h1')).toHaveCSS('color', 'rgb(255, 255, 255)');
  await page.reload();
  await expect(page.locator('#theme')).toHaveValue('contrast');
  expect(await background(page)).toBe('rgb(0, 0, 0)');
  await page.locator('#theme').selectOption('dark');
  expect(await background(page)).toBe('rgb(17, 20, 24)');
  await page.locator('#theme').selectOption('system');
  expect(await background(page)).toBe('rgb(251, 251, 250)');
  await context.close();
});
