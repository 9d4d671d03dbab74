/**
 * `npm run bench`: how fast modlab brings up a machine and answers a call,
 * measured in one run on this machine, against QEMU booting the same kernel,
 * initrd and command line. Prints a table and writes bench/results.json.
 *
 *   --kernels 2.4.20,2.4.27   only these kernels (default: all five)
 *   --quick                   fewer runs, for a smoke test
 *   --no-qemu                 skip the QEMU comparison
 *   --no-ablation             skip booting without each tuning
 *   --out FILE                write the results there instead of bench/results.json
 *   --only compile            only the compiler's figures (bench/compile.ts), merged into the results file
 *   --no-compile              skip the compiler's figures
 *   --dist DIR                the built site the browser compile runs in (default dist/, from npm run build)
 *   --no-browser              skip the lab's visits in Chromium (bench/browser-visit.ts)
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findKernel, KERNEL_IDS, type KernelId } from '../kernel-images/manifest.ts';
import { boot, type Machine } from '../node/boot.ts';
import { NodeAssets } from '../node/assets.ts';
import { FileSnapshotStore } from '../node/snapshot-store.ts';
import { SnapshotCache, V86_VERSION } from '../harness/machine/snapshot.ts';
import { ALL_TUNINGS, TUNINGS, tuningApplies, type Tuning } from '../harness/machine/v86-config.ts';
import { compileBench, compileTable, type CompileBench } from './compile.ts';
import { browserVisits } from './browser-visit.ts';
import { browserCalls } from './browser-calls.ts';
import { qemuBootMs, qemuVersion } from './qemu.ts';
import { nodeStartMs, oneShotCliMs } from './one-shot.ts';
import { percentile, round, spread, type Spread } from './stats.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const kernelsArg = args[args.indexOf('--kernels') + 1];
const kernels = (args.includes('--kernels') && kernelsArg ? kernelsArg.split(',') : [...KERNEL_IDS]) as KernelId[];
for (const k of kernels) {
  if (!KERNEL_IDS.includes(k)) {
    console.error(`bench: unknown kernel ${JSON.stringify(k)}; choose from ${KERNEL_IDS.join(', ')}`);
    process.exit(2);
  }
}
const only = args.includes('--only') ? (args[args.indexOf('--only') + 1] ?? '') : null;
if (only !== null && only !== 'compile') {
  console.error(`bench: --only takes "compile", not ${JSON.stringify(only)}`);
  process.exit(2);
}
const qemu = args.includes('--no-qemu') || only !== null ? null : qemuVersion();
const RUNS = {
  cold: quick ? 2 : 5,
  cold61: quick ? 1 : 3,
  reset: quick ? 5 : 20,
  fresh: quick ? 2 : 5,
  pairs: quick ? 200 : 1000,
  qemu: quick ? 1 : 5,
  ablation: quick ? 1 : 3,
  /** Compiles after the first, in Node and in Chromium. */
  compile: quick ? 5 : 20,
};
const BOOT_TIMEOUT = 180_000;
/** Kernels whose cold boot takes many seconds get fewer cold boots. */
const slowBoot = (kernel: KernelId): boolean => kernel === '6.1' || kernel === '2.6.17';
const assets = new NodeAssets();

interface RoundTrips {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  calls: number;
}

function roundTripSummary(calls: number[]): RoundTrips {
  return {
    p50: round(percentile(calls, 0.5)),
    p95: round(percentile(calls, 0.95)),
    p99: round(percentile(calls, 0.99)),
    max: round(Math.max(...calls)),
    calls: calls.length,
  };
}

interface KernelResult {
  coldBootMs: Spread;
  restoreMs: Spread;
  freshRestoreMs: Spread;
  roundTripMs: RoundTrips;
  callsPerSecond: number;
  /** The same calls with v86's JIT left on after boot (what setJit avoids). */
  roundTripWithJitMs: RoundTrips;
  qemuColdBootMs: Spread | null;
  coldBootVsQemu: number | null;
  restoreVsQemu: number | null;
  /** The saved machine as stored (its state gzipped), in bytes. */
  snapshotBytes: number;
  /** `node bin/modlab.mjs call create_module x 4096` from spawn to exit, warm cache (2.4 kernels; bench/one-shot.ts). */
  oneShotCliMs?: Spread;
  /** withJitMs: every tuning, but the boot run with v86's JIT on (jitDuringBoot). */
  tuning?: { allMs: number; untunedMs: number; withoutMs: Partial<Record<Tuning, number>>; withJitMs: number };
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function coldBoots(kernel: KernelId, runs: number, tunings: readonly Tuning[] = ALL_TUNINGS, jitDuringBoot = false): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const m = await boot({ kernel, snapshots: null, tunings, jitDuringBoot, bootTimeoutMs: BOOT_TIMEOUT });
    out.push(m.bootMs);
    await m.close();
  }
  return out;
}

/** The bytes of the snapshot files in a bench's private store (it holds one kernel's). */
async function storedBytes(dir: string): Promise<number> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.snap'));
  const sizes = await Promise.all(files.map(async (f) => (await stat(path.join(dir, f))).size));
  return sizes.reduce((a, b) => a + b, 0);
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

async function roundTrips(m: Machine, pairs: number): Promise<{ calls: number[]; seconds: number }> {
  for (let i = 0; i < 50; i++) {
    await m.createModule('bench', 4096);
    await m.deleteModule('bench');
  }
  const calls: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < pairs; i++) {
    calls.push(await timed(() => m.createModule('bench', 4096)));
    calls.push(await timed(() => m.deleteModule('bench')));
  }
  return { calls, seconds: (performance.now() - t0) / 1000 };
}

async function measure(kernel: KernelId): Promise<KernelResult> {
  log(`\n${kernel}: cold boots`);
  const cold = await coldBoots(kernel, slowBoot(kernel) ? RUNS.cold61 : RUNS.cold);

  // Snapshots go to a private folder so that the project's cache plays no part.
  const dir = await mkdtemp(path.join(tmpdir(), 'modlab-bench-'));
  try {
    const store = new FileSnapshotStore(dir);
    const first = await boot({ kernel, snapshots: new SnapshotCache(store), bootTimeoutMs: BOOT_TIMEOUT });
    const snapshotBytes = await storedBytes(dir);
    log(`${kernel}: resets from the snapshot`);
    const resets: number[] = [];
    for (let i = 0; i < RUNS.reset; i++) resets.push(await timed(() => first.reset()));

    log(`${kernel}: ${RUNS.pairs} create_module+delete_module pairs`);
    const rt = await roundTrips(first, RUNS.pairs);
    await first.close();

    log(`${kernel}: the same pairs with the JIT kept on`);
    const withJit = await boot({ kernel, snapshots: new SnapshotCache(store), keepJit: true, bootTimeoutMs: BOOT_TIMEOUT });
    const rtJit = await roundTrips(withJit, RUNS.pairs);
    await withJit.close();

    log(`${kernel}: new machines from the snapshot on disk`);
    const fresh: number[] = [];
    for (let i = 0; i < RUNS.fresh; i++) {
      // A new cache each time: the snapshot is read from disk and verified, as in a new process.
      let m: Machine | null = null;
      fresh.push(await timed(async () => (m = await boot({ kernel, snapshots: new SnapshotCache(store), bootTimeoutMs: BOOT_TIMEOUT }))));
      await (m as Machine | null)?.close();
    }

    let qemuRuns: number[] | null = null;
    if (qemu) {
      log(`${kernel}: QEMU boots`);
      const a = await assets.load(kernel);
      qemuRuns = [];
      for (let i = 0; i < (slowBoot(kernel) ? RUNS.cold61 : RUNS.qemu); i++) qemuRuns.push(await qemuBootMs(a, BOOT_TIMEOUT));
    }

    const result: KernelResult = {
      coldBootMs: spread(cold),
      restoreMs: spread(resets),
      freshRestoreMs: spread(fresh),
      roundTripMs: roundTripSummary(rt.calls),
      callsPerSecond: Math.round(rt.calls.length / rt.seconds),
      roundTripWithJitMs: roundTripSummary(rtJit.calls),
      qemuColdBootMs: qemuRuns ? spread(qemuRuns) : null,
      coldBootVsQemu: null,
      restoreVsQemu: null,
      snapshotBytes,
    };
    if (result.qemuColdBootMs) {
      result.coldBootVsQemu = round(result.coldBootMs.median / result.qemuColdBootMs.median);
      result.restoreVsQemu = round(result.restoreMs.median / result.qemuColdBootMs.median);
    }
    if (findKernel(kernel)?.series === '2.4') {
      log(`${kernel}: one-shot CLI calls`);
      result.oneShotCliMs = await oneShotCliMs(kernel, quick ? 3 : 10);
    }
    // 6.1 too: its command-line tunings are in the table like the others.
    if (!args.includes('--no-ablation')) result.tuning = await ablation(kernel, result.coldBootMs.median);
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Boots without each tuning in turn, and with none, to show what each one saves. */
async function ablation(kernel: KernelId, allMs: number): Promise<NonNullable<KernelResult['tuning']>> {
  log(`${kernel}: boots without each tuning`);
  const withoutMs: Partial<Record<Tuning, number>> = {};
  const image = findKernel(kernel);
  // A tuning this kernel's boot ignores would only measure noise.
  for (const t of ALL_TUNINGS.filter((x) => image && tuningApplies(image, x))) {
    withoutMs[t] = spread(await coldBoots(kernel, RUNS.ablation, ALL_TUNINGS.filter((x) => x !== t))).median;
  }
  // Interpreting the boot is part of the tuning too, though not of the saved machine (see setJit).
  const withJitMs = spread(await coldBoots(kernel, RUNS.ablation, ALL_TUNINGS, true)).median;
  // Untuned is v86 as it comes: no tuning, JIT on.
  const untunedMs = spread(await coldBoots(kernel, RUNS.ablation, [], true)).median;
  return { allMs, untunedMs, withoutMs, withJitMs };
}

function table(results: Partial<Record<KernelId, KernelResult>>): string {
  const rows = [['kernel', 'cold boot', 'QEMU boot', 'ratio', 'reset (restore)', 'new machine from disk', 'snapshot', 'call p50', 'call p95', 'calls/s', 'p95 with JIT']];
  for (const [k, r] of Object.entries(results)) {
    rows.push([
      k,
      `${r.coldBootMs.median} ms`,
      r.qemuColdBootMs ? `${r.qemuColdBootMs.median} ms` : '-',
      r.coldBootVsQemu === null ? '-' : `${r.coldBootVsQemu}x`,
      `${r.restoreMs.median} ms`,
      `${r.freshRestoreMs.median} ms`,
      `${(r.snapshotBytes / 1e6).toFixed(2)} MB`,
      `${r.roundTripMs.p50} ms`,
      `${r.roundTripMs.p95} ms`,
      String(r.callsPerSecond),
      `${r.roundTripWithJitMs.p95} ms`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

const outArg = args[args.indexOf('--out') + 1];
const file = args.includes('--out') && outArg ? path.resolve(outArg) : path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json');
const distArg = args[args.indexOf('--dist') + 1];
const dist = path.resolve(args.includes('--dist') && distArg ? distArg : path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist'));
const compiler = async (): Promise<CompileBench & { measuredAt: string }> => ({
  ...(await compileBench({ runs: RUNS.compile, dist, chromium: process.env['MODLAB_CHROMIUM'] ?? '/usr/bin/chromium', log })),
  measuredAt: new Date().toISOString(),
});

if (only === 'compile') {
  // The kernels' figures already in the file stay; only the compiler's are measured again.
  const previous = await readFile(file, 'utf8').then((t) => JSON.parse(t) as Record<string, unknown>, () => ({}));
  const result = await compiler();
  await writeFile(file, `${JSON.stringify({ ...previous, compiler: result }, null, 2)}\n`);
  console.log(compileTable(result));
  console.log(`written to ${path.relative(process.cwd(), file)} (compiler only)`);
} else {
  const results: Partial<Record<KernelId, KernelResult>> = {};
  if (!qemu) log(args.includes('--no-qemu') ? 'QEMU comparison skipped (--no-qemu)' : 'QEMU comparison skipped: qemu-system-i386 is not installed (apt-get install qemu-system-x86)');
  for (const k of kernels) results[k] = await measure(k);
  // The floor under the one-shot CLI figures: Node's own start, in the same environment (bench/one-shot.ts).
  const nodeStart = await nodeStartMs(quick ? 3 : 10);
  const compile = args.includes('--no-compile') ? null : await compiler();
  // First visit, repeat visit and the tour in Chromium against the built site, which ships its snapshots.
  const visits = args.includes('--no-browser') ? null : await browserVisits({ dist, runs: quick ? 2 : 3, chromium: process.env['MODLAB_CHROMIUM'] ?? '/usr/bin/chromium', log });
  // Calls from the lab's form: click → result card, and the kernel's round trip inside the page (bench/browser-calls.ts).
  const calls = args.includes('--no-browser') ? null : await browserCalls({ dist, calls: quick ? 20 : 50, chromium: process.env['MODLAB_CHROMIUM'] ?? '/usr/bin/chromium', log });

  const output = {
    kernels: results,
    nodeStartMs: nodeStart,
    compiler: compile,
    browser: {
      ...(visits?.ok ? visits.visits : { visitsSkipped: visits ? visits.skipped : 'skipped (--no-browser)' }),
      ...(calls?.ok ? calls.calls : { callsSkipped: calls ? calls.skipped : 'skipped (--no-browser)' }),
    },
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, v86: V86_VERSION, qemu },
    runs: RUNS,
    tunings: TUNINGS,
    measuredAt: new Date().toISOString(),
  };
  await writeFile(file, `${JSON.stringify(output, null, 2)}\n`);
  console.log(table(results));
  if (compile) console.log(`\n${compileTable(compile)}`);
  if (visits?.ok) console.log(`\nlab in Chromium (medians): first visit → answer ${visits.visits.firstVisitAnswerMs.median} ms (page's clock ${visits.visits.firstVisitAnswerInPageMs.median}), repeat visit → ready ${visits.visits.repeatVisitReadyMs.median} ms (page's clock ${visits.visits.repeatVisitReadyInPageMs.median}), man-page tour on all kernels ${visits.visits.tourFreshMs.median} ms`);
  if (calls?.ok) console.log(`lab in Chromium: click → result card p50 ${calls.calls.clickToCardMs.p50} ms, the kernel's round trip in the page p50 ${calls.calls.pageRoundTripMs.p50} ms`);
  console.log(`peak RSS ${output.peakRssMb} MB; written to ${path.relative(process.cwd(), file)}`);
}
