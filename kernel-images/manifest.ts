/**
 * The guest kernels the lab can boot: genuine upstream binaries, never
 * committed, identified here by sha256 and a pinned upstream location.
 * Environment-free: the browser build imports this file too.
 *
 * The facts below come from the mirror's README (shared/kernel-images) and
 * were checked against the files there.
 */

export type KernelId = '2.4.18' | '2.4.20' | '2.4.27' | '2.6.17' | '6.1';

/**
 * Display and iteration order: by version, so a matrix reads as history and
 * create_module disappears between 2.4.27 and 2.6.17 (the default is DEFAULT_KERNEL).
 */
export const KERNEL_IDS: readonly KernelId[] = ['2.4.18', '2.4.20', '2.4.27', '2.6.17', '6.1'];

export const DEFAULT_KERNEL: KernelId = '2.4.20';

/**
 * Where a file can be downloaded from, pinned so the bytes cannot change:
 * `url` first, then each of `fallbackUrls` in turn while none has given the
 * right bytes (every answer is checked against the sha256s, so a URL can fail
 * but cannot lie).
 */
export type FileSource =
  | { kind: 'raw'; url: string; fallbackUrls?: readonly string[] }
  /**
   * A Debian package; `member` is the path inside its data tarball; `deb` the
   * package's own size and sha256 (as Debian's Packages index gives them),
   * checked before the package is unpacked.
   */
  | { kind: 'deb'; url: string; fallbackUrls?: readonly string[]; member: string; deb: { size: number; sha256: string } };

/** Every URL a source may be downloaded from, in the order they are tried. */
export function sourceUrls(source: FileSource): readonly string[] {
  return [source.url, ...(source.fallbackUrls ?? [])];
}

/** One file of an image set, as stored in the mirror and the cache. */
export interface KernelFile {
  /** Relative to the mirror root and to the cache root, with '/' separators. */
  mirrorPath: string;
  sha256: string;
  source: FileSource;
}

export interface KernelImage {
  id: KernelId;
  /** As the kernel reports itself in its banner. */
  version: string;
  series: '2.4' | '2.6' | '6.1';
  /** Whether create_module(2) exists (it was removed in Linux 2.6). */
  hasCreateModule: boolean;
  /**
   * 'floppy': a boot floppy whose first part is the bzImage (cut it out by the
   * boot header); 'bzImage': the whole file is the kernel.
   */
  format: 'floppy' | 'bzImage';
  file: KernelFile;
  /** The initial root the kernel can use: an ext2 ram disk or an initramfs. */
  initrd: 'ext2' | 'cpio';
  /**
   * Kernel command-line words this image needs whenever an initrd is passed
   * separately (the harness always does).
   */
  initrdBootArgs: readonly string[];
  /** The build configuration, when upstream published it. */
  config?: KernelFile;
  /** Symbol addresses, for reading oopses and checking module symbol lookups. */
  systemMap?: KernelFile;
  notes: string;
}

function githubRaw(repo: string, commit: string, filePath: string): FileSource {
  return { kind: 'raw', url: `https://raw.githubusercontent.com/${repo}/${commit}/${filePath}` };
}

/**
 * Debian's linux-image-6.1.0-50-686 6.1.176-1 (i386). It is built from the
 * source package linux-signed-i386 6.1.176+1, so the pool keeps it under
 * l/linux-signed-i386/ (l/linux/ holds only the -unsigned package, hence the
 * 404 of the URL pinned before). Found offline on 2026-11-28: bookworm's i386
 * Packages index of release 12.15 (InRelease dated 2026-07-11 10:16:37 UTC,
 * still the current one on 2026-11-28) lists it with the size and sha256 in
 * `deb` below; deb.debian.org served it that day (HTTP 200, bytes matching),
 * and its vmlinuz and config match the sha256s of the files below; its files
 * carry the build date 2026-07-02 13:50:42 UTC and its .dsc was signed on
 * 2026-07-03 14:17:02 UTC. So the archive held it from 2026-07-11 10:16 UTC
 * until at least 2026-11-28: the snapshot archive's state at
 * 20260801T000000Z (three weeks in, room for missed snapshot runs) has it,
 * and snapshot.debian.org keeps what it took for good. /file/<sha1> names the
 * same bytes by content (sha1 of the package as downloaded). The pool URL,
 * last, lasts only until a point release drops this version.
 */
const DEBIAN_6_1_DEB_NAME = 'linux-image-6.1.0-50-686_6.1.176-1_i386.deb';
const DEBIAN_6_1_DEB = {
  url: `https://snapshot.debian.org/archive/debian/20260801T000000Z/pool/main/l/linux-signed-i386/${DEBIAN_6_1_DEB_NAME}`,
  fallbackUrls: [
    'https://snapshot.debian.org/file/5768914dd8780d7ba220b127683d1cb175fb565e',
    `https://deb.debian.org/debian/pool/main/l/linux-signed-i386/${DEBIAN_6_1_DEB_NAME}`,
  ],
  deb: { size: 51_921_880, sha256: '526c469c5148a2b61c4241c3f6575427096575e0ffef9541b6729351c600b3e4' },
} as const;

function debian61(member: string): FileSource {
  return { kind: 'deb', ...DEBIAN_6_1_DEB, member };
}

const COPY_IMAGES = ['copy/images', '7b438d488cf48136dea57825208c7e2b513fe263'] as const;
const OSDESIGN = ['ad1014/OSDesignSched', 'b05e5bf147ce336f25d9aa51dc5c59dbe2d9f84f'] as const;
const RH_2_4_18 = ['tamuz-o/linux-2.4.18-14custom', 'd40898c9687cb3a8aecdf75ec2afe7495d26872d'] as const;
const ISDN_2_6_17 = ['nhickman/isdn', '8e81de5ef11fc6523323d8c175eb9e27d2336932'] as const;

export const KERNELS: readonly KernelImage[] = [
  {
    id: '2.4.18',
    version: '2.4.18-14custom',
    series: '2.4',
    hasCreateModule: true,
    // Its header's syssize does not match the file, so the whole file is used.
    format: 'bzImage',
    file: {
      mirrorPath: 'linux-2.4.18-14/bzImage',
      sha256: 'f66c89571b9f1ef17be4ba9d47b487af3353e81d1695f5b8854cd26b7b1aca0e',
      source: githubRaw(...RH_2_4_18, 'arch/i386/boot/bzImage'),
    },
    initrd: 'ext2',
    initrdBootArgs: [],
    config: {
      mirrorPath: 'linux-2.4.18-14/config',
      sha256: '20eddd096fc4be4a1721bd35a1ae078693840dda9a83cf701a7bde79154a1016',
      source: githubRaw(...RH_2_4_18, '.config'),
    },
    systemMap: {
      mirrorPath: 'linux-2.4.18-14/System.map',
      sha256: '5c69bc045f25be5646d952413283422e7779adf9a6bd3a0c601e4d646e3af7ad',
      source: githubRaw(...RH_2_4_18, 'System.map'),
    },
    notes:
      'The Red Hat Linux 8.0 kernel (gcc 3.2) as built for a university course VM. ' +
      'MODVERSIONS, KMOD, serial console, initrd, ext2 built in; M686 + HIGHMEM4G.',
  },
  {
    id: '2.4.20',
    version: '2.4.20 (Boot Everywhere Linux)',
    series: '2.4',
    hasCreateModule: true,
    format: 'floppy',
    file: {
      mirrorPath: 'linux-2.4.20-bel/linux.img',
      sha256: 'f67a9ad11b5dae4937b2dee71e2f379c70112ed532cb941109c4eef70a94fdd7',
      source: githubRaw(...COPY_IMAGES, 'linux.img'),
    },
    initrd: 'ext2',
    // The header's ram-disk word points at the floppy's own root (block 683).
    initrdBootArgs: ['ramdisk_start=0'],
    notes:
      "The v86 author's Linux demo floppy (gcc 2.95.4): the bzImage is its first part, a gzipped ext2 BusyBox root follows at block 683. " +
      'MODVERSIONS, serial console, initrd; ext2/ext3/vfat/msdos/iso9660/reiserfs/ramfs/tmpfs built in, no minix/romfs/cramfs.',
  },
  {
    id: '2.4.27',
    version: '2.4.27-rudefault',
    series: '2.4',
    hasCreateModule: true,
    format: 'bzImage',
    file: {
      mirrorPath: 'linux-2.4.27/bzImage',
      sha256: 'c9bb5dd5914a076e48b520ee1a9e423ad99686d92ba247590c162faa997278ad',
      source: githubRaw(...OSDESIGN, 'arch/i386/boot/bzImage'),
    },
    initrd: 'ext2',
    initrdBootArgs: [],
    config: {
      mirrorPath: 'linux-2.4.27/config',
      sha256: '6ac833c924195e69c113f30d43a4616f88769200c764f3582c2bcad01af2ff56',
      source: githubRaw(...OSDESIGN, '.config'),
    },
    systemMap: {
      mirrorPath: 'linux-2.4.27/System.map',
      sha256: '54f22db1e221a7509575e552120b3236a51e1f8d2c587161d193377fd40f3ad7',
      source: githubRaw(...OSDESIGN, 'System.map'),
    },
    notes:
      'A clean 2.4.27 tree with a Debian-style config (gcc 3.3.5); a course assignment added an unused runqueue and a task_struct field, ' +
      'kernel/module.c and mm/vmalloc.c untouched. MODVERSIONS, KMOD, serial console, initrd; ext2/ext3/cramfs built in.',
  },
  {
    id: '2.6.17',
    version: '2.6.17.14-rtr',
    series: '2.6',
    hasCreateModule: false,
    format: 'bzImage',
    file: {
      mirrorPath: 'linux-2.6.17.14/vmlinuz',
      sha256: '0557918bec653f527bfd079799ee8c843f1dabbdf67c86488e5ef490869d32d7',
      source: githubRaw(...ISDN_2_6_17, 'boot/vmlinuz'),
    },
    // 2.6 unpacks a cpio initramfs itself: the same agent image as 6.1's.
    initrd: 'cpio',
    initrdBootArgs: [],
    config: {
      mirrorPath: 'linux-2.6.17.14/config',
      sha256: 'fed3dcb547967ec53ae8ca52582799809ecdd019f833f6618adbaf7958d1eeb5',
      source: githubRaw(...ISDN_2_6_17, 'boot/Config-2.6.17.14'),
    },
    systemMap: {
      mirrorPath: 'linux-2.6.17.14/System.map',
      sha256: '81fddbc3334eca18f3a8b28c676f79557e69f08780a14c49c4f13352c8a89837',
      source: githubRaw(...ISDN_2_6_17, 'boot/System.map'),
    },
    notes:
      'An early 2.6 kernel (gcc 4.3.3), the first series without create_module: no sys_create_module or sys_query_module in its System.map, ' +
      'so the call gets ENOSYS at the boundary the man page draws. MODULES and MODULE_UNLOAD, no MODVERSIONS; serial console, initrd, ext2/ext3 built in.',
  },
  {
    id: '6.1',
    version: '6.1.0-50-686 (Debian 6.1.176-1)',
    series: '6.1',
    hasCreateModule: false,
    format: 'bzImage',
    file: {
      mirrorPath: 'linux-6.1/vmlinuz',
      sha256: 'c77cd9c37609b8b1b1cdfbb91b644a44d606d3d75da8656a0c79635be0b89c21',
      source: debian61('./boot/vmlinuz-6.1.0-50-686'),
    },
    initrd: 'cpio',
    initrdBootArgs: [],
    config: {
      mirrorPath: 'linux-6.1/config',
      sha256: '7189ae084d9cd102c06908d5cc76ecb763bc57e0425a70df68ce93240297e7c0',
      source: debian61('./boot/config-6.1.0-50-686'),
    },
    notes:
      'A current kernel, where create_module no longer exists (calls get ENOSYS). ' +
      'Boots from a newc cpio initramfs, not an ext2 initrd; about 12 s to boot in v86 with default options.',
  },
];

/** Looks an id up without trusting it (it may come from a command line or URL). */
export function findKernel(id: string): KernelImage | undefined {
  return KERNELS.find((kernel) => kernel.id === id);
}

export function isKernelId(s: string): s is KernelId {
  return (KERNEL_IDS as readonly string[]).includes(s);
}
