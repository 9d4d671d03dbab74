import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { kernelImages } from './web/kernel-images-plugin.ts';
import { shippedSnapshots } from './web/snapshots-plugin.ts';
import { startPreloadsPlugin } from './web/start-preloads-plugin.ts';
import { firstVisitKernelFiles } from './web/offline-kernels.ts';
import { v86Patches } from './web/v86-patch-plugin.ts';

/**
 * The policy web/index.html's <meta> carries, directive for directive (an
 * e2e test compares them). A <meta> policy cannot say frame-ancestors, so the
 * header adds it: any site may frame the lab (a slide, a course page: see
 * ?embed=1). What a framing site could drive is a call on an emulated kernel
 * in the visitor's own tab; a host that wants no framing sends 'none'.
 */
export const PAGE_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none'";

/** What a host of the built site should send (README, "Hosting"); `npm start` sends them. */
export const HOSTING_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': `${PAGE_CSP}; frame-ancestors *`,
  'X-Content-Type-Options': 'nosniff',
  // Share links carry the call in the query; it stays in the page.
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/**
 * Libraries in chunks of their own, none over 500 kB: the emulator (v86) and
 * the terminal (xterm.js) are cached apart from the lab's code, which changes
 * more often; CodeMirror, loaded with the Write code tab only, in two parts.
 */
export function chunkOf(id: string): string | undefined {
  // Vite's helper for dynamic imports, shared by the lab and v86: left to Rollup it went into the v86 chunk, which the lab then loaded first.
  if (id.includes('vite/preload-helper')) return 'preload';
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(id);
  const pkg = m?.[1];
  if (!pkg) return undefined;
  // Not the wasm's `?url` module, which the lab's entry imports: in the v86 chunk it made the emulator's code load before the lab's.
  if (pkg === 'v86') return id.includes('?') ? undefined : 'v86';
  if (pkg.startsWith('@xterm/')) return 'xterm';
  // The editor's core (state, view and the small packages they use), then what builds on it (language, Lezer, C, lint):
  // the second imports the first, never the reverse, so neither chunk waits on the other.
  if (['@codemirror/state', '@codemirror/view', '@marijn/find-cluster-break', 'style-mod', 'w3c-keyname', 'crelt'].includes(pkg)) return 'codemirror-core';
  if (pkg === 'codemirror' || pkg.startsWith('@codemirror/') || pkg.startsWith('@lezer/')) return 'codemirror';
  return undefined;
}

/**
 * The gzipped initrds keep a name that does not end in .gz: hosts (vite
 * preview's sirv among them) send a .gz file with Content-Encoding: gzip, the
 * browser then hands the page the inflated bytes, and the snapshot key — which
 * hashes the initrd the page booted — would depend on the host and miss the
 * snapshots the build ships (keyed by the file's own bytes, as Node boots it).
 */
export function assetFileNames(asset: { names: readonly string[] }): string {
  return asset.names.some((n) => n.endsWith('.gz')) ? 'assets/[name]-[hash][extname].bin' : 'assets/[name]-[hash][extname]';
}

/**
 * The service worker (Workbox, through vite-plugin-pwa): the first visit
 * keeps the app, the 2.4 kernels and their saved machines, so the lab
 * reloads and runs with the server gone; 2.6.17 and 6.1 (16 MB more) are
 * kept the first time they are used, or when the page is asked to.
 */
export const OFFLINE_PRECACHE = ['**/*.{js,css,html,wasm,bin,json,svg,webmanifest}', ...firstVisitKernelFiles()];

const offline = VitePWA({
  registerType: 'autoUpdate',
  // web/offline.ts registers it, so that a browser that refuses it is told once, plainly.
  injectRegister: null,
  manifest: {
    name: 'modlab — create_module(2) on a genuine Linux kernel',
    short_name: 'modlab',
    description: "Linux 2.4's create_module(2) answered by genuine kernels in an emulator in your browser.",
    start_url: './',
    scope: './',
    display: 'standalone',
    background_color: '#111418',
    theme_color: '#111418',
    icons: [{ src: 'icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
  },
  workbox: {
    globPatterns: OFFLINE_PRECACHE,
    // v86's wasm is 2.1 MB; a 2.4 saved machine up to 2 MB.
    maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
    // A share link (the call in the query) opens offline too.
    navigateFallback: 'index.html',
    // Query strings are the lab's own links; the files themselves never vary by them.
    ignoreURLParametersMatching: [/.*/],
    runtimeCaching: [
      {
        urlPattern: ({ url }) => /\/(kernels|snapshots)\/[^/]+$/.test(url.pathname),
        handler: 'CacheFirst',
        options: { cacheName: 'modlab-kernels', expiration: { maxEntries: 32 } },
      },
    ],
  },
});

export default defineConfig({
  root: 'web',
  base: './',
  // v86 patched as it is read; then the two plugins that put kernels and saved machines in the site: the service worker lists what they emit.
  plugins: [v86Patches(), kernelImages(), shippedSnapshots(), startPreloadsPlugin(), offline],
  // The dev server would otherwise pre-bundle v86 with esbuild, past the patch plugin.
  optimizeDeps: { exclude: ['v86'] },
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    rollupOptions: { output: { manualChunks: chunkOf, assetFileNames } },
  },
  server: { port: 5173, fs: { allow: ['..'] } },
  preview: { port: 4173, headers: { ...HOSTING_HEADERS } },
});
