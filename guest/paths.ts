/** Where the built guest images live; shared by the build script and the Node target. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GUEST_DIR = dirname(fileURLToPath(import.meta.url));
export const IMAGES_DIR = join(GUEST_DIR, 'images');
/** Written by the build, read by the core to check what the targets load. */
export const CHECKSUMS_FILE = join(GUEST_DIR, '../harness/machine/guest-image-sha256.ts');
export { INITRAMFS_61, INITRD_24 } from '../harness/machine/guest-images.ts';
