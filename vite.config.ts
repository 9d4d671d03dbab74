import { defineConfig } from 'vite';
import { kernelImages } from './web/kernel-images-plugin.ts';

export default defineConfig({
  root: 'web',
  base: './',
  plugins: [kernelImages()],
  build: { outDir: '../dist', emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0 },
  server: { port: 5173, fs: { allow: ['..'] } },
  preview: { port: 4173 },
});
