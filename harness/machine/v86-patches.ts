/**
 * Changes to v86's own built code, made as the code is loaded: in Node by
 * node/v86-code-cache.ts (libv86.js), in the page by web/v86-patch-plugin.ts
 * (libv86.mjs, at build time). Both builds are the same Closure output, so
 * one list serves both. Each edit names text that must occur exactly once in
 * the pinned v86 (V86_VERSION): another build of v86 fails loudly at load,
 * and in test/unit/v86-patches.test.ts, instead of running half-patched.
 *
 * None of them changes what the guest sees or what a saved state holds;
 * they change how v86 sets itself up.
 */
import { V86_VERSION } from './snapshot.ts';

export interface V86Edit {
  find: string;
  replace: string;
}

export interface V86Patch {
  name: string;
  /** What it saves, and why the guest cannot tell. */
  why: string;
  /** Text the patch brings in that survives the page build's minifying (property names do), so a test finds it there. */
  marker: string;
  edits: readonly V86Edit[];
}

export const V86_PATCHES: readonly V86Patch[] = [
  {
    name: 'shared-empty-port',
    why:
      'v86 makes an entry object for each of the 65,536 I/O ports as it sets up: ~4.7 MB that all stay alive, ' +
      'so making them and the collections that then copy them cost a one-shot call ~30 ms of its main thread, and ' +
      'a page load the same. Only a few hundred ports ever get a handler. The others now share one empty entry; a ' +
      'port gets its own the first time a device registers a handler on it, or a PCI device takes it into an I/O ' +
      'range (whose entries v86 moves when the guest moves the range). Port reads and writes go through the same ' +
      'entries as before.',
    marker: 'own_entry',
    edits: [
      {
        // IO's constructor (minified as Ea): one shared entry instead of 65,536 new ones, the table filled at once.
        find: 'this.ports=[];this.cpu=a;for(var b=0;65536>b;b++)this.ports[b]=this.create_empty_entry();',
        replace: 'this.shared_entry=this.create_empty_entry();this.ports=Array(65536).fill(this.shared_entry);this.cpu=a;var b;',
      },
      {
        // own_entry: the port's own entry, made on first need; register_read then writes into it.
        find: 'Ea.prototype.register_read=function(a,b,c,d,e){',
        replace:
          'Ea.prototype.own_entry=function(a){this.ports[a]===this.shared_entry&&(this.ports[a]=this.create_empty_entry());return this.ports[a]};' +
          'Ea.prototype.register_read=function(a,b,c,d,e){this.own_entry(a);',
      },
      { find: 'Ea.prototype.register_write=function(a,b,c,d,e){', replace: 'Ea.prototype.register_write=function(a,b,c,d,e){this.own_entry(a);' },
      {
        // PCI's register_device keeps an I/O range's entries to move them later: they must be the ports' own,
        // or a handler registered after it would stay behind.
        find: 'e.entries[g]=this.io.ports[f+g]',
        replace: 'e.entries[g]=this.io.own_entry(f+g)',
      },
    ],
  },
  {
    name: 'filled-memory-map',
    why:
      "v86 keeps a handler for each 128 KiB of the 4 GiB address space (32,768 slots, four tables) and, as it sets up, " +
      'points every slot above RAM at the unmapped-memory handler one by one, in code that runs once and so is never ' +
      'optimised: ~15 ms of a one-shot call. The tables are now made at their full size and filled a range at a ' +
      'time (Array.prototype.fill), with the same handlers in the same slots.',
    marker: 'memory_map_read8=Array(32768)',
    edits: [
      {
        // IO's constructor, which cleared the slots of RAM in the CPU's (still empty) tables: the four tables at
        // their full size instead, each slot undefined (no handler) as before. Nothing maps memory before IO exists.
        find: 'for(b=0;b<<17<c;b++)a.memory_map_read8[b]=a.memory_map_write8[b]=void 0,a.memory_map_read32[b]=a.memory_map_write32[b]=void 0;',
        replace:
          'a.memory_map_read8=Array(32768).fill(void 0);a.memory_map_write8=Array(32768).fill(void 0);' +
          'a.memory_map_read32=Array(32768).fill(void 0);a.memory_map_write32=Array(32768).fill(void 0);',
      },
      {
        // IO's mmap_register: the slots from addr for size bytes (a multiple of 128 KiB), filled as ranges.
        find: 'for(a>>>=17;0<b;a++)this.cpu.memory_map_read8[a]=c,this.cpu.memory_map_write8[a]=d,this.cpu.memory_map_read32[a]=e,this.cpu.memory_map_write32[a]=f,b-=131072',
        replace:
          'a>>>=17;b=0<b?a+Math.ceil(b/131072):a;this.cpu.memory_map_read8.fill(c,a,b);this.cpu.memory_map_write8.fill(d,a,b);' +
          'this.cpu.memory_map_read32.fill(e,a,b);this.cpu.memory_map_write32.fill(f,a,b)',
      },
    ],
  },
  {
    name: 'unpack-pages-direct',
    why:
      "A restore copies the saved machine's pages into RAM one by one (unpack_memory). For each of a 2.4 machine's " +
      "36,864 pages it asked the page bitmap, and for each saved page it went through v86's memory view, which makes " +
      'a new typed array at every use: ~15 ms of a restore. It now takes one view of RAM for the whole copy, skips ' +
      'the bitmap eight pages at a time where a byte of it is zero, and copies each run of saved pages that follow ' +
      "one another at once (2.4.20's 936 saved pages lie in 30 runs). The same pages land at the same places.",
    marker: 'mem8.subarray(0)',
    edits: [
      {
        // CPU's unpack_memory: one real view of RAM (a subarray of the view's typed array), the bitmap's bytes read
        // directly, and each run of saved pages that follow one another (k to f) copied at once.
        find: 'const c=this.memory_size[0]>>12;let d=0;for(let f=0;f<c;f++)if(a.get(f)){var e=d<<',
        replace:
          'const c=this.memory_size[0]>>12,h=this.mem8.subarray(0),g=a.view;let d=0;' +
          'for(let f=0;f<c;f++)if(0===g[f>>3])f|=7;else if(g[f>>3]>>(f&7)&1){var k=f;for(;f+1<c&&g[f+1>>3]>>(f+1&7)&1;)f++;var e=d<<',
      },
      { find: '12;e=b.subarray(e,e+4096);this.mem8.set(e,f<<12);d++}}', replace: '12;e=b.subarray(e,e+(f-k+1<<12));h.set(e,k<<12);d+=f-k+1}}' },
    ],
  },
  {
    name: 'saved-pages-not-copied',
    why:
      "restore_state cut each of the saved state's buffers out of it as a copy (ArrayBuffer.slice), then built the " +
      "device's typed array over the copy; the largest by far is the saved RAM's pages (3.8 MB of 2.4.20's 5.1 MB " +
      'state, 19 MB of 6.1\'s), which unpack_memory then copies into RAM and drops. A buffer of 1 MiB or more now ' +
      'stays a view of the state, and a Uint8Array is built over it only where the saved type is Uint8Array (any ' +
      'other type gets a copy as before). The state is only read through it: the pages land in RAM as before, and ' +
      'the snapshot, which a reset restores again, is left as it was. With the runs above: restore_state 6.4 -> 4.5 ms ' +
      '(2.4.20) and 24 -> 15 ms (6.1) in Node, medians of 12 alternated; in the page its own part 5-7 -> 1-2 ms.',
    marker: 'buffer_id]instanceof Uint8Array',
    edits: [
      // restore_state (uncompressed states, the only kind modlab saves): the large buffers as views.
      { find: 'return b.buffer.slice(x,x+r.length)}', replace: 'return 1048576<=r.length?new Uint8Array(b.buffer,x,r.length):b.buffer.slice(x,x+r.length)}' },
      {
        // The state's reviver: a view is taken as it is for a Uint8Array, copied into its own buffer for any other type.
        find: 'new c(a.args):new c(b[a.buffer_id])}',
        replace: 'new c(a.args):b[a.buffer_id]instanceof Uint8Array?c===Uint8Array?b[a.buffer_id]:new c(b[a.buffer_id].slice().buffer):new c(b[a.buffer_id])}',
      },
    ],
  },
  {
    name: 'text-redraw-when-read',
    why:
      "A restore redraws the VGA's text screen twice, each time all 2,000 cells: a call to the screen adapter and an " +
      "event with a new array per cell, in code that runs once and so is interpreted: ~10 ms of a one-shot call " +
      "(medians, measured around v86's restore_state). modlab attaches no screen (it reads the serial console), so v86 " +
      'uses its dummy adapter, which only keeps the text for get_text_screen. With that adapter and nothing listening ' +
      "for the cells, the redraw is now owed and done when the text is read; with any other adapter, or a listener, at " +
      'once as before. The VGA, its memory and what the guest sees are untouched.',
    marker: 'text_mode_redraw_now',
    edits: [
      {
        // The VGA's text_mode_redraw becomes text_mode_redraw_now, behind a check (the libv86.mjs build breaks the line after the `=`).
        find: 'Y.prototype.text_mode_redraw=',
        replace:
          'Y.prototype.text_mode_redraw=function(){const a=this.screen,b=this.bus.pair&&this.bus.pair.listeners["screen-put-char"];' +
          'void 0===a.text_owed||b&&b.length?this.text_mode_redraw_now():a.text_owed=this};Y.prototype.text_mode_redraw_now=',
      },
      {
        // The dummy adapter: owes nothing at first, and pays an owed redraw before any row is read.
        find: 'function dc(a){var b,c=0,d=0,e=ra(a?.encoding);',
        replace:
          'function dc(a){var b,c=0,d=0,e=ra(a?.encoding);this.text_owed=null;' +
          'this.pay_text=function(){const f=this.text_owed;this.text_owed=null;f&&f.text_mode_redraw_now()};',
      },
      { find: 'this.get_text_row=function(f){f*=c;', replace: 'this.get_text_row=function(f){this.pay_text();f*=c;' },
    ],
  },
  {
    name: 'svga-memory-with-ram',
    why:
      "Each time v86's WebAssembly memory grows, V8 starts a full garbage collection (the memory's new buffer counts as " +
      "external memory). v86 grows it three times as it sets up: a page at start, the guest's RAM, and then, after " +
      "the other devices are built, the VGA's memory. The collection the RAM started was over by then, so the VGA's " +
      'started a second one: ~15-20 ms of a one-shot call, collecting nothing. The VGA memory is now allocated right ' +
      "after the RAM, with the size the VGA will ask for, and the VGA takes that block; one collection covers all " +
      'three. Same memory, same contents; only its place in the WebAssembly heap may differ.',
    marker: 'svga_memory_early',
    edits: [
      {
        // CPU's init: RAM first as before, then the VGA's memory at once (the size as the VGA constructor normalises it: 256 KiB..256 MiB, a power of two).
        find: 'S.prototype.init=function(a,b){this.create_memory(a.memory_size||67108864,a.initrd?67108864:1048576);',
        replace:
          'S.prototype.init=function(a,b){this.create_memory(a.memory_size||67108864,a.initrd?67108864:1048576);' +
          'this.svga_memory_early_size=a.vga_memory_size||8388608;' +
          'this.svga_memory_early=this.svga_memory_early_size>=262144&&this.svga_memory_early_size<=268435456&&0===(this.svga_memory_early_size&this.svga_memory_early_size-1)?' +
          'this.svga_allocate_memory(this.svga_memory_early_size)>>>0:void 0;',
      },
      {
        // The VGA's constructor takes the block when it is of its size, else allocates as before.
        find: 'c=a.svga_allocate_memory(this.vga_memory_size)>>>0;',
        replace:
          'c=void 0!==a.svga_memory_early&&a.svga_memory_early_size===this.vga_memory_size?a.svga_memory_early:a.svga_allocate_memory(this.vga_memory_size)>>>0;a.svga_memory_early=void 0;',
      },
    ],
  },
];

/**
 * v86's source with every patch applied; throws, naming the patch, when an
 * edit's text is not in the source exactly once, or overlaps another edit's.
 * Each edit is found in the source as it comes and the result is joined
 * once: editing a copy in turn made V8 flatten a new 360 KB string for each
 * search, ~3.5 MB of garbage in a one-shot call.
 */
export function patchV86Source(source: string, patches: readonly V86Patch[] = V86_PATCHES): string {
  const placed: Array<{ at: number; edit: V86Edit; patch: string }> = [];
  for (const patch of patches) {
    for (const edit of patch.edits) {
      const at = source.indexOf(edit.find);
      if (at < 0 || source.indexOf(edit.find, at + 1) >= 0) {
        throw new Error(`v86 patch ${patch.name}: ${at < 0 ? 'not found' : 'found more than once'} in this build of v86 (the patches are written for v86 ${V86_VERSION}): ${edit.find.slice(0, 60)}`);
      }
      placed.push({ at, edit, patch: patch.name });
    }
  }
  placed.sort((a, b) => a.at - b.at);
  const parts: string[] = [];
  let from = 0;
  for (const { at, edit, patch } of placed) {
    if (at < from) throw new Error(`v86 patch ${patch}: its edit overlaps another's: ${edit.find.slice(0, 60)}`);
    parts.push(source.slice(from, at), edit.replace);
    from = at + edit.find.length;
  }
  parts.push(source.slice(from));
  return parts.join('');
}

/**
 * A short name for this set of patches, for cache names: V8 checks a code
 * cache against its source's length only, and a patch may keep the length.
 * FNV-1a over the edits (no crypto needed; not a security boundary).
 */
export function v86PatchesId(patches: readonly V86Patch[] = V86_PATCHES): string {
  let h = 0x811c9dc5;
  for (const patch of patches) {
    for (const edit of patch.edits) {
      for (const text of [edit.find, '\u0000', edit.replace, '\u0001']) {
        for (let i = 0; i < text.length; i++) {
          h ^= text.charCodeAt(i);
          h = Math.imul(h, 0x01000193) >>> 0;
        }
      }
    }
  }
  return h.toString(16).padStart(8, '0');
}
