/** The boot log's lines that read like errors but only describe v86's emulated PC are named as harmless, once, after it. */
import { expect, test } from '@playwright/test';

test('2.4.20 boots with one such line, and the console says it is harmless there', async ({ page }) => {
  await page.goto('./?kernel=2.4.20');
  await expect(page.locator('#progress')).toHaveAttribute('data-stage', 'ready', { timeout: 120_000 });
  const terminal = page.locator('#terminal');
  await expect(terminal).toContainText('one line of the boot log above reads like an error but is harmless');
  await expect(terminal).toContainText('the generic IDE driver serves it');
});
