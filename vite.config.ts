import { defineConfig } from 'vite';
import { kernelImages } from './web/kernel-images-plugin.ts';

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

export default defineConfig({
  root: 'web',
  base: './',
  plugins: [kernelImages()],
  build: { outDir: '../dist', emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0 },
  server: { port: 5173, fs: { allow: ['..'] } },
  preview: { port: 4173, headers: { ...HOSTING_HEADERS } },
});
