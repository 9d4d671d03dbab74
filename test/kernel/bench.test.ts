/**
 * The benchmark runs from a clean clone: a short run on one kernel, checked
 * for the shape bench/results.json promises and for figures that are real
 * measurements (no timing thresholds here: those are the benchmark's job).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('npm run bench -- --quick writes every figure for a kernel', { timeout: 240_000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'modlab-bench-test-'));
  try {
    const out = path.join(dir, 'results.json');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--quick', '--kernels', '2.4.27', '--no-qemu', '--no-ablation', '--out', out],
      { cwd: ROOT, timeout: 230_000 },
    );
    assert.match(stdout, /^kernel\s+cold boot/m);
    const r = JSON.parse(await readFile(out, 'utf8')) as {
      kernels: Record<string, { coldBootMs: { median: number; min: number; max: number }; restoreMs: { median: number }; roundTripMs: { p50: number; p95: number; calls: number }; callsPerSecond: number; qemuColdBootMs: unknown; coldBootVsQemu: unknown }>;
      peakRssMb: number;
    };
    const k = r.kernels['2.4.27'];
    assert.ok(k, 'results for 2.4.27');
    assert.ok(k.coldBootMs.min > 0 && k.coldBootMs.min <= k.coldBootMs.median && k.coldBootMs.median <= k.coldBootMs.max);
    assert.ok(k.restoreMs.median > 0);
    assert.ok(k.roundTripMs.p50 > 0 && k.roundTripMs.p50 <= k.roundTripMs.p95);
    assert.equal(k.roundTripMs.calls, 400);
    assert.ok(k.callsPerSecond > 0);
    assert.equal(k.qemuColdBootMs, null);
    assert.equal(k.coldBootVsQemu, null);
    assert.ok(r.peakRssMb > 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
