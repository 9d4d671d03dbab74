/** Summaries the benchmark reports: medians with their range, and percentiles. */

export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** The value at fraction p (0..1) of the sorted samples, nearest-rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1] as number;
}

export function spread(samples: readonly number[]): Spread {
  return { median: round(percentile(samples, 0.5)), min: round(Math.min(...samples)), max: round(Math.max(...samples)), runs: samples.length };
}

/** Two decimals: the timer resolution makes more meaningless. */
export function round(n: number): number {
  return Math.round(n * 100) / 100;
}
