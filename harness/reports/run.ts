/**
 * Runs a scenario's steps in order on one machine, reporting each as it
 * completes, with /proc/modules as it stands after the step.
 */
import type { Call } from '../calls/model.ts';
import type { Machine } from '../machine/machine.ts';
import { stepReport, type StepReport } from './step-report.ts';

export async function runSteps(machine: Machine, steps: readonly Call[], onStep?: (r: StepReport) => void): Promise<StepReport[]> {
  const out: StepReport[] = [];
  for (const [i, call] of steps.entries()) {
    const report = stepReport(i, await machine.call(call));
    report.procModules = await machine.readProcModules().catch((e: unknown) => `(could not read /proc/modules: ${e instanceof Error ? e.message : String(e)})`);
    out.push(report);
    onStep?.(report);
  }
  return out;
}
