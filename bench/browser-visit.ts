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
 * - firstVisitAnswerInPageMs, repeatVisitReadyInPageMs: the same two visits by
 *   the page's own clock, from its navigation start to the mark the page puts
 *   on its timeline with the result card (modlab-answer:…) and the ready stage
 *   (modlab-stage:ready). The wall figures above are these plus the browser's
 *   start of the navigation and the word getting back to the bench (~10–30 ms).
 *
 * Both visits are timed from the navigation call to the moment the page's own
 * mutation (the card's or the progress line's attribute) is seen, by an
 * observer put in the page as the navigation commits: nothing of the bench's
 * runs on the page's thread meanwhile. A locator polls instead: from Node, at
 * 20–500 ms intervals, each poll a selector query on the page's thread, the
 * first one injecting Playwright's ~0.5 MB script into the page as it starts.
 * Measured on repeat visits (reloads of one context, the waits in turn): the
 * locator saw 'ready' 118–205 ms after the page had marked it (medians of
 * four runs, 10–20 reloads each), the observer 7–24 ms after. On a loaded host
 * the locator also made the page slower to get there (in-page 773 ms, against
 * 675 with the observer and 713 with no wait, 16 reloads each); on a quiet one
 * it did not (481, 478, 461; 20 each).
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
  firstVisitAnswerInPageMs: Spread;
  repeatVisitReadyInPageMs: Spread;
}

export type VisitBench = { ok: true; visits: BrowserVisits; dist: string } | { ok: false; skipped: string };

/** BENCH_SW=block measures the visits without the lab's service worker (its first install overlaps a quick reload). */
async function freshContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1400, height: 900 }, ...(process.env['BENCH_SW'] === 'block' ? { serviceWorkers: 'block' as const } : {}) });
}

async function ready(page: Page): Promise<void> {
  await page.locator('#progress[data-stage="ready"]').waitFor({ timeout: STEP_MS });
}

/**
 * Once the page shows `selector` (an attribute the page sets, data-stage or
 * data-outcome): that moment by the page's clock, from its navigation start,
 * as the page marked it (`markPrefix`), or as seen here when the page puts no
 * mark (an older build). Call it right after the navigation commits: the
 * observer waits on the page's own mutations, so it costs the page nothing
 * until they happen (see the file's head).
 */
async function shown(page: Page, selector: string, markPrefix: string): Promise<number> {
  // No named functions in here: tsx wraps those in a helper the page does not have.
  return page.evaluate(({ selector, markPrefix, deadline }) => {
    let observer: MutationObserver | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    return new Promise<void>((resolve, reject) => {
      observer = new MutationObserver(() => {
        if (document.querySelector(selector)) resolve();
      });
      timer = setTimeout(() => reject(new Error(`the page did not show ${selector} within ${deadline / 1000} s`)), deadline);
      observer.observe(document, { subtree: true, attributes: true, attributeFilter: ['data-stage', 'data-outcome'] });
      if (document.querySelector(selector)) resolve();
    })
      .finally(() => {
        observer?.disconnect();
        clearTimeout(timer);
      })
      .then(() => performance.getEntriesByType('mark').find((m) => m.name.startsWith(markPrefix))?.startTime ?? performance.now());
  }, { selector, markPrefix, deadline: STEP_MS });
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

/** One first visit by share link, then a reload in the same context: wall and in-page figures of each. */
export async function visitTwice(browser: Browser, url: string): Promise<{ first: number; firstInPage: number; repeat: number; repeatInPage: number }> {
  const context = await freshContext(browser);
  try {
    const page = await context.newPage();
    const t0 = performance.now();
    await page.goto(new URL(SHARE_LINK, url).href, { waitUntil: 'commit', timeout: STEP_MS });
    const firstInPage = await shown(page, '#result[data-outcome="success"]', 'modlab-answer:');
    const first = performance.now() - t0;
    await keptLocally(page);
    await swInstalled(page);
    const t1 = performance.now();
    await page.reload({ waitUntil: 'commit', timeout: STEP_MS });
    const repeatInPage = await shown(page, '#progress[data-stage="ready"]', 'modlab-stage:ready');
    return { first, firstInPage, repeat: performance.now() - t1, repeatInPage };
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
    const firstInPage: number[] = [];
    const repeat: number[] = [];
    const repeatInPage: number[] = [];
    const tour: number[] = [];
    for (let i = 0; i < runs; i++) {
      const v = await visitTwice(browser, url);
      first.push(v.first);
      firstInPage.push(v.firstInPage);
      repeat.push(v.repeat);
      repeatInPage.push(v.repeatInPage);
      tour.push(await tourFresh(browser, url));
      log(`browser visit ${i + 1}/${runs}: first answer ${Math.round(v.first)} ms (in page ${Math.round(v.firstInPage)}), repeat ready ${Math.round(v.repeat)} ms (in page ${Math.round(v.repeatInPage)}), tour ${Math.round(tour.at(-1) ?? 0)} ms`);
    }
    return { firstVisitAnswerMs: spread(first), repeatVisitReadyMs: spread(repeat), tourFreshMs: spread(tour), firstVisitAnswerInPageMs: spread(firstInPage), repeatVisitReadyInPageMs: spread(repeatInPage) };
  });
  return run.ok ? { ok: true, dist: path.relative(ROOT, dist) || dist, visits: run.value } : run;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { dist, count, chromium } = scriptOptions('--runs', 3);
  const result = await browserVisits({ dist, runs: count, chromium, log: (line) => console.error(line) });
  console.log(JSON.stringify(result, null, 2));
}
