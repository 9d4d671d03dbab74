import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentile, round, spread } from '../../bench/stats.ts';

test('percentiles are nearest-rank over the sorted samples', () => {
  const xs = [5, 1, 4, 2, 3];
  assert.equal(percentile(xs, 0.5), 3);
  assert.equal(percentile(xs, 0.95), 5);
  assert.equal(percentile(xs, 0), 1);
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(hundred, 0.95), 95);
  assert.equal(percentile(hundred, 0.5), 50);
  assert.throws(() => percentile([], 0.5), /no samples/);
});

test('a spread reports median, min, max and the number of runs', () => {
  assert.deepEqual(spread([3.333, 1, 2]), { median: 2, min: 1, max: 3.33, runs: 3 });
  assert.equal(round(1.005), 1);
});
