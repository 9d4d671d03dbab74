/**
 * Builds the guest side: protocol.h from harness/protocol.ts, linux.h from
 * harness/calls/linux-i386.ts, the agent with the machine's gcc, and the two
 * initial root file systems the kernels boot:
 *   images/initrd-2.4.ext2.gz    gzipped ext2 (128-byte inodes, no features) for 2.4
 *   images/initramfs-6.1.cpio.gz gzipped newc cpio for 6.1
 * Every output is reproducible (fixed times, uuid, hash seed, gzip header), so
 * the committed images can be checked against a fresh build.
 *
 * Usage: node --import tsx guest/build.ts [OUTDIR]   (default: guest/images)
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { CHAR_DEVICES, ERRNO, ERRNO_NAMES, MAX_ERRNO, MODULE_LAYOUTS, QUERY_WHICH, SYSCALLS } from '../harness/calls/linux-i386.ts';
import { cHeaderConstants, cHeaderStrings } from '../harness/protocol.ts';
import { writeCpio } from './cpio.ts';
import { writeGeneratedHeaders } from './generated-headers.ts';
import { CHECKSUMS_FILE, GUEST_DIR, IMAGES_DIR, INITRAMFS_61, INITRD_24 } from './paths.ts';


const FIXED_UUID = '6d6f646c-6162-4000-8000-000000000001';
/** /dev/mem (1:1), through which the agent maps the bulk window (protocol.ts); the ttyS nodes are made at start-up on ext2, listed in CHAR_DEVICES on cpio. */
const MEM_DEVICE = { path: 'dev/mem', major: 1, minor: 1 } as const;

export function protocolHeader(): string {
  const lines = [
    '/* Generated from harness/protocol.ts by guest/build.ts: do not edit. */',
    '#ifndef MODLAB_PROTOCOL_H',
    '#define MODLAB_PROTOCOL_H',
    ...cHeaderConstants().map(([name, value]) => `#define ${name} ${value >>> 0}u`),
    ...cHeaderStrings().map(([name, value]) => `#define ${name} ${JSON.stringify(value)}`),
    '#endif',
    '',
  ];
  return lines.join('\n');
}

/** The 16-bit dev_t that 2.4's mknod takes (later kernels read small numbers the same way). */
function oldDev([major, minor]: readonly [number, number]): number {
  return (major << 8) | minor;
}

export function linuxHeader(): string {
  const names = ERRNO_NAMES.map((name) => (name ? `"${name}"` : '0'));
  const rows: string[] = [];
  for (let i = 0; i < names.length; i += 10) rows.push(`\t${names.slice(i, i + 10).join(', ')},`);
  const lines = [
    '/* Generated from harness/calls/linux-i386.ts by guest/build.ts: do not edit. */',
    '#ifndef MODLAB_LINUX_H',
    '#define MODLAB_LINUX_H',
    ...Object.entries(SYSCALLS)
      .sort(([, a], [, b]) => a - b)
      .map(([name, n]) => `#define SYS_${name} ${n}`),
    ...Object.entries(ERRNO).map(([name, n]) => `#define ${name} ${n}`),
    `#define MAX_ERRNO ${MAX_ERRNO}`,
    ...Object.entries(QUERY_WHICH).map(([name, n]) => `#define ${name} ${n}`),
    ...Object.entries(MODULE_LAYOUTS).map(([name, n]) => `#define ${name} ${n}`),
    ...Object.entries(CHAR_DEVICES).map(([name, dev]) => `#define DEV_${name.toUpperCase()} 0x${oldDev(dev).toString(16).padStart(4, '0')} /* ${dev.join(':')} */`),
    '/* errno names by number, 0 where a number has none. */',
    'static const char *const errno_names[] = {',
    ...rows,
    '};',
    '#endif',
    '',
  ];
  return lines.join('\n');
}

function need(tool: string, hint: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${tool} is not installed; ${hint}`);
  }
}

export function buildAgent(outFile: string): Uint8Array {
  need('gcc', 'install gcc and gcc-multilib (apt-get install gcc-multilib)');
  execFileSync(
    'gcc',
    [
      '-m32', '-march=i386', '-Os', '-std=gnu11', '-Wall', '-Wextra', '-Werror',
      '-ffreestanding', '-nostdlib', '-static', '-fno-pic', '-no-pie',
      '-fno-stack-protector', '-fcf-protection=none', '-fno-asynchronous-unwind-tables',
      '-fno-builtin', '-Wl,--build-id=none', '-Wl,-z,noseparate-code', '-Wl,-e,_start',
      '-o', outFile, ...['agent.c', 'exec.c', 'link.c', 'runtime.c'].map((f) => join(GUEST_DIR, f)),
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  return readFileSync(outFile);
}

/** The modules the agent can link and load (guest/modules), as i386 relocatable objects. */
export const MODULES = ['hello', 'hello_user', 'hello_fail'] as const;

export function buildModule(name: (typeof MODULES)[number], outFile: string): Uint8Array {
  execFileSync(
    'gcc',
    [
      '-m32', '-march=i386', '-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror',
      '-ffreestanding', '-fno-pic', '-fno-common', '-fno-stack-protector', '-fcf-protection=none',
      '-fno-asynchronous-unwind-tables', '-fno-builtin', '-c', '-o', outFile, join(GUEST_DIR, 'modules', `${name}.c`),
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  return readFileSync(outFile);
}

function ext2Initrd(agent: Uint8Array, work: string): Uint8Array {
  need('mke2fs', 'install e2fsprogs (apt-get install e2fsprogs)');
  const root = join(work, 'root');
  for (const d of ['dev', 'proc', 'sbin', 'modules']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'sbin/init'), agent);
  chmodSync(join(root, 'sbin/init'), 0o755);
  for (const m of MODULES) {
    buildModule(m, join(root, 'modules', `${m}.o`));
    utimesSync(join(root, 'modules', `${m}.o`), 0, 0);
  }
  for (const p of ['sbin/init', 'dev', 'proc', 'sbin', 'modules', '.']) utimesSync(join(root, p), 0, 0);
  const img = join(work, 'initrd.ext2');
  execFileSync(
    'mke2fs',
    [
      '-q', '-F', '-t', 'ext2', '-O', 'none', '-I', '128', '-b', '1024', '-N', '64', '-m', '0',
      '-U', FIXED_UUID, '-E', `hash_seed=${FIXED_UUID},root_owner=0:0`, '-L', 'modlab',
      '-d', root, img, '128',
    ],
    // E2FSPROGS_FAKE_TIME pins the file system's own timestamps.
    { env: { ...process.env, E2FSPROGS_FAKE_TIME: '1', SOURCE_DATE_EPOCH: '1' }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  // mke2fs -d copies each source file's ctime, which cannot be set from user space: zero it here.
  const script = join(work, 'debugfs.cmd');
  const paths = ['/', '/dev', '/proc', '/sbin', '/sbin/init', '/modules', ...MODULES.map((m) => `/modules/${m}.o`), '/lost+found'];
  // A device node needs no root privileges this way; its mode and times are pinned like the rest.
  // (debugfs's mknod takes a name in its working directory: a path would become the name.)
  // /dev/console too: the kernel opens it for init before init runs, and says
  // "Warning: unable to open an initial console." on every boot without it.
  const nodes = [MEM_DEVICE, { path: 'dev/console', major: CHAR_DEVICES.console[0], minor: CHAR_DEVICES.console[1] }];
  const devNodes = [
    'cd /dev',
    ...nodes.map((n) => `mknod ${n.path.slice('dev/'.length)} c ${n.major} ${n.minor}`),
    'cd /',
    ...nodes.flatMap((n) => [`set_inode_field /${n.path} mode 020600`, ...['atime', 'mtime', 'ctime'].map((f) => `set_inode_field /${n.path} ${f} 0`)]),
    'set_inode_field /dev mtime 0',
  ];
  writeFileSync(script, [...devNodes, ...paths.map((p) => `set_inode_field ${p} ctime 0`)].map((l) => `${l}\n`).join(''));
  execFileSync('debugfs', ['-w', '-f', script, img], { env: { ...process.env, E2FSPROGS_FAKE_TIME: '1' }, stdio: 'ignore' });
  return gzipSync(readFileSync(img), { level: 9 });
}

/**
 * The same modules go on the initramfs too: a 2.6+ kernel cannot load them,
 * but the agent can lay them out, so the life cycle reaches the kernel's
 * own answer to create_module (ENOSYS) instead of failing on a missing file.
 */
function cpioInitramfs(agent: Uint8Array, work: string): Uint8Array {
  const cpio = writeCpio([
    { path: 'dev', type: 'dir', mode: 0o755 },
    ...Object.entries(CHAR_DEVICES).map(([name, [major, minor]]) => ({ path: `dev/${name}`, type: 'char' as const, mode: 0o600, major, minor })),
    { ...MEM_DEVICE, type: 'char', mode: 0o600 },
    { path: 'modules', type: 'dir', mode: 0o755 },
    ...MODULES.map((m) => ({ path: `modules/${m}.o`, type: 'file' as const, mode: 0o644, data: buildModule(m, join(work, `${m}.o`)) })),
    { path: 'proc', type: 'dir', mode: 0o755 },
    { path: 'sbin', type: 'dir', mode: 0o755 },
    { path: 'sbin/init', type: 'file', mode: 0o755, data: agent },
  ]);
  return gzipSync(cpio, { level: 9 });
}

/**
 * The sha256 of each image as committed and of its content (a web server may
 * send the .gz decompressed), for the targets to check what they load.
 */
export function checksumModule(images: Record<string, Uint8Array>): string {
  const hash = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const lines = Object.entries(images).map(([name, bytes]) => `  '${name}': ['${hash(bytes)}', '${hash(gunzipSync(bytes))}'],`);
  return `// Generated by \`npm run build:guest\`: the sha256 of each committed image and of its decompressed content.\nexport const IMAGE_SHA256: Record<string, readonly [string, string]> = {\n${lines.join('\n')}\n};\n`;
}

export function buildGuest(outDir: string): { agent: Uint8Array; initrd: Uint8Array; initramfs: Uint8Array } {
  writeFileSync(join(GUEST_DIR, 'protocol.h'), protocolHeader());
  writeFileSync(join(GUEST_DIR, 'linux.h'), linuxHeader());
  writeGeneratedHeaders();
  const work = mkdtempSync(join(tmpdir(), 'modlab-guest-'));
  try {
    const agent = buildAgent(join(work, 'agent'));
    const initrd = ext2Initrd(agent, work);
    const initramfs = cpioInitramfs(agent, work);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, INITRD_24), initrd);
    writeFileSync(join(outDir, INITRAMFS_61), initramfs);
    writeFileSync(CHECKSUMS_FILE, checksumModule({ [INITRD_24]: initrd, [INITRAMFS_61]: initramfs }));
    return { agent, initrd, initramfs };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? IMAGES_DIR);
  const { agent, initrd, initramfs } = buildGuest(out);
  console.log(`agent ${agent.length} B, ${INITRD_24} ${initrd.length} B, ${INITRAMFS_61} ${initramfs.length} B → ${out}`);
}
