/**
 * What a boot needs, and the interface each target (Node, browser) implements
 * to supply it. The core never touches files or URLs itself.
 */
import type { KernelId, KernelImage } from '../kernel-images/manifest.ts';

export interface BootAssets {
  kernel: KernelImage;
  /** A bzImage v86 can boot (length a multiple of 4). */
  bzimage: Uint8Array;
  /** The initial root file system with the agent as init. */
  initrd: Uint8Array;
  bios: Uint8Array;
  /** Only for booting without the no-vga-bios tuning (the benchmark does, to measure it). */
  vgaBios?: Uint8Array;
  /** Where v86 finds its wasm: a file path in Node, a URL in the browser. */
  wasmPath: string;
}

export interface AssetProvider {
  load(kernel: KernelId): Promise<BootAssets>;
}

/** v86 wants ArrayBuffers of exactly the image's length. */
export function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}

/**
 * Wraps a loader so that each kernel's assets are fetched once per page or
 * process; a failed load is forgotten so the next boot tries again.
 */
export function onceEach(load: (kernel: KernelId) => Promise<BootAssets>): AssetProvider {
  const cache = new Map<KernelId, Promise<BootAssets>>();
  return {
    load(kernel) {
      let p = cache.get(kernel);
      if (!p) {
        p = load(kernel);
        p.catch(() => cache.delete(kernel));
        cache.set(kernel, p);
      }
      return p;
    },
  };
}
