/** The committed guest images, by file name (environment-free: the browser names them too). */
export const INITRD_24 = 'initrd-2.4.ext2.gz';
/** Named for the kernel it was first built for; 2.6.17 boots the same image (the agent is static i386, the cpio newc). */
export const INITRAMFS_61 = 'initramfs-6.1.cpio.gz';
