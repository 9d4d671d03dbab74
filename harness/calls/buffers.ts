/**
 * What query_module(2) and get_kernel_syms(2) write into their buffers, as
 * typed data (layouts from Linux 2.4's kernel/module.c on i386).
 */
import { KERNEL_SYM_SIZE, type QueryWhich } from './args.ts';
import { MODULE_LAYOUTS } from './linux-i386.ts';
import type { Call } from './model.ts';

const { MODULE_SYMBOL_SIZE, MODULE_INFO_SIZE } = MODULE_LAYOUTS;

export interface KernelSymbol {
  value: number;
  name: string;
}

export type CallData =
  /** QM_MODULES, QM_DEPS, QM_REFS: module names; `ret` is their count. */
  | { kind: 'names'; which: QueryWhich; names: string[]; ret: number }
  /** QM_SYMS (a module's or, for NULL, the kernel's exports) and get_kernel_syms. */
  | { kind: 'symbols'; symbols: KernelSymbol[]; ret: number }
  /** QM_INFO: struct module_info. */
  | { kind: 'info'; addr: number; size: number; flags: number; usecount: number; ret: number }
  /** Only the size word: a NULL buffer, or ENOSPC telling how many bytes it needed. */
  | { kind: 'ret'; ret: number };

/** struct module's flags (2.4's linux/module.h); no flag set means uninitialized. */
export const MODULE_FLAGS: Array<[number, string]> = [
  [1, 'MOD_RUNNING'],
  [2, 'MOD_DELETED'],
  [4, 'MOD_AUTOCLEAN'],
  [8, 'MOD_VISITED'],
  [16, 'MOD_USED_ONCE'],
  [32, 'MOD_JUST_FREED'],
  [64, 'MOD_INITIALIZING'],
];

export function flagNames(flags: number): string[] {
  const names = MODULE_FLAGS.filter(([bit]) => flags & bit).map(([, name]) => name);
  return names.length ? names : ['MOD_UNINITIALIZED'];
}

/** Where the NUL-terminated string at `at` ends (its NUL, or `max`). */
function cStringEnd(bytes: Uint8Array, at: number, max = bytes.length): number {
  let end = at;
  while (end < max && bytes[end] !== 0) end++;
  return end;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes as text: UTF-8 when they are, else ASCII with every other byte (and
 * the backslash) shown as \xNN, so a name that is not UTF-8 is seen as it is.
 */
export function bytesText(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
  }
}

function cString(bytes: Uint8Array, at: number, max = bytes.length): string {
  return bytesText(bytes.subarray(at, cStringEnd(bytes, at, max)));
}

function u32(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(at, true);
}

/** Decodes the buffers a successful (or ENOSPC) call left behind. */
export function callData(call: Call, out: readonly Uint8Array[], succeeded: boolean): CallData | undefined {
  if (call.call === 'query_module') {
    const retBytes = out[out.length - 1];
    const ret = retBytes && retBytes.length === 4 ? u32(retBytes, 0) : 0;
    const buf = call.bufsize ? out[0] : undefined;
    if (!succeeded || !buf || typeof call.which === 'number') return { kind: 'ret', ret };
    switch (call.which) {
      case 'QM_MODULES':
      case 'QM_DEPS':
      case 'QM_REFS': {
        const names: string[] = [];
        for (let at = 0, i = 0; i < ret && at < buf.length; i++) {
          // Step by bytes: decoding and re-encoding a name that is not UTF-8 would drift.
          const end = cStringEnd(buf, at);
          names.push(bytesText(buf.subarray(at, end)));
          at = end + 1;
        }
        return { kind: 'names', which: call.which, names, ret };
      }
      case 'QM_SYMS': {
        const symbols: KernelSymbol[] = [];
        for (let at = 0, i = 0; i < ret && at + MODULE_SYMBOL_SIZE <= buf.length; i++, at += MODULE_SYMBOL_SIZE) symbols.push({ value: u32(buf, at), name: cString(buf, u32(buf, at + 4)) });
        return { kind: 'symbols', symbols, ret };
      }
      case 'QM_INFO':
        if (buf.length < MODULE_INFO_SIZE) return { kind: 'ret', ret };
        return { kind: 'info', addr: u32(buf, 0), size: u32(buf, 4), flags: u32(buf, 8), usecount: u32(buf, 12) | 0, ret };
    }
  }
  if (call.call === 'get_kernel_syms' && succeeded) {
    const table = out[0];
    if (!table) return undefined;
    const symbols: KernelSymbol[] = [];
    for (let at = 0; at + KERNEL_SYM_SIZE <= table.length; at += KERNEL_SYM_SIZE) {
      const name = cString(table, at + 4, at + KERNEL_SYM_SIZE);
      if (name) symbols.push({ value: u32(table, at), name });
    }
    return { kind: 'symbols', symbols, ret: symbols.length };
  }
  return undefined;
}
