import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { buildGuest, protocolHeader } from '../../guest/build.ts';
import { writeCpio } from '../../guest/cpio.ts';
import { GUEST_DIR, IMAGES_DIR, INITRAMFS_61, INITRD_24 } from '../../guest/paths.ts';

test('protocol.h is generated from protocol.ts and up to date', () => {
  assert.equal(readFileSync(join(GUEST_DIR, 'protocol.h'), 'utf8'), protocolHeader());
});

test('a fresh build of the guest reproduces the committed initrds byte for byte', () => {
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

test('cpio newc: headers, names and 4-byte alignment', () => {
  const data = new Uint8Array([1, 2, 3, 4, 5]);
  const a = writeCpio([{ path: 'sbin', type: 'dir', mode: 0o755 }, { path: 'sbin/init', type: 'file', mode: 0o755, data }]);
  const text = new TextDecoder('latin1').decode(a);
  assert.equal(text.startsWith('070701'), true);
  assert.equal(a.length % 4, 0);
  assert.match(text, /sbin\/init\0/);
  assert.match(text, /TRAILER!!!\0/);
  const fileHeader = text.indexOf('070701', 6);
  assert.equal(text.slice(fileHeader + 6 + 8, fileHeader + 6 + 16), '000081ed'); // regular file, 0755
  assert.equal(parseInt(text.slice(fileHeader + 6 + 48, fileHeader + 6 + 56), 16), 5); // filesize
});
