/**
 * What the console costs the page while a machine comes up (issue 15's
 * repeat visit): a restore's boot does not reset the terminal. xterm.js's
 * RIS re-applies every option and rewrites its stylesheet, 25–60 ms of the
 * page's thread each time; the page's first boot finds a terminal with
 * nothing drawn, and the redraw that folds the boot log away clears the
 * screen without it. Seen from the page's DOM, as xterm.js leaves it.
 */
import { expect, test, type Page } from '@playwright/test';

/**
 * Counts each time xterm.js writes its theme's stylesheet (its colour
 * classes, in the terminal): once as it opens, and again at every RIS (a
 * resize writes only the other one, of the cells' size).
 */
async function countStylesheetWrites(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { styleWrites: number };
    w.styleWrites = 0;
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target instanceof Element ? r.target : r.target.parentElement;
        if (el?.tagName === 'STYLE' && el.closest('#terminal') && el.textContent?.includes('.xterm-fg-')) w.styleWrites++;
      }
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
}

/** The terminal's rows on screen, as xterm.js draws them. */
async function rows(page: Page): Promise<string[]> {
  return (await page.locator('#terminal .xterm-rows > div').allTextContents()).map((t) => t.replace(/\u00a0/g, ' ').trimEnd());
}

test('a restored machine comes up without resetting the terminal: xterm.js writes its theme stylesheet once, as it opens, and the console ends on the prompt, the boot log folded', async ({ page }) => {
  await countStylesheetWrites(page);
  await page.goto('./?kernel=2.4.20');
  await expect(page.locator('#progress')).toHaveAttribute('data-stage', 'ready', { timeout: 120_000 });
  await expect(page.locator('#progress')).toContainText('restored from a saved machine');
  await expect.poll(async () => (await rows(page)).filter((r) => r !== '').at(-1), { timeout: 20_000 }).toBe('modlab#');
  expect((await rows(page)).join('\n')).not.toMatch(/Linux version/);
  // Once, as the terminal opened; never a reset after.
  expect(await page.evaluate(() => (window as unknown as { styleWrites: number }).styleWrites)).toBe(1);
});
