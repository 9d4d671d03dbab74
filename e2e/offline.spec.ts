/**
 * After one visit the lab runs with the network gone: the service worker
 * (vite-plugin-pwa's Workbox) has kept the app, the 2.4 kernels and their
 * saved machines. The other kernels are kept when asked. And with the
 * server itself stopped: a site of its own, served for one visit, then
 * ended, and the lab reloads and answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

/** The built site on a server of this test's own (vite preview, as `npm start` serves it), resolved once it listens. */
async function ownServer(port: number): Promise<ChildProcess> {
  const dist = process.env['MODLAB_E2E_DIST'];
  const args = ['vite', 'preview', '--port', String(port), '--strictPort', '--host', '127.0.0.1', ...(dist ? ['--outDir', dist] : [])];
  // A process group of its own, so stopping it stops npx's node child too.
  // NO_COLOR: its "Local: http://…" line is then plain text to look for.
  const server = spawn('npx', args, { cwd: fileURLToPath(new URL('..', import.meta.url)), detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const listening = new Promise<void>((resolve, reject) => {
    let said = '';
    const deadline = setTimeout(() => reject(new Error(`vite preview did not listen on ${port} within 60 s: ${said}`)), 60_000);
    const listen = (b: Buffer): void => {
      said += b.toString();
      if (said.includes(`127.0.0.1:${port}`)) {
        clearTimeout(deadline);
        resolve();
      }
    };
    server.stdout?.on('data', listen);
    server.stderr?.on('data', listen);
    server.on('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`vite preview ended (${code}) before it listened: ${said}`));
    });
  });
  try {
    await listening;
  } catch (e) {
    await stop(server);
    throw e;
  }
  return server;
}

/** Stops the server and waits until its process has gone. */
async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null || server.pid === undefined) return;
  const gone = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  process.kill(-server.pid, 'SIGTERM');
  await gone;
}

// The other specs block service workers (playwright.config.ts); this one is about them.
test.use({ serviceWorkers: 'allow' });

test('after one visit the lab reloads and answers with the network gone; 2.6.17 and 6.1 are kept when asked', async ({ page, context }) => {
  await page.goto('./?kernel=2.4.20');
  await expect(page.locator('#offline-status')).toHaveAttribute('data-offline', 'ready', { timeout: 120_000 });
  await expect(page.locator('#offline-status')).toContainText('2.4.18, 2.4.20, 2.4.27');
  await expect(page.locator('#progress')).toContainText('ready', { timeout: 120_000 });

  await context.setOffline(true);
  // A share link opens from what was kept.
  await page.goto('./?kernel=2.4.27&call=create_module&name=offline&size=4096&run=1');
  await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'success', { timeout: 120_000 });
  await expect(page.locator('#result')).toContainText(/returned 0xc88[0-9a-f]{5}/);
  // 6.1 was not kept yet: the page says it cannot load it, rather than hanging.
  await page.goto('./?kernel=6.1');
  await expect(page.locator('#progress')).toHaveAttribute('data-stage', 'failed', { timeout: 60_000 });

  await context.setOffline(false);
  await page.goto('./?kernel=2.4.20');
  await expect(page.locator('#offline-prepare')).toBeVisible({ timeout: 60_000 });
  await page.locator('#offline-prepare').click();
  await expect(page.locator('#offline-status')).toHaveAttribute('data-offline', 'all', { timeout: 120_000 });
  await context.setOffline(true);
  await page.goto('./?kernel=6.1&call=create_module&name=offline&size=4096&run=1');
  await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'ENOSYS', { timeout: 180_000 });
});

test('after one visit the lab reloads and answers on a 2.4 kernel with its server stopped', async ({ page }) => {
  // A port of this test's own beside the one the other specs use (playwright.config.ts).
  const port = Number(process.env['MODLAB_E2E_PORT'] ?? 4173) + 5;
  const site = `http://127.0.0.1:${port}/`;
  const server = await ownServer(port);
  try {
    await page.goto(`${site}?kernel=2.4.20`);
    await expect(page.locator('#progress')).toContainText('ready', { timeout: 120_000 });
    // Set once the service worker is active, that is once its install has kept everything it precaches.
    await expect(page.locator('#offline-status')).toHaveAttribute('data-offline', 'ready', { timeout: 120_000 });
  } finally {
    await stop(server);
  }
  // The server is gone, not just unreachable to the page.
  await expect(fetch(site)).rejects.toThrow();

  await page.reload();
  await expect(page.locator('#progress')).toContainText('ready', { timeout: 120_000 });
  await page.goto(`${site}?kernel=2.4.27&call=create_module&name=stopped&size=4096&run=1`);
  await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'success', { timeout: 120_000 });
  await expect(page.locator('#result')).toContainText(/returned 0xc88[0-9a-f]{5}/);
});
