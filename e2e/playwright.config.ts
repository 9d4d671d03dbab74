import { defineConfig } from '@playwright/test';

// Debian's Chromium: browser downloads are not possible on these machines.
const executablePath = process.env['MODLAB_CHROMIUM'] ?? '/usr/bin/chromium';
// Another built site on another port (e.g. a helper's own build beside dist/): MODLAB_E2E_DIST, MODLAB_E2E_PORT.
const port = Number(process.env['MODLAB_E2E_PORT'] ?? 4173);
const dist = process.env['MODLAB_E2E_DIST'];

export default defineConfig({
  testDir: '.',
  outputDir: '../test-results/e2e',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}/`,
    launchOptions: { executablePath, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] },
    viewport: { width: 1400, height: 900 },
    // The lab's service worker would serve later loads from its cache, out of page.route()'s reach; e2e/offline.spec.ts allows it.
    serviceWorkers: 'block',
  },
  webServer: {
    command: `npx vite preview --port ${port} --strictPort --host 127.0.0.1${dist ? ` --outDir ${dist}` : ''}`,
    cwd: '..',
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
