/** The committed guest images, by file name (environment-free: the browser names them too). */
export const INITRD_24 = 'initrd-2.4.ext2.gz';
export const INITRAMFS_61 = 'initramfs-6.1.cpio.gz';
