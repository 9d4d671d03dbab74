/**
 * Vite plugin (runs in Node, build only): ships a saved machine for each
 * manifest kernel in the site, at snapshots/<key>.snap with a small index
 * (snapshots/index.json), so a first visit restores instead of booting.
 *
 * The snapshots are the Node target's own: each kernel's key is computed from
 * the same pins as the page's (the kernel, initrd and BIOS sha256s), the Node
 * cache (.cache/snapshots) is read first, and only a kernel whose key is not
 * there is booted once (which fills the cache, so the next build boots
 * nothing). The work starts with the build and runs beside Rollup's
 * bundling. A kernel that cannot be had (no mirror, no network) or does not
 * boot is left out, and the build says which in one line.
 */
import type { HtmlTagDescriptor, Logger, Plugin } from 'vite';
import { DEFAULT_KERNEL, KERNEL_IDS, type KernelId } from '../kernel-images/manifest.ts';
import { describeError } from '../harness/errors.ts';
import { decodeSnapshot, SnapshotCache, snapshotKey } from '../harness/machine/snapshot.ts';
import { ALL_TUNINGS } from '../harness/machine/v86-config.ts';
import { NodeAssets } from '../node/assets.ts';
import { boot } from '../node/boot.ts';
import { FileSnapshotStore } from '../node/snapshot-store.ts';
import { SHIPPED_DIR, SHIPPED_INDEX, shippedFile, type ShippedIndex } from '../browser/shipped-snapshots.ts';

/** One kernel's outcome: its snapshot's bytes, or why it is not shipped. */
type Made =
  | { kernel: KernelId; ok: true; key: string; bytes: Uint8Array; bootMs: number; booted: boolean }
  | { kernel: KernelId; ok: false; reason: string };

/** The snapshot for one kernel from the Node cache, booting the kernel once when the cache lacks it. */
async function makeOne(kernel: KernelId, assets: NodeAssets, store: FileSnapshotStore): Promise<Made> {
  let key: string;
  try {
    // Loaded, not only described: a kernel whose image the site cannot hold gets no snapshot either.
    key = await snapshotKey(await assets.load(kernel), ALL_TUNINGS);
  } catch (e) {
    // The kernel-images plugin prints the whole story (where it looked, what to set); one clause is enough here.
    return { kernel, ok: false, reason: firstClause(describeError(e)) };
  }
  // A cached file is checked as the page will check it; a bad one is rebuilt.
  const cached = await readVerified(store, key);
  if (cached) return { kernel, ok: true, key, bytes: cached.bytes, bootMs: cached.bootMs, booted: false };
  try {
    const machine = await boot({ kernel, assets, snapshots: new SnapshotCache(store) });
    await machine.close();
  } catch (e) {
    return { kernel, ok: false, reason: `it did not boot: ${firstClause(describeError(e))}` };
  }
  const made = await readVerified(store, key);
  if (!made) return { kernel, ok: false, reason: `its snapshot was not saved in ${store.location}` };
  return { kernel, ok: true, key, bytes: made.bytes, bootMs: made.bootMs, booted: true };
}

function firstClause(message: string): string {
  return message.split(/[:\n]/)[0]?.trim() || 'unknown error';
}

async function readVerified(store: FileSnapshotStore, key: string): Promise<{ bytes: Uint8Array; bootMs: number } | null> {
  try {
    const bytes = await store.read(key);
    if (!bytes) return null;
    const snapshot = await decodeSnapshot(bytes, key);
    return { bytes, bootMs: snapshot.bootMs };
  } catch {
    return null;
  }
}

/** Every manifest kernel in turn: two cores do not boot two kernels faster. */
async function makeAll(): Promise<Made[]> {
  const assets = new NodeAssets();
  const store = new FileSnapshotStore();
  const out: Made[] = [];
  for (const kernel of KERNEL_IDS) out.push(await makeOne(kernel, assets, store));
  return out;
}

export function shippedSnapshots(): Plugin {
  let building = false;
  let logger: Logger | null = null;
  let work: Promise<Made[]> | null = null;
  return {
    name: 'modlab-shipped-snapshots',
    configResolved(config) {
      building = config.command === 'build';
      logger = config.logger;
    },
    configureServer(server) {
      // The dev server ships none (it would boot in the page anyway): a plain 404, not the SPA's index.html.
      server.middlewares.use((req, res, next) => {
        if (!(req.url ?? '').startsWith(`/${SHIPPED_DIR}/`)) return next();
        res.statusCode = 404;
        res.end('no saved machines are shipped by the dev server');
      });
    },
    buildStart() {
      if (building) work ??= makeAll();
    },
    // The default kernel's saved machine is asked for by the page's head, not once the lab's code has run and read the index:
    // on a first visit it is the longest download, and the page's own fetch takes the preloaded response.
    transformIndexHtml: {
      order: 'post',
      async handler(): Promise<HtmlTagDescriptor[]> {
        const made = work ? await work : [];
        const own = made.find((m) => m.ok && m.kernel === DEFAULT_KERNEL);
        if (!own?.ok) return [];
        return [{ tag: 'link', attrs: { rel: 'preload', href: shippedFile(own.key), as: 'fetch', crossorigin: '', fetchpriority: 'low' }, injectTo: 'head' }];
      },
    },
    async generateBundle() {
      if (!work) return;
      const t0 = performance.now();
      const made = await work;
      const index: ShippedIndex = { format: 1, snapshots: {} };
      for (const m of made) {
        if (!m.ok) continue;
        this.emitFile({ type: 'asset', fileName: shippedFile(m.key), source: m.bytes });
        index.snapshots[m.key] = { kernel: m.kernel, bytes: m.bytes.length, bootMs: Math.round(m.bootMs) };
      }
      this.emitFile({ type: 'asset', fileName: SHIPPED_INDEX, source: JSON.stringify(index, null, 1) });
      const shipped = made.filter((m) => m.ok);
      const booted = shipped.filter((m) => m.booted).map((m) => m.kernel);
      const missing = made.flatMap((m) => (m.ok ? [] : [`${m.kernel} (${m.reason})`]));
      const waited = Math.round(performance.now() - t0);
      logger?.info(`saved machines shipped for ${shipped.map((m) => m.kernel).join(', ') || 'no kernel'}${booted.length ? ` (booted now: ${booted.join(', ')})` : ' (all from the snapshot cache)'}; the bundle waited ${waited} ms for them`);
      if (missing.length) logger?.warn(`no saved machine shipped for ${missing.join('; ')}: a first visit on those boots in the page`);
    },
  };
}
