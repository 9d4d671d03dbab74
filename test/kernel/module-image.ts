/**
 * A minimal 2.4 module image for init_module, shared by the kernel tests:
 * struct module as 2.4 on i386 reads it, size_of_struct at 0, name at 8,
 * size at 12 (guest/link.c lays out the same). The kernel prints that it
 * renamed a module whose image names itself `embedded`.
 */
export function imageNamed(address: number, size: number, embedded: string): Uint8Array {
  const HEADER = 96;
  const text = new TextEncoder().encode(`${embedded}\0`);
  const image = new Uint8Array(HEADER + text.length);
  const v = new DataView(image.buffer);
  v.setUint32(0, HEADER, true);
  v.setUint32(8, address + HEADER, true);
  v.setUint32(12, size, true);
  image.set(text, HEADER);
  return image;
}
