/**
 * After one visit the lab runs with the network gone: the service worker
 * (vite-plugin-pwa's Workbox) has kept the app, the 2.4 kernels and their
 * saved machines. The other kernels are kept when asked.
 */
import { expect, test } from '@playwright/test';

// The other specs block service workers (playwright.config.ts); this one is about them.
test.use({ serviceWorkers: 'allow' });

test('after one visit the lab reloads and answers with the network gone; 2.6.17 and 6.1 are kept when asked', async ({ page, context }) => {
  await page.goto('./?kernel=2.4.20');
  await expect(page.locator('#offline-status')).toHaveAttribute('data-offline', 'ready', { timeout: 120_000 });
  await expect(page.locator('#offline-status')).toContainText('2.4.18, 2.4.20, 2.4.27');
  await expect(page.locator('#progress')).toContainText('ready', { timeout: 120_000 });

  await context.setOffline(true);
  // A share link opens from what was kept.
  await page.goto('./?kernel=2.4.27&call=create_module&name=offline&size=4096&run=1');
  await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'success', { timeout: 120_000 });
  await expect(page.locator('#result')).toContainText(/returned 0xc88[0-9a-f]{5}/);
  // 6.1 was not kept yet: the page says it cannot load it, rather than hanging.
  await page.goto('./?kernel=6.1');
  await expect(page.locator('#progress')).toHaveAttribute('data-stage', 'failed', { timeout: 60_000 });

  await context.setOffline(false);
  await page.goto('./?kernel=2.4.20');
  await expect(page.locator('#offline-prepare')).toBeVisible({ timeout: 60_000 });
  await page.locator('#offline-prepare').click();
  await expect(page.locator('#offline-status')).toHaveAttribute('data-offline', 'all', { timeout: 120_000 });
  await context.setOffline(true);
  await page.goto('./?kernel=6.1&call=create_module&name=offline&size=4096&run=1');
  await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'ENOSYS', { timeout: 180_000 });
});
