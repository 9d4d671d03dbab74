/**
 * What each answer means for the call that got it, in the words of the
 * create_module(2) and delete_module(2) man pages (paraphrased), plus the
 * answers real kernels give that the pages do not mention.
 */
import type { CallName } from './model.ts';

type Explanations = Partial<Record<string, string>>;

const CREATE_MODULE: Explanations = {
  EPERM: 'The caller is not privileged: creating a module needs the CAP_SYS_MODULE capability (root).',
  EEXIST: 'A module by that name already exists.',
  EINVAL: 'The requested size is too small even for the module header information — or the name is empty.',
  ENOMEM: 'The kernel could not allocate a contiguous block of memory large enough for the module.',
  EFAULT: 'The name lies outside the program\'s accessible address space.',
  ENOSYS: 'create_module() is not supported in this kernel: it was removed in Linux 2.6, whose module loader does the work itself.',
  ENAMETOOLONG: 'Not in the man page: the kernel copies the name into one page, and this name (with its terminating NUL) does not fit.',
};

const DELETE_MODULE: Explanations = {
  EPERM: 'The caller is not privileged: removing a module needs the CAP_SYS_MODULE capability (root).',
  ENOENT: 'No module by that name exists.',
  EINVAL: 'The name is empty, or the module cannot be removed this way.',
  EBUSY: 'The module is in use (its use count is not zero), or another module depends on it.',
  EFAULT: 'The name lies outside the program\'s accessible address space.',
  ENOSYS: 'This kernel does not provide the call.',
};

export function explainErrno(call: CallName, errnoName: string): string {
  const table = call === 'create_module' ? CREATE_MODULE : DELETE_MODULE;
  return table[errnoName] ?? `The man page does not list ${errnoName} for ${call}(); this is what the kernel returned.`;
}

/** 2.4 on i386 with 128 MiB: user space below 0xc0000000, vmalloc from high_memory + 8 MiB. */
export const USER_KERNEL_SPLIT = 0xc0000000;

export function explainAddress(address: number): string {
  if (address >= 0xc8800000) {
    return 'A kernel virtual address in the vmalloc area (it starts 8 MiB above the end of physical memory, 0xc8800000 on this 128 MiB guest), above the 3 GiB user/kernel split at 0xc0000000. insmod would link the module to run here, then hand it to init_module().';
  }
  if (address >= USER_KERNEL_SPLIT) return 'A kernel virtual address, above the 3 GiB user/kernel split at 0xc0000000.';
  return 'The call returned this value.';
}

export function explainCrash(crash: string): string {
  switch (crash) {
    case 'oops':
      return 'The kernel crashed (an oops or BUG) while serving this call and killed the calling process. Its report is below. modlab started a fresh machine for the next call.';
    case 'panic':
      return 'The kernel panicked: it stopped. modlab started a fresh machine for the next call.';
    case 'oom':
      return 'The kernel ran out of memory and its OOM killer started killing processes. modlab started a fresh machine for the next call.';
    default:
      return 'The guest stopped answering before the deadline. modlab started a fresh machine for the next call.';
  }
}
