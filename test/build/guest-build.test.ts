/**
 * The guest rebuilt from source with the machine's gcc (-m32) and the
 * e2fsprogs tools: the committed initrds must come out byte for byte. Slower
 * than a unit test and needs a toolchain, hence its own suite (npm run test:build).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { buildGuest } from '../../guest/build.ts';
import { IMAGES_DIR, INITRAMFS_61, INITRD_24 } from '../../guest/paths.ts';

test('a fresh build of the guest reproduces the committed initrds byte for byte', { timeout: 300_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'modlab-guest-test-'));
  try {
    const built = buildGuest(out);
    assert.deepEqual(built.initrd, readFileSync(join(IMAGES_DIR, INITRD_24)), `${INITRD_24} differs from a fresh build: run npm run build:guest and commit`);
    assert.deepEqual(built.initramfs, readFileSync(join(IMAGES_DIR, INITRAMFS_61)), `${INITRAMFS_61} differs from a fresh build`);
    // The ext2 image uses 128-byte inodes, which 2.4 needs (superblock at 1024, s_inode_size at offset 88).
    const fs = gunzipSync(built.initrd);
    assert.equal(fs.readUInt16LE(1024 + 56), 0xef53);
    assert.equal(fs.readUInt16LE(1024 + 88), 128);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
