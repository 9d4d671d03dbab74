/**
 * The lab inside another site's page, as a course page frames it: a
 * scenario embedded with `?embed=1#lesson=…` shows each step's answer, and
 * where the browser refuses the frame its storage the lab says so once.
 *
 * The course page is served from http://localhost, the lab from
 * http://127.0.0.1: two sites, so the lab is a third-party frame. Chromium's
 * own setting then applies: a Playwright context is an off-the-record
 * profile, whose default blocks third-party cookies and with them
 * third-party storage (localStorage throws SecurityError, indexedDB.open
 * fails "The user denied permission to access the database"). No script of
 * ours makes storage fail.
 */
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateRawSync } from 'node:zlib';
import { expect, test, type FrameLocator, type Page } from '@playwright/test';

/** A course page on another site that frames `lab` (width × height in CSS pixels). */
async function coursePage(lab: string, width: number | string, height: number): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>Week 3</title><style>body{margin:8px;font-family:sans-serif}iframe{border:1px solid #888;max-width:100%}</style><h1>Week 3</h1><iframe title="modlab" src="${lab}" width="${width}" height="${height}"></iframe>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://localhost:${(server.address() as AddressInfo).port}/week-3`, server };
}

/** The fragment a lesson link carries: the scenario's JSON, deflated (raw), base64url. */
function lessonFragment(scenario: unknown): string {
  return `#lesson=${deflateRawSync(Buffer.from(JSON.stringify(scenario))).toString('base64url')}`;
}

/** The terminal's rows with text on them, as xterm.js draws them. */
async function terminalRows(frame: FrameLocator): Promise<string[]> {
  return (await frame.locator('#terminal .xterm-rows > div').allTextContents()).map((t) => t.replace(/\u00a0/g, ' ').trimEnd()).filter((t) => t !== '');
}

const SCENARIO = {
  kernel: '2.4.27',
  description: 'Twice the same name',
  steps: [
    { call: 'create_module', name: 'twice', size: 4096, note: 'The first one gets its memory.' },
    { call: 'create_module', name: 'twice', size: 4096 },
    { call: 'delete_module', name: 'twice' },
  ],
};

async function embedScenario(page: Page, baseURL: string | undefined, size: { width: number; height: number } | null): Promise<{ frame: FrameLocator; server: Server }> {
  const lab = new URL(`./?kernel=2.4.27&embed=1${lessonFragment(SCENARIO)}`, baseURL).href;
  const { url, server } = await coursePage(lab, size ? size.width - 24 : '100%', size ? size.height - 90 : 700);
  await page.goto(url);
  return { frame: page.frameLocator('iframe'), server };
}

test('a scenario embedded in another site\'s frame: its steps, each answer after Run, and the full lab opens it in the Lesson tab', async ({ page, baseURL, context }) => {
  const { frame, server } = await embedScenario(page, baseURL, null);
  // The steps are listed before anything runs; the form is not there.
  await expect(frame.locator('#embed-title')).toHaveText('Twice the same name');
  await expect(frame.locator('#embed-steps > li')).toHaveCount(3);
  await expect(frame.locator('#embed-steps > li').nth(0)).toContainText('create_module("twice", 4096)');
  await expect(frame.locator('#embed-steps > li').nth(0)).toContainText('The first one gets its memory.');
  await expect(frame.locator('#call-form')).toBeHidden();
  await expect(frame.locator('#console-pane')).toBeHidden();
  await expect(frame.locator('#embed-steps .result-card').first()).toBeHidden();

  await expect(frame.locator('#embed-run')).toBeEnabled();
  await frame.locator('#embed-run').click();
  await expect(frame.locator('#embed-status')).toContainText('Done: 3 steps on Linux 2.4.27', { timeout: 120_000 });
  const cards = frame.locator('#embed-steps .result-card');
  // Each answer as the Call tab's card draws it, on a clean machine: the address, then EEXIST, then 0.
  await expect(cards.nth(0)).toHaveAttribute('data-outcome', 'success');
  await expect(cards.nth(0)).toContainText(/returned 0xc88[0-9a-f]{5}/);
  await expect(cards.nth(0)).toContainText('Its line in /proc/modules');
  await expect(cards.nth(1)).toHaveAttribute('data-outcome', 'EEXIST');
  await expect(cards.nth(2)).toHaveAttribute('data-outcome', 'success');
  await expect(cards.nth(2)).toContainText('returned 0');
  // Run again starts from a clean machine once more: the first step succeeds again.
  await frame.locator('#embed-run').click();
  await expect(frame.locator('#embed-status')).toContainText('Done', { timeout: 60_000 });
  await expect(cards.nth(0)).toHaveAttribute('data-outcome', 'success');
  await expect(cards.nth(1)).toHaveAttribute('data-outcome', 'EEXIST');

  // The frame does not scroll sideways.
  const widths = await frame.locator('html').evaluate((el) => [el.scrollWidth, el.clientWidth]);
  expect(widths[0]).toBeLessThanOrEqual(widths[1] ?? 0);

  // "Open in the full lab": the same scenario, without the embed switch, in a tab of its own; the lab shows it in the Lesson tab.
  const full = frame.getByRole('link', { name: /full lab/ });
  await expect(full).toHaveAttribute('target', '_blank');
  const href = new URL((await full.getAttribute('href')) ?? '');
  expect(href.searchParams.get('embed')).toBeNull();
  expect(href.hash).toBe(lessonFragment(SCENARIO));
  server.close();
  const tab = await context.newPage();
  await tab.goto(href.href);
  await expect(tab.locator('#tab-lesson')).toHaveAttribute('aria-selected', 'true');
  await expect(tab.locator('#lesson-title')).toHaveText('Twice the same name');
  await expect(tab.locator('#lesson-call')).toContainText('create_module("twice", 4096)');
});

test('run=1 runs an embedded scenario at once; a damaged one is said in a sentence and nothing runs', async ({ page, baseURL }) => {
  const lab = new URL(`./?embed=1&run=1${lessonFragment({ ...SCENARIO, kernel: '2.4.20' })}`, baseURL).href;
  const { url, server } = await coursePage(lab, 600, 700);
  await page.goto(url);
  const frame = page.frameLocator('iframe');
  // The scenario's kernel is the one booted, though the address names none.
  await expect(frame.locator('#embed-status')).toContainText('Done: 3 steps on Linux 2.4.20', { timeout: 120_000 });
  await expect(frame.locator('#embed-steps .result-card').nth(1)).toHaveAttribute('data-outcome', 'EEXIST');
  await expect(frame.locator('#kernel')).toHaveValue('2.4.20');
  server.close();

  // The view on its own, answered: nothing serious or critical for axe-core.
  await page.goto(lab);
  await expect(page.locator('#embed-status')).toContainText('Done', { timeout: 120_000 });
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);

  // Another query than the page above, so the browser loads it rather than only moving to the new fragment.
  await page.goto(new URL(`./?kernel=2.4.20&embed=1&run=1#lesson=${lessonFragment(SCENARIO).slice('#lesson='.length, 40)}`, baseURL).href);
  await expect(page.locator('#embed-status')).toContainText('damaged');
  await expect(page.locator('#embed-run')).toBeDisabled();
  await expect(page.locator('#result')).toBeHidden();
});

test('the embedded scenario at a phone\'s and a laptop\'s size (screenshots)', async ({ page, baseURL }) => {
  const dir = process.env['MODLAB_SHOTS'];
  test.skip(!dir, 'MODLAB_SHOTS names a folder for the screenshots');
  mkdirSync(dir ?? '.', { recursive: true });
  for (const size of [{ width: 390, height: 844 }, { width: 1366, height: 768 }]) {
    await page.setViewportSize(size);
    const { frame, server } = await embedScenario(page, baseURL, size);
    await frame.locator('#embed-run').click();
    await expect(frame.locator('#embed-status')).toContainText('Done', { timeout: 120_000 });
    const widths = await frame.locator('html').evaluate((el) => [el.scrollWidth, el.clientWidth]);
    expect(widths[0]).toBeLessThanOrEqual(widths[1] ?? 0);
    await page.screenshot({ path: `${dir}/embed-scenario-${size.width}x${size.height}.png` });
    server.close();
  }
});

test('in a frame on another site, with storage blocked, the lab says so once and never "saved for next time"', async ({ page, baseURL }) => {
  // No shipped saved machine: the kernel boots and the lab tries to keep it, which the browser refuses here.
  await page.route('**/snapshots/*.snap', (route) => route.fulfill({ status: 404, body: '' }));
  const lab = new URL('./?kernel=2.4.20&call=create_module&name=framed&size=4096&run=1', baseURL).href;
  const { url, server } = await coursePage(lab, 1300, 1600);
  await page.goto(url);
  const frame = page.frameLocator('iframe');
  // Storage is refused here (a third-party frame), as the browser does it.
  expect(await frame.locator('html').evaluate(() => {
    try {
      localStorage.getItem('x');
      return 'allowed';
    } catch (e) {
      return (e as Error).name;
    }
  })).toBe('SecurityError');
  await expect(frame.locator('#result')).toHaveAttribute('data-outcome', 'success', { timeout: 120_000 });
  // History is refused too (it saves after each call): still one sentence.
  await frame.locator('#run').click();
  await expect(frame.locator('#result')).toHaveAttribute('data-outcome', 'EEXIST');
  await expect(frame.locator('#history li')).toHaveCount(2);
  await expect(frame.locator('#terminal')).toContainText(/booted in [\d.]+ s/);
  const text = (await terminalRows(frame)).join('\n');
  expect(text.match(/does not let the lab store anything/g)).toHaveLength(1);
  expect(text).not.toContain('could not save');
  expect(text).not.toContain('could not read the saved machine');
  expect(text).not.toContain('saved for next time');
  server.close();
});
