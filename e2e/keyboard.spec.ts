/**
 * A keyboard alone: the skip link is the first Tab stop and shows when
 * focused; the header's controls follow in order; the views are tabs (arrow
 * keys, Home and End), with only the selected one in the Tab order.
 */
import { expect, test, type Page } from '@playwright/test';

/** What has the focus: its id, or the xterm input's class. */
const focused = (page: Page): Promise<string> =>
  page.evaluate(() => {
    const a = document.activeElement;
    return a?.id || (a?.classList.contains('xterm-helper-textarea') ? 'terminal' : (a?.tagName ?? 'none'));
  });

test('the skip link, the header and the tabs, from the keyboard', async ({ page }) => {
  await page.goto('./');
  await expect(page.locator('#progress')).toHaveAttribute('data-stage', 'ready', { timeout: 120_000 });

  // The skip link comes first, and is on screen while it has the focus.
  await page.keyboard.press('Tab');
  expect(await focused(page)).toBe('skip-link');
  const box = await page.locator('#skip-link').boundingBox();
  expect(box && box.y >= 0 && box.y + box.height <= 900).toBe(true);

  // The header in order, then the boot log's fold and the console, then one stop for the whole tab row.
  const walk: string[] = [];
  for (let i = 0; i < 11; i++) {
    await page.keyboard.press('Tab');
    walk.push(await focused(page));
  }
  expect(walk).toEqual(['kernel', 'open-kernel', 'reset', 'theme', 'text-smaller', 'text-larger', 'present', 'boot-log', 'terminal', 'tab-call', 'f-call']);
  await expect(page.locator('[role=tab][tabindex="0"]')).toHaveCount(1);

  // Arrow keys move between tabs and show each; Home and End go to the ends; the row stays one Tab stop.
  await page.locator('#tab-call').focus();
  await page.keyboard.press('ArrowRight');
  expect(await focused(page)).toBe('tab-compare');
  await expect(page.locator('#tab-compare')).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('#tab-call')).toHaveAttribute('aria-selected', 'false');
  await expect(page.locator('#view-compare')).toBeVisible();
  await expect(page.locator('#view-call')).toBeHidden();
  await page.keyboard.press('End');
  expect(await focused(page)).toBe('tab-code');
  await expect(page.locator('#view-code')).toBeVisible();
  await page.keyboard.press('ArrowRight');
  expect(await focused(page)).toBe('tab-call');
  await page.keyboard.press('ArrowLeft');
  expect(await focused(page)).toBe('tab-code');
  await page.keyboard.press('Home');
  expect(await focused(page)).toBe('tab-call');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('[role=tab][tabindex="0"]')).toHaveId('tab-tour');
  // From the tab, Tab goes into its panel (the tour opens with text, so the panel itself is the stop).
  await page.keyboard.press('Tab');
  expect(await focused(page)).toBe('view-tour');

  // The skip link brings back the Call tab and puts the focus in its form.
  await page.locator('#skip-link').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#view-call')).toBeVisible();
  expect(await focused(page)).toBe('f-call');
});
