/**
 * `window.modlab`: the lab's own API, for course staff who script the page
 * (their Playwright checks, a slide's script). It makes the calls the form
 * makes, on the page's machine, and answers in the shapes `modlab … --json`
 * prints, so one checker reads the CLI and the page alike. Input it cannot
 * use is refused with the CLI's sentence, before anything reaches the guest.
 */
import { isKernelId, KERNEL_IDS, type KernelId } from '../kernel-images/manifest.ts';
import { InputError } from '../harness/errors.ts';
import { quote } from '../harness/calls/args.ts';
import { callFromJson, callFromWords, type Call } from '../harness/calls/model.ts';
import type { CallRecord } from '../harness/calls/record.ts';
import { parseScenario } from '../harness/calls/scenario.ts';
import { stepReport, type StepReport } from '../harness/reports/step-report.ts';

/** What the page lends the API: its machine, one user at a time, as the form uses it. */
export interface PageApiHost {
  /** The page's machine once it is up: the kernel it runs and that kernel's release. */
  ready(): Promise<{ kernel: string; release: string }>;
  /** Boots `kernel` as choosing it in the kernel list does (nothing when it runs already). */
  useKernel(kernel: KernelId): Promise<void>;
  /** A clean machine of the same kernel, as Reset gives. */
  reset(): Promise<void>;
  /** One call through the form's path: its card and History show it. */
  call(call: Call): Promise<CallRecord>;
  /** /proc/modules as it stands now. */
  procModules(): Promise<string>;
}

export interface CallOptions {
  /** A kernel id from `kernels`; the page's current kernel when left out. */
  kernel?: string;
}

export interface ModlabPageApi {
  readonly version: 1;
  /** The kernels the page can boot, in version order. */
  readonly kernels: readonly string[];
  ready(): Promise<{ kernel: string; release: string }>;
  /**
   * One call on the page's machine as it stands: a scenario step's JSON
   * (`{call: 'create_module', name: 'x', size: 4096}`) or the CLI's words
   * (`'create_module x 4096'`). Answers as `modlab call --json` does.
   */
  call(step: unknown, options?: CallOptions): Promise<StepReport>;
  /**
   * A scenario (its JSON text or object) on a clean machine, as `modlab run
   * --json` runs one: every step with /proc/modules after it.
   */
  run(scenario: unknown, options?: CallOptions): Promise<StepReport[]>;
  /** A clean machine, as the Reset button gives. */
  reset(): Promise<void>;
}

declare global {
  interface Window {
    /** Set by the lab once its page has started (web/main.ts). */
    modlab: ModlabPageApi;
  }
}

function kernelOption(options: CallOptions | undefined): KernelId | null {
  if (options === undefined || options === null) return null;
  if (typeof options !== 'object') throw new InputError(`the options must be an object like {kernel: "2.4.20"}, not ${quote(options)}`);
  const k: unknown = options.kernel;
  if (k === undefined) return null;
  if (typeof k === 'string' && isKernelId(k)) return k;
  throw new InputError(`kernel ${quote(k)} is not a kernel the page can boot; choose one of ${KERNEL_IDS.join(', ')}`);
}

/** A call as the API takes it: step JSON, or the words `modlab call` takes. */
export function apiCall(step: unknown): Call {
  if (typeof step === 'string') {
    const words = step.trim().split(/\s+/).filter(Boolean);
    if (!words.length) throw new InputError('the call is empty; write it as the CLI does, e.g. "create_module hello 4096"');
    return callFromWords(words, 0);
  }
  return callFromJson(step);
}

/** A scenario as the API takes it: the file's text, or the object it holds. */
function apiScenario(scenario: unknown): { kernel: KernelId | null; steps: Call[] } {
  const text = typeof scenario === 'string' ? scenario : JSON.stringify(scenario ?? null);
  return parseScenario(text, 'the scenario');
}

export function makePageApi(host: PageApiHost): ModlabPageApi {
  // One request at a time, in the order they were made: a script's second call
  // must not overtake its first, nor a run interleave with a call.
  let queue: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  return Object.freeze({
    version: 1 as const,
    kernels: Object.freeze([...KERNEL_IDS]),
    ready: () => host.ready(),
    call(step: unknown, options?: CallOptions): Promise<StepReport> {
      try {
        // Checked before the queue: a malformed call is refused at once.
        const call = apiCall(step);
        const kernel = kernelOption(options);
        return inTurn(async () => {
          if (kernel) await host.useKernel(kernel);
          await host.ready();
          return stepReport(0, await host.call(call));
        });
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    },
    run(scenario: unknown, options?: CallOptions): Promise<StepReport[]> {
      try {
        const s = apiScenario(scenario);
        const kernel = kernelOption(options) ?? s.kernel;
        return inTurn(async () => {
          if (kernel) await host.useKernel(kernel);
          await host.ready();
          await host.reset();
          const out: StepReport[] = [];
          for (const [i, call] of s.steps.entries()) {
            const record = await host.call(call);
            out.push(stepReport(i, record, await host.procModules()));
          }
          return out;
        });
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    },
    reset: () => inTurn(async () => {
      await host.ready();
      await host.reset();
    }),
  });
}
