#!/usr/bin/env node
// Entry point: runs the CLI built ahead of time into build/cli (npm run build:cli;
// npm install in a clone and npm pack build it), so no TypeScript is compiled at start.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

// Node's own modules come compiled with Node, for V8's default flags: once a
// flag is set below, V8 refuses that code and compiles each of them loaded
// later from source (those a call loaded: 30-50 ms measured alone). So the
// ones the CLI uses are loaded first; test/kernel/start-up.test.ts checks
// that a call loads next to none later. (A missing one costs time only.)
const require = createRequire(import.meta.url);
for (const name of ['node:crypto', 'node:fs/promises', 'node:os', 'node:util', 'node:vm', 'node:zlib']) require(name);
// The first use of `performance` loads Node's perf_hooks; of process.stdout and
// stderr, the stream each is (net when it is a pipe, as from a script); of
// crypto.subtle, Web Crypto, which a call uses to check its saved machine.
// Together ~10 ms of a one-shot call (16 alternated pairs, piped).
performance.now();
void [process.stdout, process.stderr, globalThis.crypto.subtle];

// v86 runs as WebAssembly, and so does the guest code its JIT emits. With
// V8's default tiering, optimising compiles of those run on background
// threads, cost more CPU than they save in a process this short (2.4.20 boot:
// ~5 s of CPU against ~1.7 s), and hold up the exit by 0.3-0.9 s while they
// finish. Liftoff, the baseline compiler, alone is enough. Set before any
// wasm is compiled (flags set later only apply to later compiles).
v8.setFlagsFromString('--liftoff-only');
// Setting up v86 and restoring a machine allocate megabytes of objects that
// live on: with V8's young generation starting at 1 MiB and doubling as it
// grows, a one-shot call runs more collections, and took ~30 ms longer
// without this even with v86's port entries shared (v86-patches.ts). Only
// the growth factor still counts when set here: the size flags are read
// when the heap is made, before this runs.
v8.setFlagsFromString('--semi-space-growth-factor=16');
// The one full collection a call runs (v86 growing its WebAssembly memory
// starts it) marks on the main thread in steps instead of on a second
// thread, which on 2 cores took the core the saved machine's inflate and
// v86's wasm compile use: exit -7 and -9 ms, CPU -14 and -16 ms (16 and 20
// alternated pairs, piped; boots unchanged).
v8.setFlagsFromString('--no-concurrent-marking');

const built = new URL('../build/cli/modlab.mjs', import.meta.url);
if (!existsSync(built)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(`modlab: the CLI is not built (no ${fileURLToPath(built)}); run \`npm run build:cli\` in ${root}\n`);
  process.exit(1);
}

const { cli } = await import(built.href);
const code = await cli(process.argv.slice(2));

// The answer is printed and the machine is shut down: exit now, once both
// streams have handed over what was written, rather than when the last
// timer of a library happens to fire.
const flushed = (stream) => new Promise((resolve) => stream.write('', () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
