/**
 * The guest's sources that need no toolchain: protocol.h, generated from
 * protocol.ts, is up to date, and the cpio writer's archive layout. (The
 * rebuild with gcc is in test/build/.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { protocolHeader } from '../../guest/build.ts';
import { writeCpio } from '../../guest/cpio.ts';
import { GUEST_DIR } from '../../guest/paths.ts';

test('protocol.h is generated from protocol.ts and up to date', () => {
  assert.equal(readFileSync(join(GUEST_DIR, 'protocol.h'), 'utf8'), protocolHeader());
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
