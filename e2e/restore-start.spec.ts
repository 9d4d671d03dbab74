/**
 * What a visit that restores does first (issue 15's repeat visit): it asks
 * for the saved machine before the lab's own code and xterm.js have loaded
 * (the page's small entry, web/early-start.ts, starts it), and it sets v86 up
 * while the snapshot is still on its way, instead of after its bytes (~50–100
 * ms of the page's thread). Each is seen by holding one response until the
 * other has happened; v86 makes its helper Worker as it is constructed.
 */
import { expect, test } from '@playwright/test';

test('v86 is being set up before the saved machine it restores has arrived, and the restore answers', async ({ page }) => {
  await page.addInitScript(() => {
    const w = window as unknown as { v86Workers: number };
    w.v86Workers = 0;
    const Original = window.Worker;
    window.Worker = class extends Original {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        w.v86Workers++;
      }
    };
  });
  let heldUntilV86 = false;
  await page.route('**/snapshots/*.snap', async (route) => {
    // At most 20 s: a page that sets v86 up only once the bytes are in would otherwise never get them.
    heldUntilV86 = await page
      .waitForFunction(() => (window as unknown as { v86Workers: number }).v86Workers > 0, undefined, { timeout: 20_000, polling: 50 })
      .then(() => true, () => false);
    await route.continue();
  });
  await page.goto('./?kernel=2.4.20&call=create_module&name=early&size=4096&run=1');
  await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'success', { timeout: 120_000 });
  await expect(page.locator('#progress')).toContainText('restored from a saved machine');
  expect(heldUntilV86).toBe(true);
});

test("the saved machine is asked for before the lab's own code (xterm.js) has loaded, and the restore answers", async ({ page }) => {
  let indexAsked = false;
  page.on('request', (r) => {
    if (r.url().endsWith('/snapshots/index.json')) indexAsked = true;
  });
  let heldUntilIndex = false;
  await page.route('**/assets/xterm-*.js', async (route) => {
    // At most 20 s: a page whose saved machine waits for the lab's code would otherwise never ask for it.
    heldUntilIndex = await expect
      .poll(() => indexAsked, { timeout: 20_000, intervals: [50] })
      .toBe(true)
      .then(() => true, () => false);
    await route.continue();
  });
  await page.goto('./?kernel=2.4.20&call=create_module&name=first&size=4096&run=1');
  await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'success', { timeout: 120_000 });
  await expect(page.locator('#progress')).toContainText('restored from a saved machine');
  expect(heldUntilIndex).toBe(true);
});

test("the page marks its ready stage and the link's answer on its own timeline (the bench's in-page figures read them)", async ({ page }) => {
  await page.goto('./?kernel=2.4.20&call=create_module&name=marks&size=4096&run=1');
  await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'success', { timeout: 120_000 });
  const marks = await page.evaluate(() => performance.getEntriesByType('mark').map((m) => ({ name: m.name, at: m.startTime })));
  const at = (name: string): number => marks.find((m) => m.name === name)?.at ?? Number.NaN;
  // In the order the page goes through them, each after its navigation started.
  expect(at('modlab-stage:starting')).toBeGreaterThan(0);
  expect(at('modlab-stage:ready')).toBeGreaterThan(at('modlab-stage:starting'));
  expect(at('modlab-answer:success')).toBeGreaterThan(at('modlab-stage:ready'));
  // The same call twice more: EEXIST both times, and one mark of that name, the newer (a lab open all day keeps a few marks, not one per call).
  for (let i = 0; i < 2; i++) {
    await page.locator('#run').click();
    await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'EEXIST');
    if (i === 0) await page.evaluate(() => performance.mark('modlab-bench-between'));
  }
  const eexist = await page.evaluate(() => {
    const between = performance.getEntriesByName('modlab-bench-between')[0]?.startTime ?? Number.NaN;
    return performance.getEntriesByName('modlab-answer:EEXIST').map((m) => m.startTime - between);
  });
  expect(eexist).toHaveLength(1);
  expect(eexist[0]).toBeGreaterThan(0);
});
