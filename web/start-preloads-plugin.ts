/**
 * Vite plugin (build only): links in the page's head that start the
 * emulator's downloads while the lab's own code is still loading. Without
 * them v86's chunk and its WebAssembly are asked for only once the lab's
 * entry (and xterm.js, which it imports) has been fetched and run: on a first
 * visit that put ~0.5 s of idle network before the restore. The page's own
 * requests then take the preloaded responses. The default kernel's saved
 * machine is preloaded by web/snapshots-plugin.ts. The kernel, initrd and
 * BIOS are not: a restore reads none of them, and a boot fetches them then.
 */
import type { HtmlTagDescriptor, Plugin, Rollup } from 'vite';

/** The dynamically imported chunks the machine needs, by the names vite.config.ts's chunkOf and Rollup give them. */
const MACHINE_CHUNKS = ['machine', 'v86'];
/** The lab's own code, which the page's small entry (web/early-start.ts) imports once it has started the machine's downloads: wanted at once. */
const LAB_CHUNKS = ['main', 'xterm'];
/** The assets a restored machine fetches, by the name of their source file. */
const MACHINE_ASSETS = ['v86.wasm'];

function isChunk(item: Rollup.OutputBundle[string]): item is Rollup.OutputChunk {
  return item.type === 'chunk';
}

function isAsset(item: Rollup.OutputBundle[string]): item is Rollup.OutputAsset {
  return item.type === 'asset';
}

/** The head's links for what the bundle holds: module preloads for the chunks, fetch preloads (as fetch() asks: CORS mode) for the files. */
export function startPreloads(bundle: Rollup.OutputBundle): HtmlTagDescriptor[] {
  const items = Object.values(bundle);
  const chunks = items.filter(isChunk).filter((c) => MACHINE_CHUNKS.includes(c.name));
  const lab = items.filter(isChunk).filter((c) => LAB_CHUNKS.includes(c.name));
  const fetched = items.filter(isAsset).filter((a) => a.names.some((n) => MACHINE_ASSETS.includes(n))).map((a) => a.fileName);
  return [
    ...lab.map((c): HtmlTagDescriptor => ({ tag: 'link', attrs: { rel: 'modulepreload', href: c.fileName, crossorigin: '' }, injectTo: 'head' })),
    ...chunks.map((c): HtmlTagDescriptor => ({ tag: 'link', attrs: { rel: 'modulepreload', href: c.fileName, crossorigin: '', fetchpriority: 'low' }, injectTo: 'head' })),
    ...fetched.map((href): HtmlTagDescriptor => ({ tag: 'link', attrs: { rel: 'preload', href, as: 'fetch', crossorigin: '', fetchpriority: 'low' }, injectTo: 'head' })),
  ];
}

export function startPreloadsPlugin(): Plugin {
  return {
    name: 'modlab-start-preloads',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: (_html, ctx) => (ctx.bundle ? startPreloads(ctx.bundle) : []),
    },
  };
}
