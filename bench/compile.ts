/**
 * The C compiler's part of `npm run bench`: how long TinyCC in WebAssembly
 * takes to compile the hello_world template, in Node (node/compiler.ts, as
 * `modlab insmod FILE.c` runs it) and in Chromium through the lab's own Write
 * code tab (browser/compiler.ts, read from the page's "Compiled in N ms"),
 * and what the compiler costs to download. The first compile, which loads
 * and checks the compiler, is reported apart from the median of the rest.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { compileCFile, studentHeaders } from '../node/compiler.ts';
import { round, spread, type Spread } from './stats.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TEMPLATE = path.join(ROOT, 'templates/modules/hello_world.c');

/** What the lab promises: a compile a student does not wait for, and a compiler that downloads quickly. */
export const COMPILE_TARGETS = { medianMs: 100, downloadGzipBytes: 1024 * 1024 } as const;

export interface CompileTimes {
  /** The first compile: loading, checking (sha256) and instantiating the compiler, then compiling. */
  firstMs: number;
  /** The compiles after it. */
  compileMs: Spread;
}

export interface DownloadSize {
  /** gzip -9 of each file the browser fetches for the compiler, by name. */
  gzipBytes: Record<string, number>;
  rawBytes: Record<string, number>;
  totalGzipBytes: number;
}

export interface CompileBench {
  template: string;
  node: CompileTimes;
  /** null when Chromium or the built site is not at hand (skipped says why). */
  browser: CompileTimes | null;
  skipped: string | null;
  download: DownloadSize;
  targets: typeof COMPILE_TARGETS;
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** `runs` compiles in this process after the first (which loads the compiler). */
export async function nodeCompileTimes(runs: number): Promise<CompileTimes> {
  const source = await readFile(TEMPLATE, 'utf8');
  const headers = await studentHeaders();
  const compile = async (): Promise<void> => {
    const r = await compileCFile(source, { fileName: 'hello_world.c', headers });
    if (!r.ok) throw new Error(`the hello_world template does not compile:\n${r.diagnostics}`);
  };
  const firstMs = await timed(compile);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timed(compile));
  return { firstMs: round(firstMs), compileMs: spread(times) };
}

/** gzip level 9 of the compiler's files: the committed wasm and glue, plus the lab's compiler chunk when the site is built. */
export async function downloadSize(dist: string): Promise<DownloadSize> {
  const files: Record<string, string> = { 'tcc.wasm': path.join(ROOT, 'compiler/tcc.wasm'), 'tcc.mjs': path.join(ROOT, 'compiler/tcc.mjs') };
  // Vite names the chunk of browser/compiler.ts (with the student headers inlined) compiler-HASH.js.
  const chunk = (await readdir(path.join(dist, 'assets')).catch(() => [])).find((f) => /^compiler-[\w-]+\.js$/.test(f));
  if (chunk) files[chunk] = path.join(dist, 'assets', chunk);
  const gzipBytes: Record<string, number> = {};
  const rawBytes: Record<string, number> = {};
  for (const [name, file] of Object.entries(files)) {
    const bytes = await readFile(file);
    rawBytes[name] = bytes.length;
    gzipBytes[name] = gzipSync(bytes, { level: 9 }).length;
  }
  return { gzipBytes, rawBytes, totalGzipBytes: Object.values(gzipBytes).reduce((a, b) => a + b, 0) };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** A static server for the built site on a free port (the page fetches everything from its own origin). */
async function serve(dist: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    void (async () => {
      const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const file = path.join(dist, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
      if (!file.startsWith(dist + path.sep)) {
        res.writeHead(403).end();
        return;
      }
      try {
        if (!(await stat(file)).isFile()) throw new Error('not a file');
        res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(await readFile(file));
      } catch {
        res.writeHead(404).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/**
 * In Chromium, the lab's Write code tab as a student uses it: the page boots
 * its kernel, the tab opens with the hello_world template, and Compile is
 * pressed `runs` + 1 times; each time is the page's own "Compiled in N ms"
 * (browser/compiler.ts, from the click's handler to the object).
 */
export async function browserCompileTimes(dist: string, runs: number, executablePath: string): Promise<CompileTimes> {
  const { chromium } = await import('@playwright/test');
  const { server, url } = await serve(dist);
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-background-networking'] });
  try {
    const page = await browser.newPage();
    await page.goto(`${url}?kernel=2.4.20`);
    // Compiles run beside the page's machine, as they do for a student: wait until it is up and idle.
    await page.locator('#progress[data-stage="ready"]').waitFor({ timeout: 180_000 });
    await page.locator('#tab-code').click();
    await page.locator('#code-editor .cm-content', { hasText: 'module_init(hello_init);' }).waitFor({ timeout: 30_000 });
    const status = page.locator('#code-status');
    const compileOnce = async (): Promise<number> => {
      // Cleared first, so the status read is this compile's and not the last one's.
      await status.evaluate((el) => {
        el.textContent = '';
        el.removeAttribute('data-compile');
      });
      await page.locator('#code-compile').click();
      await page.locator('#code-status[data-compile]').waitFor({ timeout: 60_000 });
      const text = (await status.textContent()) ?? '';
      const ms = /^Compiled in (\d+) ms/.exec(text);
      if (!ms) throw new Error(`the lab did not compile the hello_world template: ${text}`);
      return Number(ms[1]);
    };
    const firstMs = await compileOnce();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await compileOnce());
    return { firstMs, compileMs: spread(times) };
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Everything above; the browser part is skipped, and says why, without Chromium or a built site. */
export async function compileBench(options: { runs: number; dist: string; chromium: string; log: (line: string) => void }): Promise<CompileBench> {
  const { runs, dist, chromium, log } = options;
  log(`compiler: ${runs + 1} compiles of the hello_world template in Node`);
  const node = await nodeCompileTimes(runs);
  let browser: CompileTimes | null = null;
  let skipped: string | null = null;
  const haveChromium = await stat(chromium).then(() => true, () => false);
  const haveSite = await stat(path.join(dist, 'index.html')).then(() => true, () => false);
  if (!haveChromium) skipped = `no Chromium at ${chromium} (set MODLAB_CHROMIUM)`;
  else if (!haveSite) skipped = `no built site in ${dist} (npm run build)`;
  else {
    log(`compiler: ${runs + 1} compiles in Chromium, in the lab's Write code tab (${path.relative(ROOT, dist) || dist})`);
    browser = await browserCompileTimes(dist, runs, chromium);
  }
  return { template: path.relative(ROOT, TEMPLATE), node, browser, skipped, download: await downloadSize(dist), targets: COMPILE_TARGETS };
}

const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
const mark = (ok: boolean): string => (ok ? 'meets target' : 'MISSES target');

/** The compiler's figures, each with its target. */
export function compileTable(r: CompileBench): string {
  const rows = [['compile hello_world.c', 'median', 'min … max', 'first (loads the compiler)', 'target', '']];
  const row = (where: string, t: CompileTimes): string[] => [
    where,
    `${t.compileMs.median} ms`,
    `${t.compileMs.min} … ${t.compileMs.max} ms`,
    `${t.firstMs} ms`,
    `median ≤ ${r.targets.medianMs} ms`,
    mark(t.compileMs.median <= r.targets.medianMs),
  ];
  rows.push(row(`Node (${r.node.compileMs.runs} runs)`, r.node));
  if (r.browser) rows.push(row(`Chromium (${r.browser.compileMs.runs} runs)`, r.browser));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((x) => x[i]!.length)));
  const lines = rows.map((x) => x.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  if (r.skipped) lines.push(`Chromium: skipped, ${r.skipped}`);
  const parts = Object.entries(r.download.gzipBytes).map(([name, n]) => `${name} ${kib(n)}`);
  lines.push(
    `compiler download, gzip -9: ${parts.join(' + ')} = ${kib(r.download.totalGzipBytes)} (target ≤ ${kib(r.targets.downloadGzipBytes)}: ${mark(r.download.totalGzipBytes <= r.targets.downloadGzipBytes)})`,
  );
  return lines.join('\n');
}
