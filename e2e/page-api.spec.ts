/**
 * What course staff get: a check of their own that drives the lab through
 * `window.modlab` only (no selectors), and the compact view they embed in
 * slides and course pages, framed by another origin.
 */
import { createServer } from 'node:http';
import { expect, test, type Page } from '@playwright/test';
import type { StepReport } from '../harness/reports/step-report.ts';
// window.modlab's type.
import type {} from '../web/page-api.ts';

async function api(page: Page): Promise<void> {
  await page.goto('./');
  await page.waitForFunction(() => 'modlab' in window, undefined, { timeout: 60_000 });
  await page.evaluate(() => window.modlab.ready());
}

test('a script of its own drives the lab through window.modlab: calls, a scenario, another kernel, refusals', async ({ page }) => {
  await api(page);
  const first = await page.evaluate(() => window.modlab.call({ call: 'create_module', name: 'api', size: 4096 }));
  expect(first).toMatchObject({ call: 'create_module', kernel: '2.4.20', ok: true, ret: '0xc8800000' } satisfies Partial<StepReport>);
  // The CLI's words do as well, and the page's machine remembers the first call.
  const again = await page.evaluate(() => window.modlab.call('create_module api 4096'));
  expect(again).toMatchObject({ ok: false, errnoName: 'EEXIST' });

  // A scenario runs on a clean machine, step by step, with /proc/modules after each.
  const steps: StepReport[] = await page.evaluate(() =>
    window.modlab.run({ steps: [{ call: 'create_module', name: 'one', size: 4096 }, { call: 'delete_module', name: 'one' }, { call: 'delete_module', name: 'one' }] }),
  );
  expect(steps.map((s) => [s.step, s.ok, s.ret, s.errnoName])).toEqual([
    [0, true, '0xc8800000', null],
    [1, true, '0', null],
    [2, false, '-1', 'ENOENT'],
  ]);
  expect(steps[0]?.procModules).toMatch(/^one\s/m);

  // Another kernel on request; where create_module is gone, ENOSYS.
  const gone = await page.evaluate(() => window.modlab.call('create_module api 4096', { kernel: '6.1' }));
  expect(gone).toMatchObject({ kernel: '6.1', ok: false, errnoName: 'ENOSYS' });

  // Input the page cannot use is refused with a sentence, and nothing runs.
  const refusals = await page.evaluate(async () => {
    const said = async (p: Promise<unknown>): Promise<string> => p.then(() => 'answered', (e: unknown) => (e instanceof Error ? e.message : String(e)));
    return [
      await said(window.modlab.call({ call: 'create_module', name: 'x' })),
      await said(window.modlab.call('create_module x lots')),
      await said(window.modlab.call('create_module x 4096', { kernel: '9.9' })),
      await said(window.modlab.run('{"steps": [')),
    ];
  });
  expect(refusals[0]).toMatch(/"size" is missing/);
  expect(refusals[1]).toMatch(/SIZE/);
  expect(refusals[2]).toMatch(/9\.9.*not a kernel the page can boot/);
  expect(refusals[3]).toMatch(/not valid JSON/);
});

test('?embed=1 is a compact view another site can frame: the call, its answer and a link to the full lab', async ({ page, baseURL }) => {
  const lab = new URL('./?kernel=2.4.20&call=create_module&name=slide&size=4096&run=1&embed=1', baseURL).href;
  // A course page on another origin (another port), served from this machine like the lab: Chromium
  // refuses a page it counts as public (a fulfilled route) to frame a local server.
  const course = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>Week 3</title><h1>Week 3</h1><iframe title="modlab" src="${lab}" width="600" height="520"></iframe>`);
  });
  await new Promise<void>((resolve) => course.listen(0, '127.0.0.1', resolve));
  const address = course.address();
  test.skip(address === null || typeof address === 'string', 'no port for the course page');
  await page.goto(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/week-3`);
  const frame = page.frameLocator('iframe');
  await expect(frame.locator('#result')).toHaveAttribute('data-outcome', 'success', { timeout: 120_000 });
  await expect(frame.locator('#result')).toContainText('0xc8800000');
  // Compact: no console, tabs or history; the form stays.
  await expect(frame.locator('#console-pane')).toBeHidden();
  await expect(frame.locator('#views')).toBeHidden();
  await expect(frame.locator('#history-pane')).toBeHidden();
  await expect(frame.locator('#run')).toBeVisible();
  const full = frame.getByRole('link', { name: /full lab/ });
  await expect(full).toHaveAttribute('target', '_blank');
  const href = new URL((await full.getAttribute('href')) ?? '');
  expect(href.searchParams.get('embed')).toBeNull();
  expect(href.searchParams.get('name')).toBe('slide');
  // The frame fits its 600 px without scrolling sideways.
  const widths = await frame.locator('html').evaluate((el) => [el.scrollWidth, el.clientWidth]);
  expect(widths[0]).toBeLessThanOrEqual(widths[1] ?? 0);
  course.close();
});
