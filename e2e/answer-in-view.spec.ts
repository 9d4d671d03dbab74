/**
 * The answer after Run is on screen at every size a class uses: a phone and
 * a projector at 150 % scroll to it; a laptop, where it shows already, stays put.
 */
import { expect, test } from '@playwright/test';

const SIZES = [
  { name: 'phone', width: 390, height: 844, scale: 1, scrolls: true },
  { name: 'projector at 150 %', width: 683, height: 512, scale: 1.5, scrolls: true },
  { name: 'laptop', width: 1366, height: 768, scale: 1, scrolls: false },
] as const;

for (const size of SIZES) {
  test(`${size.name}: the answer's heading is in view after Run, with no sideways scroll`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: { width: size.width, height: size.height }, deviceScaleFactor: size.scale });
    const page = await context.newPage();
    await page.goto('./?kernel=2.4.20&call=create_module&name=hello&size=4096&run=1');
    await expect(page.locator('#result')).toHaveAttribute('data-outcome', /.+/, { timeout: 120_000 });
    const { top, scrollY, scrollWidth } = await page.evaluate(() => ({
      top: document.getElementById('result')!.getBoundingClientRect().top,
      scrollY: window.scrollY,
      scrollWidth: document.documentElement.scrollWidth,
    }));
    expect(top).toBeGreaterThanOrEqual(0);
    expect(top + 60).toBeLessThanOrEqual(size.height);
    expect(scrollY > 0).toBe(size.scrolls);
    expect(scrollWidth).toBe(size.width);
    await context.close();
  });
}
