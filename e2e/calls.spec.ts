/**
 * Calls from the form are served at once: the kernel's round trip in the page
 * (the time the result card states) stays near Node's, because the request's
 * slice of the emulator runs in the task that sent it instead of waiting
 * behind the page's own work (harness/machine/emulator.ts, yieldOnThisThread).
 * Before that, a call waited 4–12 ms for the emulator to wake up; the card
 * said ~10 ms where Node measures ~1–2 ms.
 */
import { expect, test } from '@playwright/test';

test('the kernel round trip of calls from the form stays within a few milliseconds in the page', async ({ page }) => {
  await page.goto('./?kernel=2.4.20&call=create_module&name=hello&size=4096&run=1');
  await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'success', { timeout: 120_000 });
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const before = await page.locator('#history li').count();
    await page.locator('#run').click();
    await expect(page.locator('#history li')).toHaveCount(before + 1, { timeout: 30_000 });
    await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'EEXIST');
    // "create_module("hello", 4096) on Linux 2.4.20, 1.6 ms"
    const text = (await page.locator('#result p').first().textContent()) ?? '';
    const ms = /, ([\d.]+) ms$/.exec(text);
    expect(ms, text).not.toBeNull();
    times.push(Number(ms?.[1]));
  }
  // The wake-up wait delayed every call; a busy shared host delays some (medians of 3.9-4.7 ms here, with 1.7-2.5 ms
  // calls among them, on this build and the one before). So the fastest quarter is what shows it.
  const fastQuarter = [...times].sort((a, b) => a - b)[Math.floor(times.length / 4)] ?? Infinity;
  expect(fastQuarter, `round trips in the page: ${times.join(', ')} ms`).toBeLessThan(5);
});

test('the lab\'s shell and its form appear while the emulator\'s code is still loading', async ({ page }) => {
  // Hold the v86 chunk back: the page must not need it to show the lab.
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  let asked = false;
  await page.route(/\/assets\/v86-[^/]*\.js$/, async (route) => {
    asked = true;
    await held;
    await route.continue();
  });
  // Not waiting for the load event: a page that needs v86 for it would never fire it here.
  await page.goto('./?kernel=2.4.20', { waitUntil: 'commit' });
  await expect(page.locator('#f-call')).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('#tab-compare')).toBeVisible();
  await expect(page.locator('#run')).toBeDisabled();
  expect(asked, 'the page asked for v86 by itself').toBe(true);
  release();
  await expect(page.locator('#progress')).toHaveAttribute('data-stage', 'ready', { timeout: 120_000 });
});
