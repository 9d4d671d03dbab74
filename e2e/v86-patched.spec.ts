/**
 * The page runs v86 patched as the Node target does (harness/machine/v86-patches.ts,
 * applied by web/v86-patch-plugin.ts at build time): the v86 code the page
 * loaded holds every patch, and the machine it runs answers.
 */
import { expect, test } from '@playwright/test';
import { V86_PATCHES } from '../harness/machine/v86-patches.ts';

test("the v86 code the page runs holds every patch, and its machine answers", async ({ page }) => {
  const scripts: string[] = [];
  page.on('response', (r) => {
    if (/\/assets\/v86-[^/]+\.js$/.test(r.url()) && r.ok()) scripts.push(r.url());
  });
  await page.goto('./?kernel=2.4.20&call=create_module&name=patched&size=4096&run=1');
  await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'success', { timeout: 120_000 });
  await expect(page.locator('#result h3')).toHaveText(/returned 0xc[89a-f][0-9a-f]{6}/);
  expect(scripts).toHaveLength(1);
  const code = await (await page.request.get(scripts[0] ?? '')).text();
  // The build minifies v86's code again, so the edits' own text is gone; the names they bring in stay.
  for (const patch of V86_PATCHES) expect(code.includes(patch.marker), `${patch.name} (${patch.marker}) in ${scripts[0] ?? ''}`).toBe(true);
});
