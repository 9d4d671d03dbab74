/** The Node target: the harness core with assets from the file system. */
import { boot as bootCore, type BootOptions, type Machine } from '../machine.ts';
import { NodeAssets } from './assets.ts';

let shared: NodeAssets | null = null;

/** Boots a machine with assets resolved from the cache, the mirror or the pinned download. */
export function boot(options: Omit<BootOptions, 'assets'> & { assets?: BootOptions['assets'] } = {}): Promise<Machine> {
  shared ??= new NodeAssets();
  return bootCore({ ...options, assets: options.assets ?? shared });
}

export type { Machine } from '../machine.ts';
