/** The Node target: the harness core with assets from the file system and snapshots in the cache folder. */
import { boot as bootCore, type BootOptions, type Machine } from '../harness/machine/machine.ts';
import { SnapshotCache } from '../harness/machine/snapshot.ts';
import { NodeAssets } from './assets.ts';
import { FileSnapshotStore } from './snapshot-store.ts';
import { markOneTimeRun } from './cached-script.ts';
import { DEFAULT_KERNEL } from '../kernel-images/manifest.ts';

let sharedAssets: NodeAssets | null = null;
let sharedStore: FileSnapshotStore | null = null;
let sharedSnapshots: SnapshotCache | null = null;

/** One snapshot cache per process; MODLAB_NO_SNAPSHOTS=1 makes every machine boot. */
export function defaultSnapshots(): SnapshotCache | null {
  if (process.env.MODLAB_NO_SNAPSHOTS === '1') return null;
  sharedStore ??= new FileSnapshotStore();
  sharedSnapshots ??= new SnapshotCache(sharedStore, (message) => process.stderr.write(`modlab: ${message}\n`));
  return sharedSnapshots;
}

/** Boots a machine with assets resolved from the cache, the mirror or the pinned download. */
export function boot(options: Omit<BootOptions, 'assets'> & { assets?: BootOptions['assets'] } = {}): Promise<Machine> {
  sharedAssets ??= new NodeAssets();
  const snapshots = options.snapshots === undefined ? defaultSnapshots() : options.snapshots;
  // With a snapshot of this kernel on disk (any one-shot call after the first), its v86 is set up while the
  // snapshot's key is worked out and the file read (~0.1 s of the main thread that would otherwise follow them).
  const kernel = options.kernel ?? DEFAULT_KERNEL;
  const expectSnapshot = options.expectSnapshot ?? (snapshots === sharedSnapshots && sharedStore !== null && typeof kernel === 'string' && sharedStore.holdsSomeFor(kernel));
  // A process that boots and saves a machine keeps no V8 code cache: the runs after it restore (cached-script.ts).
  const onEvent: BootOptions['onEvent'] = (event) => {
    if (event.type === 'ready' && event.saved) markOneTimeRun();
    options.onEvent?.(event);
  };
  return bootCore({ ...options, assets: options.assets ?? sharedAssets, snapshots, expectSnapshot, onEvent });
}

export type { Machine } from '../harness/machine/machine.ts';
