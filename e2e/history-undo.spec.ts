/** Clear takes effect at once and can be undone: a class's results are not lost to one stray click. */
import { expect, test } from '@playwright/test';

test('Clear empties the history, Undo brings it back, and both last across a reload', async ({ page }) => {
  await page.goto('./?kernel=2.4.20&call=create_module&name=kept&size=4096&run=1');
  await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'success', { timeout: 120_000 });
  await page.locator('#run').click();
  await expect(page.locator('#history li')).toHaveCount(2);

  await page.locator('#clear-history').click();
  await expect(page.locator('#history li')).toHaveCount(0);
  await expect(page.locator('#history-note')).toContainText('History cleared (2 entries).');
  // A call made after the clear stays, after the entries Undo brings back.
  await page.locator('#f-name').fill('after');
  await page.locator('#run').click();
  await expect(page.locator('#history li')).toHaveCount(1);
  await page.locator('#history-undo').click();
  await expect(page.locator('#history-note')).toBeHidden();
  await expect(page.locator('#history li')).toHaveCount(3);
  // The list shows the newest first.
  await expect(page.locator('#history li').first()).toContainText('"after"');
  await expect(page.locator('#history li').last()).toContainText('"kept"');

  await page.reload();
  await expect(page.locator('#history li')).toHaveCount(3);
});
