/** Small numeric helpers for scenario figures. */

/** The p-th percentile (nearest rank) of samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

/** Whole milliseconds, for a report. */
export const ms = (value: number): number => Math.round(value);
