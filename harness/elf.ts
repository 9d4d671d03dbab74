/**
 * What kind of ELF file a user or the compiler handed over: a 2.4 module is
 * an ELF32 little-endian i386 relocatable object, a guest program a static
 * ELF32 i386 executable. Used by the compiler (to check its own output) and
 * by the machine (before anything reaches the guest). Environment-free.
 */

export const ET_REL = 1;
export const ET_EXEC = 2;
const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;

/** Why bytes are not an ELF32 little-endian i386 file of the type, or undefined if they are. */
export function elfHeaderProblem(bytes: Uint8Array, type: number, typeName: string): string | undefined {
  // The magic first: a text file is "not ELF", whatever its length.
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return 'no ELF magic';
  if (bytes.length < 52) return `${bytes.length} bytes, shorter than an ELF32 header`;
  if (bytes[4] !== 1 || bytes[5] !== 1) return 'not ELF32 little-endian';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const actual = view.getUint16(16, true);
  const machine = view.getUint16(18, true);
  if (actual !== type) return `e_type ${actual}, not ${type} (${typeName})`;
  if (machine !== 3) return `e_machine ${machine}, not 3 (i386)`;
  return undefined;
}

/** Why bytes are not an ELF32 little-endian i386 relocatable object, or undefined if they are. */
export function elfRelocatableProblem(object: Uint8Array): string | undefined {
  return elfHeaderProblem(object, ET_REL, 'REL');
}

/**
 * Why bytes are not an ELF32 i386 static executable the guest kernels can
 * run (ET_EXEC, an entry point, loadable segments, no interpreter or
 * dynamic section), or undefined if they are.
 */
export function elfExecutableProblem(executable: Uint8Array): string | undefined {
  const header = elfHeaderProblem(executable, ET_EXEC, 'EXEC');
  if (header !== undefined) return header;
  const view = new DataView(executable.buffer, executable.byteOffset, executable.byteLength);
  if (view.getUint32(24, true) === 0) return 'no entry point';
  const phoff = view.getUint32(28, true);
  const phentsize = view.getUint16(42, true);
  const phnum = view.getUint16(44, true);
  if (phnum === 0 || phentsize < 32 || phoff + phnum * phentsize > executable.length) return 'no program headers inside the file';
  const types = Array.from({ length: phnum }, (_, i) => view.getUint32(phoff + i * phentsize, true));
  if (!types.includes(PT_LOAD)) return 'no loadable segment';
  if (types.includes(PT_INTERP) || types.includes(PT_DYNAMIC)) return 'dynamically linked (an interpreter or dynamic section)';
  return undefined;
}
