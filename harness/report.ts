/**
 * One step's outcome in the shape `modlab run --json` prints, shared by the
 * CLI and the web lab so both say the same thing.
 */
import { hex32, nameToJson } from './calls.ts';
import type { CallRecord } from './results.ts';

export interface StepReport {
  step: number;
  call: string;
  kernel: string;
  name: string | null | { ptr: string };
  size?: number;
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
    name: nameToJson(r.call.name),
    ...(r.call.call === 'create_module' ? { size: r.call.size } : {}),
    uid: r.call.uid,
  };
  switch (r.result.kind) {
    case 'success': {
      const ret = r.call.call === 'create_module' ? hex32(r.result.ret) : String(r.result.ret | 0);
      return { ...head, ok: true, ret, errno: null, errnoName: null, crash: null, ...tail };
    }
    case 'errno':
      return { ...head, ok: false, ret: '-1', errno: r.result.errno, errnoName: r.result.errnoName, crash: null, ...tail };
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
