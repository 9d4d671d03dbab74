/**
 * The lab offline: registers the service worker the build makes (Workbox,
 * through vite-plugin-pwa; vite.config.ts says what it keeps), says once and
 * plainly when the browser refuses it, and offers to keep the kernels the
 * first visit does not (2.6.17, 6.1) before the network goes away.
 */
import { registerSW } from 'virtual:pwa-register';
import type { KernelId } from '../kernel-images/manifest.ts';
import { parseShippedIndex, SHIPPED_INDEX, shippedFile } from '../browser/shipped-snapshots.ts';
import { KEPT_AT_FIRST_VISIT, KEPT_ON_REQUEST } from './offline-kernels.ts';

export interface OfflineParts {
  /** The button that keeps the other kernels; hidden where there is no service worker. */
  prepare: HTMLButtonElement;
  /** One line: what works offline, or why nothing does. */
  status: HTMLElement;
  base: string;
}

/** What the site needs to hold for `kernels` to run offline: each image and its shipped saved machine. */
export async function filesFor(kernels: readonly KernelId[], base: string): Promise<string[]> {
  const urls = kernels.map((id) => new URL(`kernels/${id}.img`, base).href);
  const index = parseShippedIndex(await (await fetch(new URL(SHIPPED_INDEX, base))).text());
  if (index.ok) {
    for (const [key, entry] of Object.entries(index.index.snapshots)) {
      if ((kernels as readonly string[]).includes(entry.kernel)) urls.push(new URL(shippedFile(key), base).href);
    }
  }
  return urls;
}

export function setUpOffline(parts: OfflineParts): void {
  const { prepare, status } = parts;
  prepare.hidden = true;
  if (import.meta.env.DEV) {
    status.textContent = 'Offline use comes with the built site (npm start), not the dev server.';
    return;
  }
  if (!('serviceWorker' in navigator)) {
    status.textContent = 'This browser cannot keep the lab for offline use; it runs while the site is reachable.';
    return;
  }
  const refused = (e: unknown): void => {
    // Said once; the lab itself carries on from the network.
    // The browser's own refusal (a DOMException: SecurityError, not allowed) is worth quoting; a library's TypeError is not.
    const reason = e instanceof DOMException ? ` (${e.message})` : '';
    status.textContent = `This browser did not let the lab keep itself for offline use${reason}; it runs while the site is reachable.`;
  };
  try {
    void registerSW({
      immediate: true,
      onRegisteredSW: (_url, registration) => {
        if (!registration) return;
        void navigator.serviceWorker.ready.then(() => {
          status.textContent = `Kept for offline use: the lab and Linux ${KEPT_AT_FIRST_VISIT.join(', ')}.`;
          status.dataset['offline'] = 'ready';
          prepare.hidden = KEPT_ON_REQUEST.length === 0;
        });
      },
      onRegisterError: refused,
    });
  } catch (e) {
    refused(e);
    return;
  }
  prepare.textContent = `Keep ${KEPT_ON_REQUEST.join(' and ')} for offline use too`;
  prepare.addEventListener('click', () => void keepTheRest(parts));
}

/** Fetches the other kernels through the service worker, which keeps what it serves (CacheFirst). */
async function keepTheRest({ prepare, status, base }: OfflineParts): Promise<void> {
  prepare.disabled = true;
  status.textContent = `Fetching ${KEPT_ON_REQUEST.join(' and ')}…`;
  try {
    const urls = await filesFor(KEPT_ON_REQUEST, base);
    let bytes = 0;
    for (const url of urls) {
      const r = await fetch(url);
      if (!r.ok) throw new Error(`${new URL(url).pathname} answered ${r.status}`);
      bytes += (await r.arrayBuffer()).byteLength;
    }
    status.textContent = `Kept for offline use: the lab and every kernel (${(bytes / 1e6).toFixed(1)} MB more).`;
    status.dataset['offline'] = 'all';
    prepare.hidden = true;
  } catch (e) {
    status.textContent = `Could not keep ${KEPT_ON_REQUEST.join(' and ')} for offline use: ${e instanceof Error ? e.message : String(e)}. The 2.4 kernels still work offline.`;
  } finally {
    prepare.disabled = false;
  }
}
