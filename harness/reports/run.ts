/**
 * Runs a scenario's steps in order on one machine, reporting each as it
 * completes, with /proc/modules as it stands after the step.
 */
import type { Call } from '../calls/model.ts';
import type { CallRecord } from '../calls/record.ts';
import type { Machine } from '../machine/machine.ts';

export type RunStep = CallRecord & { procModules: string };

export async function runSteps(machine: Machine, steps: readonly Call[], onStep?: (r: RunStep, index: number) => void): Promise<RunStep[]> {
  const out: RunStep[] = [];
  for (const [i, call] of steps.entries()) {
    const record = await machine.call(call);
    const procModules = await machine.readProcModules().catch((e: unknown) => `(could not read /proc/modules: ${e instanceof Error ? e.message : String(e)})`);
    const step = { ...record, procModules };
    out.push(step);
    onStep?.(step, i);
  }
  return out;
}
