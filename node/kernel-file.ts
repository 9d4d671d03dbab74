/**
 * Node target for a user's kernel (`--kernel-file`): the file is read as a
 * regular file of bounded size, then the core reads its boot header.
 */
import { describeError, ImageError } from '../harness/errors.ts';
import { MAX_USER_KERNEL_BYTES, readUserKernel, type UserKernel } from '../kernel-images/user-kernel.ts';
import { readRegularFile } from './image-resolver.ts';

/** Reads and checks a kernel image file; every failure is an ImageError (exit 3) with one sentence. */
export async function readKernelFile(file: string): Promise<UserKernel> {
  let bytes: Uint8Array;
  try {
    // A FIFO or /dev/zero would never end, and a disk image is no kernel: a regular file of a kernel's size only.
    bytes = await readRegularFile(file, MAX_USER_KERNEL_BYTES);
  } catch (e) {
    const message = describeError(e);
    throw new ImageError(message.startsWith(file) ? message : `cannot read the kernel image ${file}: ${message}`, { code: 'not-found', cause: e });
  }
  return readUserKernel(bytes, file);
}
