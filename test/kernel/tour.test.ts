/**
 * The man-page tour on all five kernels through the CLI (`modlab tour
 * --json`), and `modlab compare` over a small scenario: the matrix as the
 * real kernels answer it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { LONG } from './man-page.ts';
import { modlab } from './run-cli.ts';



interface Cell {
  ok: boolean;
  ret: string | null;
  errnoName: string | null;
  crash: string | null;
  verdict?: string;
  kernel: string;
  machine: number;
}
type Row = { step: number; differs: boolean; manPage?: { errno: string | null; says: string } } & Record<string, unknown>;

const KERNELS = ['2.4.18', '2.4.20', '2.4.27', '2.6.17', '6.1'];
const answer = (c: Cell): string => c.crash ?? (c.ok ? 'address' : (c.errnoName ?? '?'));

// What the real kernels answer to each tour step, in the order of KERNELS.
const TOUR: string[][] = [
  ['address', 'address', 'address', 'ENOSYS', 'ENOSYS'],
  ['EEXIST', 'EEXIST', 'EEXIST', 'ENOSYS', 'ENOSYS'],
  ['EFAULT', 'EFAULT', 'EFAULT', 'ENOSYS', 'ENOSYS'],
  ['EINVAL', 'EINVAL', 'EINVAL', 'ENOSYS', 'ENOSYS'],
  ['oops', 'oops', 'ENOMEM', 'ENOSYS', 'ENOSYS'],
  ['EPERM', 'EPERM', 'EPERM', 'ENOSYS', 'ENOSYS'],
  ['address', 'address', 'address', 'ENOSYS', 'ENOSYS'],
  ['EINVAL', 'EINVAL', 'EINVAL', 'ENOSYS', 'ENOSYS'],
  ['ENAMETOOLONG', 'ENAMETOOLONG', 'ENAMETOOLONG', 'ENOSYS', 'ENOSYS'],
  ['EFAULT', 'EFAULT', 'EFAULT', 'ENOSYS', 'ENOSYS'],
];

test('modlab tour --json: every kernel beside the man page', LONG, async () => {
  const r = await modlab(['tour', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row);
  assert.equal(rows.length, TOUR.length);
  rows.forEach((row, i) => {
    const got = KERNELS.map((k) => answer(row[k] as Cell));
    assert.deepEqual(got, TOUR[i], `step ${i}`);
    // Only the ENOMEM step divides the 2.4 kernels.
    assert.equal(row.differs, i === 4, `step ${i} differs`);
  });
  const verdicts = (i: number) => KERNELS.map((k) => (rows[i]?.[k] as Cell).verdict);
  assert.deepEqual(verdicts(1), ['as-documented', 'as-documented', 'as-documented', 'as-documented', 'as-documented']);
  assert.deepEqual(verdicts(4), ['differs', 'differs', 'as-documented', 'as-documented', 'as-documented']);
  // The man page's boundary: the call is there before 2.6, gone from 2.6.17 on.
  assert.deepEqual(verdicts(6), ['not-applicable', 'not-applicable', 'not-applicable', 'as-documented', 'as-documented']);
  assert.deepEqual(verdicts(8), ['undocumented', 'undocumented', 'undocumented', 'undocumented', 'undocumented']);
  assert.equal(rows[4]?.manPage?.errno, 'ENOMEM');
  // After the oops, the kernels that crashed go on with a fresh machine.
  assert.equal((rows[5]?.['2.4.20'] as Cell).machine, 2);
  assert.equal((rows[5]?.['2.4.27'] as Cell).machine, 1);
  assert.equal((rows[0]?.['2.4.20'] as Cell).ret, '0xc8800000');
});

test('modlab tour prints the matrix with the man page’s words, and modlab compare lines up a scenario', LONG, async () => {
  const text = await modlab(['tour', '--kernels', '2.4.20,2.4.27']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^≠\s+4\s+create_module\("huge", 268435456\)\s+ENOMEM\s+oops ✗\*?\s+ENOMEM ✓/m);
  assert.match(text.stdout, /EEXIST: “A module by that name already exists\.”/);
  assert.match(text.stdout, /2\.4\.20: oops: kernel BUG at vmalloc\.c:242!/);

  const dir = await mkdtemp(path.join(tmpdir(), 'modlab-compare-'));
  try {
    const file = path.join(dir, 's.json');
    await writeFile(file, JSON.stringify({ steps: [{ call: 'create_module', name: 'm', size: 4096 }, { call: 'delete_module', name: 'm' }, { call: 'delete_module', name: 'm' }] }));
    const r = await modlab(['compare', file, '--kernels', '2.4.18,6.1', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row);
    assert.deepEqual(rows.map((row) => [answer(row['2.4.18'] as Cell), answer(row['6.1'] as Cell)]), [
      ['address', 'ENOSYS'],
      ['address', 'ENOENT'],
      ['ENOENT', 'ENOENT'],
    ]);
    assert.deepEqual(rows.map((row) => row.differs), [true, true, false]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
