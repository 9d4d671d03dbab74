/**
 * One-shot CLI timing: `node bin/modlab.mjs call create_module x 4096
 * --kernel K` as a user runs it, from spawning the process to its exit, with
 * a warm cache (two warm-up runs first: one boots and saves the machine, the
 * next restores it and keeps V8's code, node/cached-script.ts). The cache is a
 * private folder, so the project's plays no part. Each run must print the
 * call's answer and exit 0, or the figure would time a failure.
 *
 * The runs leave out NODE_EXTRA_CA_CERTS: Node reads and parses that bundle
 * at every start, before any script (~140 ms of `node -e 0` on this project's
 * machines, whose environment sets it for their proxy), and a warm call makes
 * no TLS connection. nodeStartMs times `node -e 0` in the same environment:
 * the floor no CLI can go under.
 *
 * Standalone: node --import tsx bench/one-shot.ts [--kernels 2.4.20,...] [--runs N]
 *   [--bin FILE]   time another entry point (e.g. an older build), same arguments
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli } from '../cli/build.ts';
import type { KernelId } from '../kernel-images/manifest.ts';
import { spread, type Spread } from './stats.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_BIN = path.join(ROOT, 'bin', 'modlab.mjs');
/** A one-shot call takes well under a second; a boot (the warm-up) a few seconds. */
const RUN_TIMEOUT_MS = 120_000;

interface OneShot {
  ms: number;
  stdout: string;
}

/** The environment of the timed runs: this process's, less the CA bundle Node would read at each start (see above). */
function benchEnv(cache: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, MODLAB_CACHE_DIR: cache };
  delete env.MODLAB_NO_SNAPSHOTS;
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

function spawnTimed(args: string[], env: NodeJS.ProcessEnv, check: (stdout: string, code: number | null) => string | null): Promise<OneShot> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      const failed = signal !== null ? `killed by ${signal}` : check(stdout, code);
      if (failed !== null) reject(new Error(`${failed}:\n${stdout}${stderr}`));
      else resolve({ ms, stdout });
    });
  });
}

function runOnce(bin: string, kernel: KernelId, env: NodeJS.ProcessEnv): Promise<OneShot> {
  return spawnTimed([bin, 'call', 'create_module', 'x', '4096', '--kernel', kernel], env, (stdout, code) =>
    code === 0 && /create_module\("x", 4096\)\s+= 0x[0-9a-f]{8}/.test(stdout) ? null : `modlab call on ${kernel} failed (exit ${code})`,
  );
}

/** `node -e 0` in the timed runs' environment, `runs` times. */
export async function nodeStartMs(runs: number): Promise<Spread> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) ms.push((await spawnTimed(['-e', '0'], benchEnv(tmpdir()), (_, code) => (code === 0 ? null : `node -e 0 exited ${code}`))).ms);
  return spread(ms);
}

let built: Promise<void> | undefined;

/**
 * Times `runs` one-shot calls on `kernel` after two warm-up runs: the first
 * saves the machine, the second V8's code for the runs that restore it. The
 * default entry point is built from the current sources first (once per
 * process), so that the figures are this tree's.
 */
export async function oneShotCliMs(kernel: KernelId, runs: number, bin: string = DEFAULT_BIN): Promise<Spread> {
  if (bin === DEFAULT_BIN) await (built ??= buildCli());
  const cache = await mkdtemp(path.join(tmpdir(), 'modlab-oneshot-'));
  try {
    const env = benchEnv(cache);
    await runOnce(bin, kernel, env);
    await runOnce(bin, kernel, env);
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) ms.push((await runOnce(bin, kernel, env)).ms);
    return spread(ms);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag: string): string | undefined => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const kernels = (value('--kernels') ?? '2.4.20').split(',') as KernelId[];
  const runs = Number(value('--runs') ?? '10');
  const bin = path.resolve(value('--bin') ?? DEFAULT_BIN);
  for (const k of kernels) process.stdout.write(`${k} ${path.relative(ROOT, bin)}: ${JSON.stringify(await oneShotCliMs(k, runs, bin))}\n`);
  process.stdout.write(`node -e 0: ${JSON.stringify(await nodeStartMs(runs))}\n`);
}
