/**
 * Browser target for boot assets: everything is fetched from the page's own
 * origin (the build copies it there), and the kernel is checked against its
 * sha256 before it boots.
 */
import { bootableKernel } from '../kernel-images/bzimage.ts';
import { findKernel, type KernelId } from '../kernel-images/manifest.ts';
import type { UserKernel } from '../kernel-images/user-kernel.ts';
import { sha256Hex } from '../kernel-images/sha256.ts';
import { onceEach, verifyGuestFiles, type AssetProvider, type BootAssets, type KernelSource } from '../harness/machine/assets.ts';
import { INITRAMFS_61, INITRD_24 } from '../harness/machine/guest-images.ts';
import { fetchBytes } from './fetch-bytes.ts';
import { browserV86Wasm } from './v86-wasm.ts';
import { browserUnxz } from './unxz.ts';

export interface BrowserAssetUrls {
  kernel: (id: KernelId) => string;
  initrd24: string;
  initramfs61: string;
  bios: string;
  wasm: string;
}


export class BrowserAssets implements AssetProvider {
  private readonly loader = onceEach((id) => this.loadNow(id));

  constructor(private readonly urls: BrowserAssetUrls) {}

  load(source: KernelSource): Promise<BootAssets> {
    return this.loader.load(source);
  }

  private async loadNow(source: KernelSource): Promise<BootAssets> {
    if (typeof source !== 'string') return this.loadUser(source);
    const id = source;
    const kernel = findKernel(id);
    if (!kernel) throw new Error(`unknown kernel ${id}`);
    // Compiled while the images are fetched and hashed.
    const v86Wasm = browserV86Wasm(this.urls.wasm);
    const [raw, initrd, bios] = await Promise.all([
      fetchBytes(this.urls.kernel(id), `the ${id} kernel image`),
      fetchBytes(kernel.initrd === 'cpio' ? this.urls.initramfs61 : this.urls.initrd24, 'the initrd'),
      fetchBytes(this.urls.bios, 'the BIOS'),
    ]);
    const hash = await sha256Hex(raw);
    if (hash !== kernel.file.sha256) {
      throw new Error(`the ${id} kernel image is corrupt (sha256 ${hash}, expected ${kernel.file.sha256}); rebuild the site from a verified cache`);
    }
    await verifyGuestFiles(id, kernel.initrd === 'cpio' ? INITRAMFS_61 : INITRD_24, initrd, bios);
    return { kernel, bzimage: bootableKernel(raw, kernel.format, id), initrd, bios, wasmPath: this.urls.wasm, v86Wasm, unxz: browserUnxz };
  }

  /** A user's kernel (opened or dropped on the page): read and cut already; the initrd and BIOS come from the site. */
  private async loadUser(kernel: UserKernel): Promise<BootAssets> {
    const v86Wasm = browserV86Wasm(this.urls.wasm);
    const [initrd, bios] = await Promise.all([
      fetchBytes(kernel.initrd === 'cpio' ? this.urls.initramfs61 : this.urls.initrd24, 'the initrd'),
      fetchBytes(this.urls.bios, 'the BIOS'),
    ]);
    await verifyGuestFiles(kernel.id, kernel.initrd === 'cpio' ? INITRAMFS_61 : INITRD_24, initrd, bios);
    return { kernel, bzimage: kernel.bzimage, initrd, bios, wasmPath: this.urls.wasm, v86Wasm, unxz: browserUnxz };
  }
}
