/**
 * A first visit restores the saved machine the built site ships (npm run
 * build makes them: web/snapshots-plugin.ts) instead of booting, and one that
 * does not match makes the page boot and say so. Each test has a fresh
 * browser context: no IndexedDB, no HTTP cache, as a new user arrives.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { expect, test, type Page, type Route } from '@playwright/test';

// Tall, so that the console keeps every line of a boot on screen (the sentence said before the boot included).
test.use({ viewport: { width: 1400, height: 3200 } });

const SHARE = './?kernel=2.4.20&call=create_module&name=hello&size=4096&run=1';

/** The console as xterm.js draws it, rows joined as the terminal wrapped them. */
async function consoleText(page: Page): Promise<string> {
  return (await page.locator('#terminal .xterm-rows > div').allTextContents()).join('\n');
}

async function answered(page: Page): Promise<void> {
  await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'success', { timeout: 120_000 });
  await expect(page.locator('#result h3')).toHaveText(/returned 0xc[89a-f][0-9a-f]{6}/);
}

test('a first visit restores the snapshot shipped with the site, without a boot, and answers the share link', async ({ page }) => {
  const shipped: string[] = [];
  page.on('response', (r) => {
    if (/\/snapshots\/2\.4\.20-[0-9a-f]+\.snap$/.test(r.url()) && r.ok()) shipped.push(r.url());
  });
  const t0 = Date.now();
  await page.goto(SHARE);
  await answered(page);
  console.log(`first visit answered in ${Date.now() - t0} ms`);
  // The page's head asks for it before the lab's code runs (web/snapshots-plugin.ts), and the page's own fetch takes that response: one download.
  await expect(page.locator('head link[rel="preload"][as="fetch"][href^="snapshots/2.4.20-"]')).toHaveCount(1);
  expect(shipped).toHaveLength(1);
  // No kernel stage: the machine came from the saved state, not from a boot in the page.
  const progress = (await page.locator('#progress').textContent()) ?? '';
  expect(progress).toContain('restoring a saved machine');
  expect(progress).toContain('restored from a saved machine');
  expect(progress).not.toContain('kernel');
  await expect(page.locator('#terminal')).toContainText(/restored a saved machine \(taken at agent-ready\) in \d+ ms/);
  expect(await consoleText(page)).not.toContain('no saved machine shipped');

  // The page kept it in IndexedDB: the reload restores with the site's copy out of reach.
  await expect
    .poll(() => page.evaluate(() => new Promise<number>((resolve) => {
      const r = indexedDB.open('modlab');
      r.onsuccess = () => {
        const q = r.result.transaction('snapshots').objectStore('snapshots').count();
        q.onsuccess = () => resolve(q.result);
        q.onerror = () => resolve(-1);
      };
      r.onerror = () => resolve(-1);
    })), { timeout: 30_000 })
    .toBe(1);
  await page.route('**/snapshots/*.snap', (route) => route.abort());
  await page.reload();
  await expect(page.locator('#progress')).toHaveAttribute('data-stage', 'ready', { timeout: 60_000 });
  await expect(page.locator('#progress')).toContainText('restored from a saved machine');
  expect(await consoleText(page)).not.toContain('could not be fetched');
});

/** Serves the shipped snapshot with one byte changed in its middle. */
async function corrupt(route: Route): Promise<void> {
  const res = await route.fetch();
  const body = await res.body();
  const i = body.length >> 1;
  body[i] = (body[i] ?? 0) ^ 0x55;
  await route.fulfill({ response: res, body });
}

test('a shipped snapshot that fails its sha256 is refused: the page boots the kernel and says why', async ({ page }) => {
  await page.route('**/snapshots/*.snap', corrupt);
  await page.goto(SHARE);
  await answered(page);
  const progress = (await page.locator('#progress').textContent()) ?? '';
  expect(progress).toContain('kernel');
  expect(progress).not.toContain('restored');
  const text = (await consoleText(page)).replace(/\n/g, '');
  expect(text).toMatch(/the saved machine 2\.4\.20-[0-9a-f]+ in the saved machines shipped with this site \(snapshots\/\) is unusable \(.*sha256.*\); it was deleted and the kernel boots instead/);
  expect(text).toMatch(/booted in [\d.]+ s; saved for next time/);
});

test('a site whose shipped snapshot is for other kernel bytes: the page says none matches and boots', async ({ page }) => {
  // The index as a site built from another 2.4.20 image (or another v86) would have it: the key differs.
  await page.route('**/snapshots/index.json', async (route) => {
    const res = await route.fetch();
    const index = (await res.json()) as { format: number; snapshots: Record<string, unknown> };
    const renamed = Object.fromEntries(Object.entries(index.snapshots).map(([key, e]) => [key.replace(/-[0-9a-f]+$/, '-0000000000000000000000000000beef'), e]));
    await route.fulfill({ response: res, json: { ...index, snapshots: renamed } });
  });
  await page.goto(SHARE);
  await answered(page);
  expect((await page.locator('#progress').textContent()) ?? '').toContain('kernel');
  const text = (await consoleText(page)).replace(/\n/g, '');
  expect(text).toMatch(/no saved machine shipped for this kernel \(2\.4\.20\) matches it \(other kernel bytes, initrd or v86\): booting it \(about [\d.]+ s in Node; longer in a browser\)/);
});

test('the built site: a saved machine per kernel, each as big as its index says; no chunk over 500 kB; v86 and xterm.js apart', async () => {
  const dist = process.env['MODLAB_E2E_DIST'] ?? path.join(import.meta.dirname, '..', 'dist');
  const index = JSON.parse(await readFile(path.join(dist, 'snapshots', 'index.json'), 'utf8')) as { snapshots: Record<string, { kernel: string; bytes: number }> };
  const entries = Object.entries(index.snapshots);
  expect(entries.map(([, e]) => e.kernel).sort()).toEqual(['2.4.18', '2.4.20', '2.4.27', '2.6.17', '6.1']);
  for (const [key, e] of entries) {
    const bytes = (await stat(path.join(dist, 'snapshots', `${key}.snap`))).size;
    console.log(`shipped ${key}.snap: ${bytes} bytes`);
    expect(bytes).toBe(e.bytes);
  }
  const chunks = (await readdir(path.join(dist, 'assets'))).filter((f) => f.endsWith('.js'));
  for (const f of chunks) expect((await stat(path.join(dist, 'assets', f))).size, f).toBeLessThanOrEqual(500 * 1000);
  expect(chunks.some((f) => /^v86-[\w-]+\.js$/.test(f))).toBe(true);
  expect(chunks.some((f) => /^xterm-[\w-]+\.js$/.test(f))).toBe(true);
});
