/**
 * One scenario, several kernels: every kernel runs the steps on a clean
 * machine of its own, and the answers are lined up step by step, each set
 * beside what the man page claims when the step says. Environment-free: the
 * caller boots the machines (Node and the browser do it the same way).
 */
import { refHasCreateModule, type KernelRef } from '../../kernel-images/user-kernel.ts';
import { callText } from '../calls/model.ts';
import { outcomeClass, type CallRecord } from '../calls/record.ts';
import type { ManPageClaim, Scenario, StepAnnotation } from '../calls/scenario.ts';
import { BootError, ImageError } from '../errors.ts';
import type { Machine } from '../machine/machine.ts';
import { runSteps, type RunStep } from './run.ts';
import { retText } from './text.ts';

/** A kernel's whole run, or why it could not run: its image is missing or corrupt, it did not boot, or else. */
export type KernelRun =
  | { kernel: KernelRef; steps: RunStep[] }
  | { kernel: KernelRef; error: string; reason: 'image' | 'boot' | 'other' };

/**
 * How a cell compares with the man page: as documented; different (another
 * errno, a crash, or success where an error was promised); not applicable
 * (the page's ENOSYS line on a kernel that has the call); or a case the page
 * does not document at all.
 */
export type Verdict = 'as-documented' | 'differs' | 'not-applicable' | 'undocumented';

export interface Cell {
  record: RunStep;
  /** What the kernel answered, in a word: the address, the errno name, or the crash kind. */
  text: string;
  verdict: Verdict;
  /** This kernel answered unlike the others (see CompareRow.differs). */
  odd: boolean;
}

export interface CompareRow {
  step: number;
  call: string;
  annotation: StepAnnotation;
  /** null where the kernel did not run (see the run's error). */
  cells: Partial<Record<KernelRef, Cell | null>>;
  /**
   * Whether the kernels answered differently (any address counts as the same
   * answer). Kernels without create_module are left out of the comparison
   * when at least two kernels have it: their ENOSYS would mark every row.
   */
  differs: boolean;
}

export function cellText(r: CallRecord): string {
  switch (r.result.kind) {
    case 'crash':
      return r.result.crash;
    case 'errno':
      return r.result.during === 'call' ? r.result.errnoName : `${r.result.errnoName} (${r.result.during})`;
    case 'success':
      return retText(r);
  }
}

function errnoOf(r: CallRecord): string | null {
  // An errno from before the call (linking, setuid) is not the kernel's answer to it.
  return r.result.kind === 'errno' && r.result.during === 'call' ? r.result.errnoName : null;
}

export function verdict(claim: ManPageClaim | null, kernelId: KernelRef, r: CallRecord): Verdict {
  if (!claim) return 'undocumented';
  // Where the call is gone, the page's ENOSYS line is its answer to every step.
  if (!refHasCreateModule(kernelId)) return errnoOf(r) === 'ENOSYS' ? 'as-documented' : 'differs';
  if (claim.errno === 'ENOSYS') return 'not-applicable';
  if (claim.errno === null) return r.result.kind === 'success' ? 'as-documented' : 'differs';
  return errnoOf(r) === claim.errno ? 'as-documented' : 'differs';
}

export function compareRows(scenario: Scenario, runs: readonly KernelRun[]): CompareRow[] {
  const withCall = runs.filter((r) => refHasCreateModule(r.kernel));
  const compared = new Set((withCall.length >= 2 ? withCall : runs).map((r) => r.kernel));
  return scenario.steps.map((call, step) => {
    const annotation = scenario.annotations[step] ?? { note: null, manPage: null };
    const cells: CompareRow['cells'] = {};
    const counts = new Map<string, number>();
    let described = '';
    for (const run of runs) {
      const record = 'steps' in run ? run.steps[step] : undefined;
      if (!record) {
        cells[run.kernel] = null;
        continue;
      }
      described ||= callText(record.call);
      if (compared.has(run.kernel)) counts.set(outcomeClass(record), (counts.get(outcomeClass(record)) ?? 0) + 1);
      cells[run.kernel] = { record, text: cellText(record), verdict: verdict(annotation.manPage, run.kernel, record), odd: false };
    }
    const differs = counts.size > 1;
    if (differs) {
      const common = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
      for (const [k, c] of Object.entries(cells)) if (c && compared.has(k as KernelRef) && outcomeClass(c.record) !== common) c.odd = true;
    }
    return { step, call: described || callText(call), annotation, cells, differs };
  });
}

/**
 * Runs the scenario on each kernel, each on a machine of its own from a clean
 * state (a new machine: restored from its snapshot when there is one), at
 * most `concurrency` machines at a time. A kernel that cannot boot
 * becomes an error entry; the others still run.
 */
export async function runOnKernels(
  kernels: readonly KernelRef[],
  scenario: Scenario,
  bootKernel: (kernel: KernelRef) => Promise<Machine>,
  concurrency = 2,
  onRun?: (run: KernelRun) => void,
): Promise<KernelRun[]> {
  const runs: KernelRun[] = new Array<KernelRun>(kernels.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < kernels.length) {
      const i = next++;
      const kernel = kernels[i] as KernelRef;
      let run: KernelRun;
      try {
        const machine = await bootKernel(kernel);
        try {
          run = { kernel, steps: await runSteps(machine, scenario.steps) };
        } finally {
          await machine.close();
        }
      } catch (e) {
        const reason = e instanceof ImageError ? 'image' : e instanceof BootError ? 'boot' : 'other';
        run = { kernel, error: e instanceof Error ? e.message : String(e), reason };
      }
      runs[i] = run;
      onRun?.(run);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, kernels.length)) }, worker));
  return runs;
}
