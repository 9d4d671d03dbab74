/**
 * The built site served by `vite preview` on a port of the bench's own, with
 * Debian's Chromium (through Playwright) to visit it; for the benches that
 * time the lab in a browser. Skipped, with the reason, when either is missing.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from '@playwright/test';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

export type SiteRun<T> = { ok: true; value: T } | { ok: false; skipped: string };

/** Serves `dist` on `port`, launches Chromium, runs `body` with the site's URL, and closes both whatever happens. */
export async function withSiteInChromium<T>(options: { dist: string; chromium: string; port: number }, body: (browser: Browser, url: string) => Promise<T>): Promise<SiteRun<T>> {
  const { dist, chromium, port } = options;
  if (!(await stat(chromium).then(() => true, () => false))) return { ok: false, skipped: `no Chromium at ${chromium} (set MODLAB_CHROMIUM)` };
  if (!(await stat(path.join(dist, 'index.html')).then(() => true, () => false))) return { ok: false, skipped: `no built site in ${dist} (npm run build)` };
  const { preview } = await import('vite');
  const { chromium: launcher } = await import('@playwright/test');
  const server = await preview({ root: ROOT, logLevel: 'warn', build: { outDir: dist }, preview: { port, strictPort: true, host: '127.0.0.1' } });
  try {
    const browser = await launcher.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox', '--disable-background-networking'] });
    try {
      return { ok: true, value: await body(browser, `http://127.0.0.1:${port}/`) };
    } finally {
      await browser.close();
    }
  } finally {
    await server.close();
  }
}

/** A browser bench run as a script: `--dist DIR` and one count flag (`--calls N`, `--runs N`) from the command line, Chromium from MODLAB_CHROMIUM. */
export function scriptOptions(countFlag: string, fallback: number): { dist: string; count: number; chromium: string } {
  const args = process.argv.slice(2);
  const distArg = args.includes('--dist') ? args[args.indexOf('--dist') + 1] : undefined;
  const countArg = args.includes(countFlag) ? Number(args[args.indexOf(countFlag) + 1]) : fallback;
  return {
    dist: path.resolve(distArg ?? path.join(ROOT, 'dist')),
    count: Number.isInteger(countArg) && countArg > 0 ? countArg : fallback,
    chromium: process.env['MODLAB_CHROMIUM'] ?? '/usr/bin/chromium',
  };
}
