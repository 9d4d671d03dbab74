/**
 * How the kernel list names a kernel: its version, then where it comes from
 * ("Linux 2.4.20 · Boot Everywhere Linux"), short enough for a phone's select.
 * The manifest's `version` is the banner's text and its notes are paragraphs;
 * neither reads well as a list entry.
 */
import type { KernelImage, KernelId } from '../kernel-images/manifest.ts';

/** Where each manifest kernel comes from, in a few words (kernel-images/manifest.ts's notes say it at length). */
const ORIGIN: Record<KernelId, string> = {
  '2.4.18': 'Red Hat Linux 8.0',
  '2.4.20': 'Boot Everywhere Linux',
  '2.4.27': 'Debian-style config',
  '2.6.17': 'early 2.6',
  '6.1': 'Debian 6.1.176-1',
};

export function kernelLabel(k: Pick<KernelImage, 'id'>): string {
  return `Linux ${k.id} · ${ORIGIN[k.id]}`;
}

/** A kernel image the reader opened: its release as the kernel reports it, then the file it came from. */
export function userKernelLabel(version: string, fileName: string): string {
  return `Linux ${version.split(' ')[0] ?? version} · ${fileName} (your file)`;
}
