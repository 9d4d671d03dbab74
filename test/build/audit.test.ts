/**
 * npm audit of what the lab ships (production dependencies): no high or
 * critical advisory. Needs the npm registry; without it the test is skipped
 * and says so. Not a unit test (it asks the network), hence the build suite.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('npm audit --omit=dev: no high or critical advisory in the shipped dependencies', (t) => {
  const r = spawnSync('npm', ['audit', '--omit=dev', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
  let report: { metadata?: { vulnerabilities?: Record<string, number> }; error?: { summary?: string }; message?: string };
  try {
    report = JSON.parse(r.stdout || '{}') as typeof report;
  } catch {
    t.skip(`npm audit gave no report (${(r.stderr || '').split('\n')[0] ?? ''})`);
    return;
  }
  if (!report.metadata?.vulnerabilities) {
    const why = report.message ?? report.error?.summary ?? (r.stderr || '').split('\n').find((l) => l.trim()) ?? 'no reason given';
    t.skip(`npm audit got no answer from the registry (${why})`);
    return;
  }
  const v = report.metadata.vulnerabilities;
  t.diagnostic(`advisories in shipped dependencies: ${JSON.stringify(v)}`);
  assert.equal((v['high'] ?? 0) + (v['critical'] ?? 0), 0, `npm audit --omit=dev reports ${JSON.stringify(v)}`);
});
