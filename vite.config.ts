import { defineConfig } from 'vite';
import { kernelImages } from './web/kernel-images-plugin.ts';
import { shippedSnapshots } from './web/snapshots-plugin.ts';

/**
 * The policy web/index.html's <meta> carries, directive for directive (an
 * e2e test compares them). A <meta> policy cannot say frame-ancestors, so the
 * header adds it: no other site may frame the lab and drive its form.
 */
export const PAGE_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none'";

/** What a host of the built site should send (README, "Hosting"); `npm start` sends them. */
export const HOSTING_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': `${PAGE_CSP}; frame-ancestors 'none'`,
  // For browsers that predate frame-ancestors.
  'X-Frame-Options': 'DENY',
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

export default defineConfig({
  root: 'web',
  base: './',
  plugins: [kernelImages(), shippedSnapshots()],
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
