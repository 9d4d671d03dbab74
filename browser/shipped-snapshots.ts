/**
 * The saved machines a built site ships (web/snapshots-plugin.ts writes them,
 * the page's ShippedSnapshotStore reads them): where they live in the site,
 * the index that lists them, and what the page says when none fits. Pure: no
 * DOM, no Node, so the build plugin and the page share one definition.
 */

/** The folder of the site that holds them. */
export const SHIPPED_DIR = 'snapshots';
/** The index: which keys the site has, for which kernel, how big. */
export const SHIPPED_INDEX = `${SHIPPED_DIR}/index.json`;

export function shippedFile(key: string): string {
  return `${SHIPPED_DIR}/${key}.snap`;
}

export interface ShippedEntry {
  /** The manifest kernel it was booted from. */
  kernel: string;
  bytes: number;
  /** How long its boot took when the site was built (in Node). */
  bootMs: number;
}

export interface ShippedIndex {
  format: 1;
  snapshots: Record<string, ShippedEntry>;
}

/** A key is safe to put in a path of the site when it has no separators (snapshotKey makes such keys). */
const KEY = /^[A-Za-z0-9._+-]+$/;

function isEntry(v: unknown): v is ShippedEntry {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r['kernel'] === 'string' && typeof r['bytes'] === 'number' && typeof r['bootMs'] === 'number';
}

export type IndexRead = { ok: true; index: ShippedIndex } | { ok: false; problem: string };

/** Reads the index's text; anything else (the dev server's page, an old format) is a reason to boot, said why. */
export function parseShippedIndex(text: string): IndexRead {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'the site has no index of saved machines' };
  }
  if (typeof v !== 'object' || v === null) return { ok: false, problem: 'the index of saved machines is not an object' };
  const r = v as Record<string, unknown>;
  if (r['format'] !== 1) return { ok: false, problem: `the index of saved machines is in an unknown format (${JSON.stringify(r['format'])})` };
  const list = r['snapshots'];
  if (typeof list !== 'object' || list === null) return { ok: false, problem: 'the index of saved machines lists none' };
  const snapshots: Record<string, ShippedEntry> = {};
  // Entries with an unusable key or shape are skipped, not fatal: the others still restore.
  for (const [key, entry] of Object.entries(list)) if (KEY.test(key) && isEntry(entry)) snapshots[key] = entry;
  return { ok: true, index: { format: 1, snapshots } };
}

/** The kernel a key was made for: snapshotKey writes `<id>-<digest>`, the id with unsafe characters replaced. */
export function kernelOfKey(key: string): string {
  const dash = key.lastIndexOf('-');
  return dash > 0 ? key.slice(0, dash) : key;
}

/**
 * The one sentence the page says when it must boot a kernel although the site
 * ships saved machines: for another build of the same kernel (other kernel
 * bytes, another v86) it names how long the site's build took to boot it.
 */
export function noShippedText(key: string, index: ShippedIndex | null): string {
  const kernel = kernelOfKey(key);
  const sibling = index ? Object.values(index.snapshots).find((e) => e.kernel === kernel) : undefined;
  if (!sibling) return `no saved machine shipped for this kernel (${kernel}): booting it`;
  const seconds = Math.max(0.1, sibling.bootMs / 1000).toFixed(1);
  return `no saved machine shipped for this kernel (${kernel}) matches it (other kernel bytes, initrd or v86): booting it (about ${seconds} s in Node; longer in a browser)`;
}
