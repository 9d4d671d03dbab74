/**
 * The lab's visits in Chromium (Debian's, through Playwright) against the
 * built site served by `vite preview`, as a new user meets them:
 *
 * - firstVisitAnswerMs: a fresh browser context (no IndexedDB, no HTTP cache)
 *   opens the share link that runs create_module on 2.4.20; from navigation to
 *   the result card.
 * - repeatVisitReadyMs: the same context reloads the lab, once the first
 *   visit has kept its saved machine and the service worker has finished
 *   installing (its precache, ~11.5 MB, downloads in the background: a
 *   visitor coming back finds it done); from navigation to the machine ready
 *   (the progress line's stage).
 * - tourFreshMs: a fresh context opens the lab, and once it is ready, the
 *   Compare tab runs the man-page tour on all five kernels; from the click to
 *   the matrix.
 *
 * Each is the median of `runs` fresh contexts. Run alone:
 *   node --import tsx bench/browser-visit.ts [--dist DIR] [--runs N]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { spread, type Spread } from './stats.ts';
import { scriptOptions, withSiteInChromium } from './site-in-chromium.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
/** This bench's own port, so it does not meet the e2e suite's preview (4173) or another's. */
export const VISIT_PORT = 4313;
export const SHARE_LINK = '?kernel=2.4.20&call=create_module&name=hello&size=4096&run=1';
/** Every wait has one: a visit that needs longer has failed its purpose anyway. */
const STEP_MS = 180_000;

export interface BrowserVisits {
  firstVisitAnswerMs: Spread;
  repeatVisitReadyMs: Spread;
  tourFreshMs: Spread;
}

export type VisitBench = { ok: true; visits: BrowserVisits; dist: string } | { ok: false; skipped: string };

/** BENCH_SW=block measures the visits without the lab's service worker (its first install overlaps a quick reload). */
async function freshContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1400, height: 900 }, ...(process.env['BENCH_SW'] === 'block' ? { serviceWorkers: 'block' as const } : {}) });
}

async function ready(page: Page): Promise<void> {
  await page.locator('#progress[data-stage="ready"]').waitFor({ timeout: STEP_MS });
}

/** Whether the page's IndexedDB holds a saved machine for 2.4.20: the first visit keeps it there in the background. */
async function keptLocally(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      new Promise<boolean>((resolve) => {
        const r = indexedDB.open('modlab');
        r.onerror = () => resolve(false);
        r.onsuccess = () => {
          const db = r.result;
          if (!db.objectStoreNames.contains('snapshots')) return resolve(false);
          const keys = db.transaction('snapshots').objectStore('snapshots').getAllKeys();
          keys.onsuccess = () => resolve(keys.result.some((k) => typeof k === 'string' && k.startsWith('2.4.20-')));
          keys.onerror = () => resolve(false);
        };
      }),
    undefined,
    { timeout: STEP_MS, polling: 100 },
  );
}

/** Once the lab's service worker is active (its precache done), unless service workers are blocked (BENCH_SW=block). */
async function swInstalled(page: Page): Promise<void> {
  if (process.env['BENCH_SW'] === 'block') return;
  await page.waitForFunction(() => navigator.serviceWorker.ready.then(() => true), undefined, { timeout: STEP_MS });
}

/** One first visit by share link, then a reload in the same context. */
async function visitTwice(browser: Browser, url: string): Promise<{ first: number; repeat: number }> {
  const context = await freshContext(browser);
  try {
    const page = await context.newPage();
    const t0 = performance.now();
    await page.goto(new URL(SHARE_LINK, url).href);
    await page.locator('#result[data-outcome="success"]').waitFor({ timeout: STEP_MS });
    const first = performance.now() - t0;
    await keptLocally(page);
    await swInstalled(page);
    const t1 = performance.now();
    await page.reload();
    await ready(page);
    return { first, repeat: performance.now() - t1 };
  } finally {
    await context.close();
  }
}

/** The man-page tour on every kernel from the Compare tab, in a fresh context. */
async function tourFresh(browser: Browser, url: string): Promise<number> {
  const context = await freshContext(browser);
  try {
    const page = await context.newPage();
    await page.goto(url);
    await ready(page);
    await page.locator('#tab-compare').click();
    const t0 = performance.now();
    await page.locator('#compare-tour').click();
    await page.locator('#compare-status[data-state="done"]').waitFor({ timeout: STEP_MS });
    const ms = performance.now() - t0;
    // Every kernel must have answered: a column that failed would make the figure meaningless.
    const failed = await page.locator('#compare-status').textContent();
    if (failed?.includes('did not run')) throw new Error(`the tour did not run everywhere: ${failed}`);
    return ms;
  } finally {
    await context.close();
  }
}

export async function browserVisits(options: { dist: string; runs: number; chromium: string; log: (line: string) => void }): Promise<VisitBench> {
  const { dist, runs, chromium, log } = options;
  const run = await withSiteInChromium({ dist, chromium, port: VISIT_PORT }, async (browser, url) => {
    const first: number[] = [];
    const repeat: number[] = [];
    const tour: number[] = [];
    for (let i = 0; i < runs; i++) {
      const v = await visitTwice(browser, url);
      first.push(v.first);
      repeat.push(v.repeat);
      tour.push(await tourFresh(browser, url));
      log(`browser visit ${i + 1}/${runs}: first answer ${Math.round(v.first)} ms, repeat ready ${Math.round(v.repeat)} ms, tour ${Math.round(tour.at(-1) ?? 0)} ms`);
    }
    return { firstVisitAnswerMs: spread(first), repeatVisitReadyMs: spread(repeat), tourFreshMs: spread(tour) };
  });
  return run.ok ? { ok: true, dist: path.relative(ROOT, dist) || dist, visits: run.value } : run;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { dist, count, chromium } = scriptOptions('--runs', 3);
  const result = await browserVisits({ dist, runs: count, chromium, log: (line) => console.error(line) });
  console.log(JSON.stringify(result, null, 2));
}
