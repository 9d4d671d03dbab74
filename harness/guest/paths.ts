/** Where the built guest images live; shared by the build script and the Node target. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GUEST_DIR = dirname(fileURLToPath(import.meta.url));
export const IMAGES_DIR = join(GUEST_DIR, 'images');
export const INITRD_24 = 'initrd-2.4.ext2.gz';
export const INITRAMFS_61 = 'initramfs-6.1.cpio.gz';
