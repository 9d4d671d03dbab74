/**
 * The links the build puts in the page's head so that the emulator's files
 * download while the lab's own code loads (web/start-preloads-plugin.ts):
 * which files of a bundle get one, and of what kind.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Rollup } from 'vite';
import { startPreloads } from '../../web/start-preloads-plugin.ts';

/** A bundle as Rollup hands it to the plugin, with only the fields the plugin reads. */
function bundle(items: Array<{ type: 'chunk'; fileName: string; name: string } | { type: 'asset'; fileName: string; names: string[] }>): Rollup.OutputBundle {
  return Object.fromEntries(items.map((i) => [i.fileName, i])) as unknown as Rollup.OutputBundle;
}

test("v86's chunks are module preloads and its wasm a fetch preload in CORS mode, all at low priority (the lab's own code first); no kernel, initrd or BIOS, which only a boot reads", () => {
  const tags = startPreloads(
    bundle([
      { type: 'chunk', fileName: 'assets/index-a.js', name: 'index' },
      { type: 'chunk', fileName: 'assets/machine-b.js', name: 'machine' },
      { type: 'chunk', fileName: 'assets/v86-c.js', name: 'v86' },
      { type: 'chunk', fileName: 'assets/codemirror-d.js', name: 'codemirror' },
      { type: 'asset', fileName: 'assets/v86-e.wasm', names: ['v86.wasm'] },
      { type: 'asset', fileName: 'assets/seabios-f.bin', names: ['seabios.bin'] },
      { type: 'asset', fileName: 'assets/initrd-2.4.ext2-g.gz.bin', names: ['initrd-2.4.ext2.gz'] },
      { type: 'asset', fileName: 'assets/initramfs-6.1.cpio-h.gz.bin', names: ['initramfs-6.1.cpio.gz'] },
      { type: 'asset', fileName: 'kernels/2.4.20.img', names: [] },
      { type: 'asset', fileName: 'kernels/6.1.img', names: [] },
    ]),
  );
  const links = tags.map((t) => ({ ...t.attrs }));
  assert.deepEqual(links, [
    { rel: 'modulepreload', href: 'assets/machine-b.js', crossorigin: '', fetchpriority: 'low' },
    { rel: 'modulepreload', href: 'assets/v86-c.js', crossorigin: '', fetchpriority: 'low' },
    { rel: 'preload', href: 'assets/v86-e.wasm', as: 'fetch', crossorigin: '', fetchpriority: 'low' },
  ]);
  assert.ok(tags.every((t) => t.tag === 'link' && t.injectTo === 'head'));
});

test('a build without the kernel images (no mirror) preloads the same', () => {
  const tags = startPreloads(bundle([{ type: 'asset', fileName: 'assets/v86-e.wasm', names: ['v86.wasm'] }]));
  assert.deepEqual(
    tags.map((t) => t.attrs?.['href']),
    ['assets/v86-e.wasm'],
  );
});

test("the lab's own code (main.ts and xterm.js), which the page's small entry imports, is a module preload at normal priority, ahead of v86's", () => {
  const tags = startPreloads(
    bundle([
      { type: 'chunk', fileName: 'assets/index-a.js', name: 'index' },
      { type: 'chunk', fileName: 'assets/v86-c.js', name: 'v86' },
      { type: 'chunk', fileName: 'assets/main-m.js', name: 'main' },
      { type: 'chunk', fileName: 'assets/xterm-x.js', name: 'xterm' },
    ]),
  );
  assert.deepEqual(
    tags.map((t) => ({ ...t.attrs })),
    [
      { rel: 'modulepreload', href: 'assets/main-m.js', crossorigin: '' },
      { rel: 'modulepreload', href: 'assets/xterm-x.js', crossorigin: '' },
      { rel: 'modulepreload', href: 'assets/v86-c.js', crossorigin: '', fetchpriority: 'low' },
    ],
  );
});
