/** The order statistics the suites report. */

/** The value below which `fraction` of `values` lie, interpolated between neighbours. */
export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const position = (sorted.length - 1) * fraction;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below] as number;
  return low + ((sorted[above] as number) - low) * (position - below);
}

export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}
