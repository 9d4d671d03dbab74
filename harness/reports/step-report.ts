/**
 * One step's outcome in the shape `modlab run --json` prints, shared by the
 * CLI and the web lab so both say the same thing.
 */
import { hex32, nameToJson, type Call, type ImageArg } from '../calls/model.ts';
import type { CallData } from '../calls/buffers.ts';
import type { CallRecord } from '../calls/record.ts';

export interface StepReport {
  step: number;
  call: string;
  kernel: string;
  /** Absent for get_kernel_syms, which takes no name. */
  name?: string | null | { ptr: string };
  size?: number;
  /** init_module: the image's length (after linking, for a module), or the pointer passed instead. */
  image?: number | null | { ptr: string } | { module: string };
  /** The module whose linked image or layout size the call used. */
  module?: string;
  /** query_module's which and buffer size; get_kernel_syms' table entries. */
  which?: string | number;
  bufsize?: number;
  table?: number | null;
  /** What the call wrote into its buffers (query_module, get_kernel_syms). */
  data?: CallData;
  /** /proc/modules after the step (scenario runs). */
  procModules?: string;
  uid: number;
  ok: boolean;
  /** "0x…" for an address, a decimal for other values, "-1" on failure, null after a crash. */
  ret: string | null;
  errno: number | null;
  errnoName: string | null;
  crash: string | null;
  elapsedMs: number;
  machine: number;
  recovered?: boolean;
  console?: string;
}

export function stepReport(step: number, r: CallRecord): StepReport {
  const head = { step, call: r.call.call, kernel: r.kernel };
  const tail = {
    elapsedMs: Math.round(r.elapsedMs * 100) / 100,
    machine: r.machine,
    ...argsJson(r.call),
    uid: r.call.uid,
    // What the kernel printed during the call (a crash's console comes with the crash, below).
    ...(r.result.kind !== 'crash' ? { console: r.console } : {}),
  };
  switch (r.result.kind) {
    case 'success': {
      const ret = r.call.call === 'create_module' ? hex32(r.result.ret) : String(r.result.ret | 0);
      return { ...head, ok: true, ret, errno: null, errnoName: null, crash: null, ...tail, ...(r.result.data ? { data: r.result.data } : {}) };
    }
    case 'errno':
      return { ...head, ok: false, ret: '-1', errno: r.result.errno, errnoName: r.result.errnoName, crash: null, ...tail, ...(r.result.data ? { data: r.result.data } : {}) };
    case 'crash':
      return {
        ...head,
        ok: false,
        ret: null,
        errno: null,
        errnoName: null,
        crash: r.result.crash,
        ...tail,
        recovered: r.recovered,
        console: r.result.console,
      };
  }
}

/** A call's arguments as JSON, in the shapes a scenario file uses. */
function argsJson(c: Call): Partial<StepReport> {
  switch (c.call) {
    case 'create_module':
      return { name: nameToJson(c.name), size: c.size };
    case 'delete_module':
      return { name: nameToJson(c.name) };
    case 'init_module':
      return { name: nameToJson(c.name), image: imageJson(c.image) };
    case 'query_module':
      return { name: nameToJson(c.name), which: c.which, bufsize: c.bufsize };
    case 'get_kernel_syms':
      return { table: c.table };
  }
}

function imageJson(image: ImageArg): StepReport['image'] {
  switch (image.kind) {
    case 'bytes':
      return image.bytes.length;
    case 'null':
      return null;
    case 'pointer':
      return { ptr: hex32(image.address) };
    case 'module':
      return { module: image.module };
  }
}
