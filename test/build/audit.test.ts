/**
 * npm audit of every dependency: no high or critical advisory. All of them,
 * not only the package's runtime ones (v86): the lab's bundle carries
 * xterm.js and CodeMirror, which the package lists as dev dependencies
 * because the installed CLI does not need them, and the build tools make
 * the site. Needs the npm registry; without it the test is skipped
 * and says so. Not a unit test (it asks the network), hence the build suite.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('npm audit: no high or critical advisory in any dependency', (t) => {
  const r = spawnSync('npm', ['audit', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
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
  t.diagnostic(`advisories: ${JSON.stringify(v)}`);
  assert.equal((v['high'] ?? 0) + (v['critical'] ?? 0), 0, `npm audit reports ${JSON.stringify(v)}`);
});
