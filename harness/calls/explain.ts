/**
 * What each answer means for the call that got it, in the words of that
 * call's own man page (paraphrased: create_module(2), delete_module(2),
 * init_module(2), query_module(2), get_kernel_syms(2) as they stood for
 * Linux 2.4), plus the answers real kernels give that the pages do not list.
 */
import type { CallName } from './model.ts';

type Explanations = Readonly<Partial<Record<string, string>>>;

const GONE_IN_26 = 'is not supported in this kernel: the old module interface was removed in Linux 2.6, whose loader does this work itself.';

const PAGES: Readonly<Record<CallName, Explanations>> = {
  create_module: {
    EPERM: 'The caller is not privileged: creating a module needs the CAP_SYS_MODULE capability (root).',
    EEXIST: 'A module by that name already exists.',
    EINVAL: 'The requested size is too small even for the module header information — or the name is empty.',
    ENOMEM: 'The kernel could not allocate a contiguous block of memory large enough for the module.',
    EFAULT: "The name lies outside the program's accessible address space.",
    ENOSYS: `create_module() ${GONE_IN_26}`,
    ENAMETOOLONG: 'Not in the man page: the kernel copies the name into one page, and this name (with its terminating NUL) does not fit.',
  },
  delete_module: {
    EPERM: 'The caller is not privileged: removing a module needs the CAP_SYS_MODULE capability (root).',
    ENOENT: 'No module by that name exists.',
    EINVAL: 'The name is empty, or the module cannot be removed this way.',
    EBUSY: 'The module is in use (its use count is not zero), or another module depends on it.',
    EFAULT: "The name lies outside the program's accessible address space.",
    ENOSYS: 'This kernel does not provide the call.',
  },
  init_module: {
    EPERM: 'The caller is not privileged: loading a module needs the CAP_SYS_MODULE capability (root).',
    ENOENT: 'No module by that name exists: init_module() loads a module that create_module() made first.',
    EINVAL: "The image is inconsistent: a field of its struct module is filled in wrongly, its name is not the module's, or one of its dependencies is not a loaded module.",
    EBUSY: "The module's initialization function failed (returned non-zero).",
    EFAULT: "The name or the image lies outside the program's accessible address space.",
    ENOSYS: `init_module() with a struct module image ${GONE_IN_26}`,
  },
  query_module: {
    EFAULT: "The name, the buffer or ret lies outside the program's accessible address space.",
    EINVAL: 'The value of which is not valid — or the name is NULL (the kernel itself), which that value of which does not allow.',
    ENOENT: 'No module by that name exists.',
    ENOSPC: 'The buffer is too small; ret is set to the size it needs.',
    ENOSYS: `query_module() ${GONE_IN_26}`,
  },
  get_kernel_syms: {
    ENOSYS: `get_kernel_syms() ${GONE_IN_26}`,
  },
};

/** The errnos explained for a call, in its page's order: what a lesson offers as the kernel's possible answers. */
export function explainedErrnos(call: CallName): string[] {
  return Object.keys(PAGES[call]);
}

export function explainErrno(call: CallName, errnoName: string): string {
  return PAGES[call][errnoName] ?? `The man page does not list ${errnoName} for ${call}(); this is what the kernel returned.`;
}

/** i386 Linux 2.4: the kernel's part of the address space starts at 3 GiB. */
export const USER_KERNEL_SPLIT = 0xc0000000;
/** The gap between the end of the kernel's direct map and the vmalloc area (VMALLOC_OFFSET). */
const VMALLOC_OFFSET = 8 * 1024 * 1024;
/** Physical memory beyond this is highmem and not directly mapped (i386, 3 GiB split). */
const MAX_DIRECT_MAP = 896 * 1024 * 1024;

/** Where vmalloc (and so create_module) hands out addresses on a guest with this much memory. */
export function vmallocStart(guestMemoryBytes: number): number {
  return USER_KERNEL_SPLIT + Math.min(guestMemoryBytes, MAX_DIRECT_MAP) + VMALLOC_OFFSET;
}

export function explainAddress(address: number, guestMemoryBytes: number): string {
  const start = vmallocStart(guestMemoryBytes);
  if (address >= start) {
    const mib = Math.round(guestMemoryBytes / (1024 * 1024));
    return `A kernel virtual address in the vmalloc area (it starts 8 MiB above the end of physical memory, 0x${start.toString(16)} on this ${mib} MiB guest), above the 3 GiB user/kernel split at 0xc0000000. insmod would link the module to run here, then hand it to init_module().`;
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
