/** Where the built guest images live; shared by the build script and the Node target. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GUEST_DIR = dirname(fileURLToPath(import.meta.url));
export const IMAGES_DIR = join(GUEST_DIR, 'images');
export { INITRAMFS_61, INITRD_24 } from './image-names.ts';
