/**
 * A writer for the "newc" cpio format that Linux unpacks as an initramfs.
 * Written here rather than calling cpio(1) so that the archive is byte-for-byte
 * reproducible: fixed inode numbers, owners and timestamps.
 */

export type CpioEntry =
  | { path: string; type: 'dir'; mode: number }
  | { path: string; type: 'file'; mode: number; data: Uint8Array }
  | { path: string; type: 'char'; mode: number; major: number; minor: number };

const TYPE_BITS = { dir: 0o040000, file: 0o100000, char: 0o020000 } as const;

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

function pad4(parts: Uint8Array[], length: number): number {
  const extra = (4 - (length % 4)) % 4;
  if (extra) parts.push(new Uint8Array(extra));
  return length + extra;
}

export function writeCpio(entries: readonly CpioEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let length = 0;
  const trailer: CpioEntry = { path: 'TRAILER!!!', type: 'dir', mode: 0 };
  [...entries, trailer].forEach((e, i) => {
    const data = e.type === 'file' ? e.data : new Uint8Array(0);
    const isTrailer = e === trailer;
    const name = enc.encode(`${e.path}\0`);
    const fields = [
      isTrailer ? 0 : i + 1, // inode
      isTrailer ? 0 : TYPE_BITS[e.type] | e.mode,
      0, // uid
      0, // gid
      e.type === 'dir' && !isTrailer ? 2 : 1, // nlink
      0, // mtime
      data.length,
      0, // dev major
      0, // dev minor
      e.type === 'char' ? e.major : 0,
      e.type === 'char' ? e.minor : 0,
      name.length,
      0, // check
    ];
    const header = enc.encode(`070701${fields.map(hex8).join('')}`);
    parts.push(header, name);
    length = pad4(parts, length + header.length + name.length);
    parts.push(data);
    length = pad4(parts, length + data.length);
  });
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
