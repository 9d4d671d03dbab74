/** The Node target: the harness core with assets from the file system and snapshots in the cache folder. */
import { boot as bootCore, type BootOptions, type Machine } from '../harness/machine/machine.ts';
import { SnapshotCache } from '../harness/machine/snapshot.ts';
import { NodeAssets } from './assets.ts';
import { FileSnapshotStore } from './snapshot-store.ts';

let sharedAssets: NodeAssets | null = null;
let sharedSnapshots: SnapshotCache | null = null;

/** One snapshot cache per process; MODLAB_NO_SNAPSHOTS=1 makes every machine boot. */
export function defaultSnapshots(): SnapshotCache | null {
  if (process.env.MODLAB_NO_SNAPSHOTS === '1') return null;
  sharedSnapshots ??= new SnapshotCache(new FileSnapshotStore(), (message) => process.stderr.write(`modlab: ${message}\n`));
  return sharedSnapshots;
}

/** Boots a machine with assets resolved from the cache, the mirror or the pinned download. */
export function boot(options: Omit<BootOptions, 'assets'> & { assets?: BootOptions['assets'] } = {}): Promise<Machine> {
  sharedAssets ??= new NodeAssets();
  const snapshots = options.snapshots === undefined ? defaultSnapshots() : options.snapshots;
  return bootCore({ ...options, assets: options.assets ?? sharedAssets, snapshots });
}

export type { Machine } from '../harness/machine/machine.ts';
