/**
 * Hears each wasm module v86's JIT emits (its cpu's codegen_finalize), in
 * every machine started after the first call, for tests of when a boot
 * compiles (boot-jit.test.ts, jit-windows.test.ts).
 */
import { V86 } from '#v86';

interface CpuWithCodegen {
  codegen_finalize: (...args: unknown[]) => unknown;
  heard?: boolean;
}

const listeners: Array<() => void> = [];
let installed = false;

export function onJitCompile(listener: () => void): void {
  listeners.push(listener);
  if (installed) return;
  installed = true;
  // The cpu exists once v86 has loaded; run() is the first call after that.
  const proto = V86.prototype as unknown as { run: (this: { v86?: { cpu?: CpuWithCodegen } }) => unknown };
  const run = proto.run;
  proto.run = function (this: { v86?: { cpu?: CpuWithCodegen } }) {
    const cpu = this.v86?.cpu;
    if (cpu && cpu.heard !== true) {
      const finalize = cpu.codegen_finalize.bind(cpu);
      cpu.codegen_finalize = (...args: unknown[]) => {
        for (const l of listeners) l();
        return finalize(...args);
      };
      cpu.heard = true;
    }
    return run.call(this);
  };
}
