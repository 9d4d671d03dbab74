/**
 * The `modlab` command. Other tools script against it, so its output and exit
 * codes are a contract (see README): 0 when every step ran (a failed call is a
 * result), 2 for input modlab cannot use, 3 for a missing or corrupt image,
 * 4 when a kernel does not boot, 1 for anything unexpected.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { DEFAULT_KERNEL, KERNEL_IDS, KERNELS, type KernelId } from '../kernel-images/manifest.ts';
import { refHasCreateModule, type KernelRef, type UserKernel } from '../kernel-images/user-kernel.ts';
import { UID } from '../harness/calls/args.ts';
import { CALL_SPECS, callFromWords, usageWords, type Call } from '../harness/calls/model.ts';
import { parseKernelId, parseScenario, type Scenario } from '../harness/calls/scenario.ts';
import { BootError, ImageError, InputError } from '../harness/errors.ts';
import { DEFAULT_EXEC_LIMIT_MS, MAX_EXEC_LIMIT_MS, MAX_EXECUTABLE_SIZE, planExec } from '../harness/machine/exec.ts';
import { moduleNameProblem, objectProblem } from '../harness/machine/insmod.ts';
import { runSteps, type RunStep } from '../harness/reports/run.ts';
import { execReport, stepReport } from '../harness/reports/step-report.ts';
import { formatExec, formatLifecycle, formatTable } from '../harness/reports/text.ts';
import { printable, printableLine } from '../harness/reports/terminal-text.ts';
import type { BootOptions } from '../harness/machine/machine.ts';
import type { Machine } from '../node/boot.ts';
import { kernelAvailability } from '../node/image-resolver.ts';
import { readKernelFile } from '../node/kernel-file.ts';
import { readModuleFiles } from '../node/module-files.ts';
import { packagePath } from '../node/package-root.ts';

const USAGE = `modlab — call Linux 2.4's create_module(2) on genuine kernels in the v86 emulator

Usage:
  modlab kernels [--json]
${CALL_SPECS.map((c) => `  modlab call ${[c.name, usageWords(c)].filter(Boolean).join(' ')} [--kernel ID | --kernel-file PATH] [--uid N] [--json]`).join('\n')}
  modlab lifecycle [--kernel ID | --kernel-file PATH] [--json]
  modlab insmod FILE.o [--kernel ID | --kernel-file PATH] [--name NAME] [--rmmod] [--json]
  modlab exec FILE.c|FILE [ARGS...] [--kernel ID | --kernel-file PATH] [--uid N] [--timeout MS] [--json]
  modlab run SCENARIO.json [--kernel ID | --kernel-file PATH] [--json]
  modlab compare SCENARIO.json [--kernels ID,ID,...] [--kernel-file PATH] [--json]
  modlab tour [--kernels ID,ID,...] [--kernel-file PATH] [--json]

NAME is the module name as text; NULL passes the null pointer and @0xADDR a
raw pointer (e.g. @0xffffffff). SIZE is 0 … 4294967295, decimal or 0x hex.
Kernels: ${KERNELS.map((k) => k.id).join(', ')} (default ${DEFAULT_KERNEL}; compare and tour
use all of them). --kernel-file PATH boots your own kernel image instead (a
bzImage, or a boot floppy starting with one; its version picks the initrd,
and it is named file:VERSION); compare and tour add it as one more column.
tour is the man page's errors put to each kernel
(scenarios/man-page-tour.json), beside what the page says.
insmod loads your own module object (gcc -m32 -c, on a 2.4 kernel) as
insmod did and leaves it loaded (--rmmod removes it at the end); its name is
the file's base name unless --name gives one. Headers for it: guest/include.
exec runs your own program in the guest (FILE.c is compiled with the
program headers in guest/program/include; any other FILE must be a static
i386 executable) as root or --uid N, killed after --timeout MS (default
5000, at most 60000), and prints its stdout, stderr and how it ended. Words
after FILE are the program's arguments, except modlab's own options; after
--, every word is the program's. The exit code is modlab's (0: it ran,
whatever its status); the program's status is in the output.
A scenario step names a module of your own by its file wherever it takes
{"module": "hello"}: {"module": {"file": "my_module.c"}} (or .o), relative to
the scenario's folder; on the command line, module:FILE.c.
Images come from the cache, $MODLAB_IMAGE_MIRROR, or their pinned download.`;

const TOUR_FILE = packagePath('scenarios', 'man-page-tour.json');

interface Flags {
  positional: string[];
  kernel: string | null;
  kernelFile: string | null;
  kernels: string | null;
  uid: string | null;
  timeout: string | null;
  name: string | null;
  rmmod: boolean;
  json: boolean;
}

/** Turns a C module's source into an i386 relocatable object (by default TinyCC in WebAssembly). */
export type CompileC = (source: Uint8Array, file: string) => Promise<Uint8Array>;

/** Turns a C program's source into a static i386 executable (by default TinyCC with guest/program's runtime). */
export type CompileProgram = (source: Uint8Array, file: string) => Promise<Uint8Array>;

/** What the CLI can be given from outside (tests leave the compiler out). */
export interface CliHooks {
  compileC?: CompileC;
  compileProgram?: CompileProgram;
}

function parseFlags(args: readonly string[]): Flags {
  const flags: Flags = { positional: [], kernel: null, kernelFile: null, kernels: null, uid: null, timeout: null, name: null, rmmod: false, json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new InputError(`${a} needs a value`);
      return v;
    };
    // Everything after -- is a word, whatever it looks like (a program's own --options).
    if (a === '--') {
      flags.positional.push(...args.slice(i + 1));
      break;
    }
    if (a === '--json') flags.json = true;
    else if (a === '--kernel') flags.kernel = value();
    else if (a.startsWith('--kernel=')) flags.kernel = a.slice(9);
    else if (a === '--kernel-file') flags.kernelFile = value();
    else if (a.startsWith('--kernel-file=')) flags.kernelFile = a.slice(14);
    else if (a === '--kernels') flags.kernels = value();
    else if (a.startsWith('--kernels=')) flags.kernels = a.slice(10);
    else if (a === '--uid') flags.uid = value();
    else if (a.startsWith('--uid=')) flags.uid = a.slice(6);
    else if (a === '--timeout') flags.timeout = value();
    else if (a.startsWith('--timeout=')) flags.timeout = a.slice(10);
    else if (a === '--name') flags.name = value();
    else if (a.startsWith('--name=')) flags.name = a.slice(7);
    else if (a === '--rmmod') flags.rmmod = true;
    else if (a.startsWith('--') && a.length > 2) throw new InputError(`unknown option ${a}; see modlab --help`);
    else flags.positional.push(a);
  }
  return flags;
}

/**
 * The emulator, the compiler and the multi-kernel reports are loaded when a
 * command needs them, not at start: the built CLI keeps each in a chunk of
 * its own, so `modlab --help` or an input error never loads v86.
 */
async function boot(options: Omit<BootOptions, 'assets'>): Promise<Machine> {
  const node = await import('../node/boot.ts');
  // bin/modlab.mjs runs V8 with Liftoff alone, where v86's interpreter is slow and its JIT pays for a boot.
  return node.boot({ jitDuringBoot: true, ...options });
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function cmdKernels(flags: Flags): Promise<void> {
  for (const k of KERNELS) {
    const a = await kernelAvailability(k.id);
    if (flags.json) {
      out(JSON.stringify({ id: k.id, version: k.version, default: k.id === DEFAULT_KERNEL, hasCreateModule: k.hasCreateModule, available: a.available, from: a.from }));
    } else {
      const tag = k.id === DEFAULT_KERNEL ? ' (default)' : '';
      out(`${(k.id + tag).padEnd(18)} ${k.version.padEnd(44)} ${a.available ? `available (${a.from})` : `not available: ${printableLine(a.detail)}`}`);
    }
  }
}

/**
 * Runs the steps on one machine and prints them. When a step fails outright
 * (the machine cannot come back), the steps that did run are printed first:
 * their answers are real and were paid for. `start` is replaceable for tests.
 */
export async function runOn(kernel: KernelChoice, steps: Call[], json: boolean, start: () => Promise<Machine> = () => boot({ kernel })): Promise<void> {
  const machine = await start();
  const done: RunStep[] = [];
  try {
    if (!json) out(`kernel ${kernelName(kernel)}: Linux ${printableLine(machine.release)}, ready in ${(machine.bootMs / 1000).toFixed(1)} s`);
    await runSteps(machine, steps, (r, i) => {
      done.push(r);
      if (json) out(JSON.stringify(stepReport(i, r, r.procModules)));
    });
    if (!json) out(formatTable(done));
  } catch (e) {
    // --json has already printed each step as it came; the error follows on stderr.
    if (!json && done.length > 0) out(`${formatTable(done)}\nstopped after ${done.length} of ${steps.length} steps`);
    throw e;
  } finally {
    await machine.close();
  }
}

/** The kernel of a one-machine command: a manifest id, or a user's image read and checked already. */
export type KernelChoice = KernelId | UserKernel;

function kernelName(kernel: KernelChoice): KernelRef {
  return typeof kernel === 'string' ? kernel : kernel.id;
}

/**
 * --kernel ID, or --kernel-file PATH read now (so an image modlab cannot boot
 * is exit 3 before anything else runs), or `fallback`.
 */
async function chosenKernel(flags: Flags, fallback: KernelId = DEFAULT_KERNEL): Promise<KernelChoice> {
  if (flags.kernelFile === null) return flags.kernel === null ? fallback : parseKernelId(flags.kernel, '--kernel');
  if (flags.kernel !== null) throw new InputError('give --kernel ID or --kernel-file PATH, not both');
  return readKernelFile(flags.kernelFile);
}

function parseKernelList(text: string | null): KernelId[] {
  if (text === null) return [...KERNEL_IDS];
  const ids = text.split(',').map((s) => s.trim());
  const kernels = ids.map((id) => parseKernelId(id, '--kernels entry'));
  const dup = kernels.find((k, i) => kernels.indexOf(k) !== i);
  if (dup) throw new InputError(`--kernels names ${dup} twice`);
  return kernels;
}

/** A scenario with the module files its steps name read and compiled (relative to its folder), before any machine starts. */
async function readScenario(file: string, hooks: CliHooks): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read scenario ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const scenario = parseScenario(text, file);
  return { ...scenario, steps: await readModuleFiles(scenario.steps, dirname(file), hooks.compileC, (i) => `step ${i}`) };
}

/** Runs on every kernel, prints the matrix; exit 3 or 4 when a kernel could not run (the others still print). */
async function compare(scenario: Scenario, kernels: KernelId[], json: boolean, user: UserKernel | null): Promise<number> {
  // The user's kernel is one more column, after the manifest's.
  const columns: KernelRef[] = user ? [...kernels, user.id] : kernels;
  if (!json && scenario.description) out(printable(scenario.description));
  if (!json) out(`running on ${columns.join(', ')}, each on a clean machine…`);
  const [{ compareRows, runOnKernels }, { formatMatrix, matrixJson }] = await Promise.all([import('../harness/reports/compare.ts'), import('../harness/reports/matrix.ts')]);
  const runs = await runOnKernels(columns, scenario, (kernel) => boot({ kernel: user && kernel === user.id ? user : kernel }));
  const rows = compareRows(scenario, runs);
  if (json) for (const line of matrixJson(rows, runs)) out(line);
  else out(formatMatrix(rows, runs));
  const failed = runs.flatMap((r) => ('error' in r ? [r] : []));
  for (const f of failed) process.stderr.write(`modlab: ${f.kernel} did not run: ${printable(f.error)}\n`);
  if (failed.some((f) => f.reason === 'image')) return 3;
  if (failed.length) return 4;
  return 0;
}

/**
 * FILE.c compiled by TinyCC in WebAssembly (the same compiler the lab runs),
 * against the headers in guest/include; its diagnostics are exit 2.
 */
async function compileWithTcc(source: Uint8Array, file: string): Promise<Uint8Array> {
  const name = basename(file);
  const fileName = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.c$/.test(name) ? name : 'module.c';
  const { compileCFile, studentHeaders } = await import('../node/compiler.ts');
  const r = await compileCFile(new TextDecoder().decode(source), { fileName, headers: await studentHeaders() });
  if (!r.ok) throw new InputError(`${file} does not compile:\n${r.diagnostics}`);
  return r.object;
}

/** The object `modlab insmod` loads: FILE.o as it is, FILE.c through the compiler hook. */
async function readObject(file: string, hooks: CliHooks): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!file.endsWith('.c')) return bytes;
  if (!hooks.compileC) throw new InputError(`compiling C needs the compiler (coming): build ${file.slice(0, -2)}.o with gcc -m32 -c for now`);
  return hooks.compileC(bytes, file);
}

/** The C file's name as the compiler's diagnostics give it, e.g. hello.c (program.c when it is not a plain name). */
function sourceName(file: string, fallback: string): string {
  const name = basename(file);
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.c$/.test(name) ? name : fallback;
}

/** FILE.c compiled and linked by TinyCC in WebAssembly with guest/program's runtime; its diagnostics are exit 2. */
async function compileProgramWithTcc(source: Uint8Array, file: string): Promise<Uint8Array> {
  const { compileProgramFile } = await import('../node/compiler.ts');
  const r = await compileProgramFile(new TextDecoder().decode(source), { fileName: sourceName(file, 'program.c') });
  if (!r.ok) throw new InputError(`${file} does not compile:\n${r.diagnostics}`);
  return r.executable;
}

/** A program's name in the guest and its argv[0]: the file's base name without .c, made a plain file name. */
function programName(file: string): string {
  const name = basename(file)
    .replace(/\.c$/, '')
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .replace(/^[.-]+/, '')
    .slice(0, 56);
  return name || 'program';
}

/** The largest file exec reads: an executable modlab sends, or a source of that size. */
const MAX_PROGRAM_FILE = MAX_EXECUTABLE_SIZE;

/** exec FILE [ARGS...]: runs a user's program on one kernel and prints what it wrote and how it ended. */
async function cmdExec(flags: Flags, uid: number, hooks: CliHooks): Promise<void> {
  const [file, ...args] = flags.positional;
  if (file === undefined) throw new InputError('modlab exec needs a program: FILE.c, or a static i386 executable');
  if (flags.name !== null || flags.rmmod || flags.kernels !== null) throw new InputError('modlab exec takes --kernel, --uid, --timeout and --json (or --kernel-file PATH for --kernel); see modlab --help');
  const kernel = await chosenKernel(flags);
  const timeoutMs = flags.timeout === null ? DEFAULT_EXEC_LIMIT_MS : parseTimeout(flags.timeout);
  let bytes: Uint8Array;
  try {
    // A FIFO or /dev/zero would never end: only a regular file of a size a program (or its source) can have.
    const info = await stat(file);
    if (!info.isFile()) throw new InputError(`${file} is not a regular file`);
    if (info.size > MAX_PROGRAM_FILE) throw new InputError(`${file} is ${info.size} bytes; modlab takes programs and sources of up to ${MAX_PROGRAM_FILE} bytes`);
    bytes = await readFile(file);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let executable = bytes;
  if (file.endsWith('.c')) {
    if (!hooks.compileProgram) throw new InputError(`compiling C programs needs the compiler: build ${file.slice(0, -2)} with gcc -m32 -static -no-pie for now`);
    executable = await hooks.compileProgram(bytes, file);
  }
  // Everything is checked before a kernel boots: a file modlab cannot run is exit 2 at once.
  const plan = planExec(executable, { name: programName(file), args, uid, timeoutMs });
  const machine = await boot({ kernel });
  try {
    if (!flags.json) out(`kernel ${kernelName(kernel)}: Linux ${printableLine(machine.release)}; running ${printableLine(plan.name)} (${executable.length} bytes)${args.length ? ` with ${args.length} argument${args.length === 1 ? '' : 's'}` : ''} as uid ${uid}, limit ${timeoutMs} ms`);
    const record = await machine.exec(executable, { name: plan.name, args, uid, timeoutMs });
    out(flags.json ? JSON.stringify(execReport(record)) : formatExec(record));
  } finally {
    await machine.close();
  }
}

function parseTimeout(text: string): number {
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1 || Number(text) > MAX_EXEC_LIMIT_MS) throw new InputError(`--timeout must be a number of milliseconds from 1 to ${MAX_EXEC_LIMIT_MS}, not ${JSON.stringify(text)}`);
  return Number(text);
}

/** insmod FILE: loads a user's module object on one kernel, printing each step as lifecycle does. */
async function cmdInsmod(flags: Flags, hooks: CliHooks): Promise<void> {
  const [file, ...extra] = flags.positional;
  if (file === undefined) throw new InputError('modlab insmod needs a module object, FILE.o');
  if (extra.length) throw new InputError(`unexpected argument ${JSON.stringify(extra[0])}`);
  if (flags.uid !== null) throw new InputError('--uid does not apply to modlab insmod: loading a module needs root');
  const kernel = await chosenKernel(flags);
  // insmod named a module after its file: hello_world.o is hello_world.
  const name = flags.name ?? basename(file).replace(/\.[oc]$/, '');
  const object = await readObject(file, hooks);
  const problem = objectProblem(object, file);
  if (problem) throw new InputError(problem);
  const nameProblem = moduleNameProblem(name);
  if (nameProblem) throw new InputError(`${nameProblem}; choose one with --name`);
  if (!refHasCreateModule(kernelName(kernel))) throw new InputError(`modlab insmod loads modules the 2.4 way (create_module), which kernel ${kernelName(kernel)} does not have; choose a 2.4 kernel`);
  const machine = await boot({ kernel });
  try {
    if (!flags.json) out(`kernel ${kernelName(kernel)}: Linux ${printableLine(machine.release)}; loading ${printableLine(file)} (${object.length} bytes) as module ${name}, as insmod would${flags.rmmod ? ', then removing it' : ''}`);
    const { insmodObject } = await import('../harness/reports/lifecycle.ts');
    let step = 0;
    const steps = await insmodObject(machine, object, name, { rmmod: flags.rmmod, ...(flags.json ? { onStep: (s) => out(JSON.stringify(stepReport(step++, s, s.procModules))) } : {}) });
    if (!flags.json) out(formatLifecycle(steps));
  } finally {
    await machine.close();
  }
}

async function main(argv: readonly string[], hooks: CliHooks): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    out(USAGE);
    return command === undefined ? 2 : 0;
  }
  const flags = parseFlags(rest);
  if (flags.timeout !== null && command !== 'exec') throw new InputError(`--timeout applies to modlab exec only`);
  if (flags.kernelFile !== null && command === 'kernels') throw new InputError('modlab kernels lists the kernels modlab carries; --kernel-file does not apply to it');
  const uid = flags.uid === null ? 0 : UID.fromWord(flags.uid, '--uid');
  switch (command) {
    case 'kernels':
      await cmdKernels(flags);
      return 0;
    case 'call': {
      const kernel = await chosenKernel(flags);
      // module:FILE.c is relative to the current folder, read and compiled here.
      const calls = await readModuleFiles([callFromWords(flags.positional, uid)], process.cwd(), hooks.compileC, () => 'modlab call');
      await runOn(kernel, calls, flags.json);
      return 0;
    }
    case 'run': {
      const [file, ...extra] = flags.positional;
      if (file === undefined) throw new InputError('modlab run needs a SCENARIO.json file');
      if (extra.length) throw new InputError(`unexpected argument ${JSON.stringify(extra[0])}`);
      if (flags.uid !== null) throw new InputError('--uid does not apply to modlab run; give each step its "uid"');
      const scenario = await readScenario(file, hooks);
      // --kernel or --kernel-file outranks the scenario's own "kernel".
      const kernel = await chosenKernel(flags, scenario.kernel ?? DEFAULT_KERNEL);
      await runOn(kernel, scenario.steps, flags.json);
      return 0;
    }
    case 'lifecycle': {
      if (flags.positional.length) throw new InputError(`unexpected argument ${JSON.stringify(flags.positional[0])}; modlab lifecycle loads the hello module`);
      if (flags.uid !== null) throw new InputError('--uid does not apply to modlab lifecycle');
      const kernel = await chosenKernel(flags);
      const machine = await boot({ kernel });
      try {
        if (!flags.json) out(`kernel ${kernelName(kernel)}: Linux ${printableLine(machine.release)}; loading /modules/hello.o as insmod would, then removing it`);
        const { runLifecycle } = await import('../harness/reports/lifecycle.ts');
        let step = 0;
        const steps = await runLifecycle(machine, 'hello', flags.json ? (s) => out(JSON.stringify(stepReport(step++, s, s.procModules))) : undefined);
        if (!flags.json) out(formatLifecycle(steps));
      } finally {
        await machine.close();
      }
      return 0;
    }
    case 'insmod':
      await cmdInsmod(flags, hooks);
      return 0;
    case 'exec':
      // The program ran, whatever it did: its status is a result, as a failed call is.
      await cmdExec(flags, uid, hooks);
      return 0;
    case 'compare':
    case 'tour': {
      if (flags.uid !== null || flags.kernel !== null) throw new InputError(`modlab ${command} takes --kernels (a comma-separated list) and --kernel-file, not --kernel or --uid`);
      const [file, ...extra] = command === 'tour' ? [TOUR_FILE, ...flags.positional] : flags.positional;
      if (file === undefined) throw new InputError('modlab compare needs a SCENARIO.json file');
      if (extra.length) throw new InputError(`unexpected argument ${JSON.stringify(extra[0])}`);
      const kernels = parseKernelList(flags.kernels);
      const user = flags.kernelFile === null ? null : await readKernelFile(flags.kernelFile);
      return compare(await readScenario(file, hooks), kernels, flags.json, user);
    }
    default:
      throw new InputError(`unknown command ${JSON.stringify(command)}; see modlab --help`);
  }
}

export async function cli(argv: readonly string[], hooks: CliHooks = { compileC: compileWithTcc, compileProgram: compileProgramWithTcc }): Promise<number> {
  // A reader that stops early (`modlab tour | head`) is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  try {
    return await main(argv, hooks);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // Messages quote what was typed, and boot errors what the guest printed.
    process.stderr.write(`modlab: ${printable(msg)}\n`);
    if (e instanceof InputError) return 2;
    if (e instanceof ImageError) return 3;
    if (e instanceof BootError) return 4;
    process.stderr.write(`${e instanceof Error && e.stack ? printable(e.stack) : ''}\n`);
    return 1;
  }
}
