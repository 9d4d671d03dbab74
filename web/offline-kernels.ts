/**
 * Which kernels the lab keeps for offline use on the first visit, and which
 * only when used or asked: read by the build (vite.config.ts, the service
 * worker's precache) and by the page (web/offline.ts, what it says it kept).
 * The 2.4 kernels are the lab's subject and small (with their saved machines
 * 1–2 MB each); 2.6.17 and 6.1 add 16 MB.
 */
import { KERNELS, type KernelId } from '../kernel-images/manifest.ts';

export const KEPT_AT_FIRST_VISIT: readonly KernelId[] = KERNELS.filter((k) => k.id.startsWith('2.4.')).map((k) => k.id);
export const KEPT_ON_REQUEST: readonly KernelId[] = KERNELS.filter((k) => !KEPT_AT_FIRST_VISIT.includes(k.id)).map((k) => k.id);

/** The precache's file patterns below the site's root for those kernels: their images and their saved machines. */
export function firstVisitKernelFiles(): string[] {
  return KEPT_AT_FIRST_VISIT.flatMap((id) => [`kernels/${id}.img`, `snapshots/${id}-*.snap`]);
}
