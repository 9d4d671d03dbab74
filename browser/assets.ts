/**
 * Browser target for boot assets: everything is fetched from the page's own
 * origin (the build copies it there), only when a machine boots (a restore
 * needs only v86's wasm), and the kernel is checked against its sha256 before
 * it boots.
 */
import { bootableKernel } from '../kernel-images/bzimage.ts';
import { findKernel, type KernelId } from '../kernel-images/manifest.ts';
import { sha256Hex } from '../kernel-images/sha256.ts';
import { describeMachine, guestImageName, onceEach, verifyGuestFiles, type AssetProvider, type BootAssets, type KernelSource, type MachineAssets } from '../harness/machine/assets.ts';
import { INITRAMFS_61 } from '../harness/machine/guest-images.ts';
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
  private readonly described = onceEach((source) => Promise.resolve(this.describeNow(source)));
  private readonly loader = onceEach((source) => this.loadNow(source));

  constructor(private readonly urls: BrowserAssetUrls) {}

  describe(source: KernelSource): Promise<MachineAssets> {
    return this.described.load(source);
  }

  load(source: KernelSource): Promise<BootAssets> {
    return this.loader.load(source);
  }

  /** Fetches nothing but v86's wasm (a restore needs it too): the files' pins are in the code. */
  private describeNow(source: KernelSource): MachineAssets {
    return describeMachine(source, this.urls.wasm, browserV86Wasm(this.urls.wasm));
  }

  private async loadNow(source: KernelSource): Promise<BootAssets> {
    const machine = await this.describe(source);
    const initrdName = guestImageName(machine.kernel);
    const [bzimage, initrd, bios] = await Promise.all([
      typeof source === 'string' ? this.manifestKernel(source) : Promise.resolve(source.bzimage),
      fetchBytes(initrdName === INITRAMFS_61 ? this.urls.initramfs61 : this.urls.initrd24, 'the initrd'),
      fetchBytes(this.urls.bios, 'the BIOS'),
    ]);
    await verifyGuestFiles(machine.kernel.id, machine.pins, initrdName, initrd, bios);
    return { ...machine, bzimage, initrd, bios, unxz: browserUnxz };
  }

  /** A manifest kernel from the site, checked against its sha256 before it boots. A user's kernel is read and cut already. */
  private async manifestKernel(id: KernelId): Promise<Uint8Array> {
    const kernel = findKernel(id);
    if (!kernel) throw new Error(`unknown kernel ${id}`);
    const raw = await fetchBytes(this.urls.kernel(id), `the ${id} kernel image`);
    const hash = await sha256Hex(raw);
    if (hash !== kernel.file.sha256) {
      throw new Error(`the ${id} kernel image is corrupt (sha256 ${hash}, expected ${kernel.file.sha256}); rebuild the site from a verified cache`);
    }
    return bootableKernel(raw, kernel.format, id);
  }
}
