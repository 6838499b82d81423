/** What one benchmark suite reports; `bench/run.ts` prints it and writes BENCHMARKS.md. */
export interface SuiteOptions {
  /** `pnpm bench --quick`: fewer iterations and targets, the whole run under 60 s. */
  quick: boolean;
}

export interface Measurement {
  /** What was measured, e.g. "webSocketLambda (c)". */
  label: string;
  /** The figure, in `unit`. */
  value: number;
  unit: string;
  /** Optional extra figures shown beside it, e.g. { p99: 1.2 }. */
  extra?: Record<string, number | string>;
}

export interface Target {
  /** As the issue states it, e.g. "(c) at most 1.2x (b)". */
  description: string;
  /** The figure the target is judged on, e.g. the ratio 1.07. */
  actual: number;
  /** How `actual` reads, e.g. "x" or "µs". */
  unit: string;
  limit: number;
  /** `max`: actual must be at most limit; `min`: at least. */
  kind: 'max' | 'min';
  met: boolean;
}

export interface Comparison {
  /** The figure compared to the baseline measured in the same run. */
  label: string;
  baseline: string;
  /** value / baseline value, or the inverse where stated in `note`. */
  ratio: number;
  note?: string;
}

export interface SuiteResult {
  id: string;
  title: string;
  /** How the suite measured (tool, iterations, process setup) in one or two sentences. */
  method: string;
  measurements: Measurement[];
  comparisons: Comparison[];
  targets: Target[];
  /** What remains where a target is missed, and why; anything a reader should know. */
  notes: string[];
}

export type Suite = (options: SuiteOptions) => Promise<SuiteResult>;

export function target(
  description: string,
  actual: number,
  unit: string,
  kind: 'max' | 'min',
  limit: number,
): Target {
  return { description, actual, unit, kind, limit, met: kind === 'max' ? actual <= limit : actual >= limit };
}
