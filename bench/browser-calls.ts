/**
 * Calls from the lab's form in Chromium (Debian's, through Playwright)
 * against the built site served by `vite preview`:
 *
 * - clickToCardMs: from the Call button's click event to the result card's
 *   DOM update (a MutationObserver), both timed in the page with
 *   performance.now();
 * - pageRoundTripMs: the kernel's round trip inside the page, as the card
 *   states it (the harness's CallRecord.elapsedMs).
 *
 * The page opens a share link that creates module "hello" on 2.4.20; every
 * later click makes the same call, which the kernel answers with EEXIST (the
 * card needs no second request for it). WARM_UP clicks are not counted.
 * Run alone:
 *   node --import tsx bench/browser-calls.ts [--dist DIR] [--calls N]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { percentile, round } from './stats.ts';
import { scriptOptions, withSiteInChromium } from './site-in-chromium.ts';

/** This bench's own port (the e2e suite uses 4173, bench/browser-visit.ts 4313). */
export const CALLS_PORT = 4312;
const LINK = '?kernel=2.4.20&call=create_module&name=hello&size=4096&run=1';
const WARM_UP = 10;
const STEP_MS = 180_000;

export interface Percentiles {
  p50: number;
  p95: number;
  calls: number;
}

export interface BrowserCalls {
  clickToCardMs: Percentiles;
  pageRoundTripMs: Percentiles;
}

export type CallsBench = { ok: true; calls: BrowserCalls } | { ok: false; skipped: string };

function percentiles(samples: readonly number[]): Percentiles {
  return { p50: round(percentile(samples, 0.5)), p95: round(percentile(samples, 0.95)), calls: samples.length };
}

/** The page-side timer for one click: set up before the click, read after. */
interface Probe {
  done: Promise<{ clickToCard: number; text: string }>;
}
declare global {
  interface Window {
    __callsBenchProbe?: Probe;
  }
}

/** One click on Call, timed in the page: click event → the card's DOM changed. */
async function oneCall(page: Page): Promise<{ clickToCard: number; roundTrip: number }> {
  await page.evaluate(() => {
    const card = document.getElementById('result') as HTMLElement;
    const run = document.getElementById('run') as HTMLButtonElement;
    let clickAt = NaN;
    run.addEventListener('click', () => (clickAt = performance.now()), { once: true, capture: true });
    window.__callsBenchProbe = {
      done: new Promise((resolve) => {
        const observer = new MutationObserver(() => {
          if (Number.isNaN(clickAt)) return;
          const t = performance.now();
          observer.disconnect();
          resolve({ clickToCard: t - clickAt, text: card.querySelector('p')?.textContent ?? '' });
        });
        observer.observe(card, { childList: true, subtree: true, characterData: true, attributes: true });
      }),
    };
  });
  await page.locator('#run').click({ timeout: STEP_MS });
  const r = await page.evaluate(() => (window.__callsBenchProbe as Probe).done);
  // The card's first line ends "on Linux 2.4.20, 1.9 ms": the call's round trip as the harness measured it.
  const ms = /, ([\d.]+) ms$/.exec(r.text);
  if (!ms) throw new Error(`the result card did not state the call's time: ${JSON.stringify(r.text)}`);
  return { clickToCard: r.clickToCard, roundTrip: Number(ms[1]) };
}

export async function browserCalls(options: { dist: string; calls: number; chromium: string; log: (line: string) => void }): Promise<CallsBench> {
  const { dist, calls, chromium, log } = options;
  const run = await withSiteInChromium({ dist, chromium, port: CALLS_PORT }, async (browser, url) => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${url}${LINK}`);
    await page.locator('#result[data-outcome="success"]').waitFor({ timeout: STEP_MS });
    const toCard: number[] = [];
    const roundTrip: number[] = [];
    for (let i = 0; i < WARM_UP + calls; i++) {
      const r = await oneCall(page);
      const outcome = await page.locator('#result').getAttribute('data-outcome');
      if (outcome !== 'EEXIST') throw new Error(`call ${i + 1} from the form answered ${outcome ?? 'nothing'}, not EEXIST`);
      if (i < WARM_UP) continue;
      toCard.push(r.clickToCard);
      roundTrip.push(r.roundTrip);
    }
    return { clickToCardMs: percentiles(toCard), pageRoundTripMs: percentiles(roundTrip) };
  });
  if (!run.ok) return run;
  const r = run.value;
  log(`browser calls: click → card p50 ${r.clickToCardMs.p50} ms (p95 ${r.clickToCardMs.p95}), round trip in the page p50 ${r.pageRoundTripMs.p50} ms (p95 ${r.pageRoundTripMs.p95}), ${calls} calls`);
  return { ok: true, calls: r };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { dist, count, chromium } = scriptOptions('--calls', 50);
  const result = await browserCalls({ dist, calls: count, chromium, log: (line) => console.error(line) });
  console.log(JSON.stringify(result, null, 2));
}
