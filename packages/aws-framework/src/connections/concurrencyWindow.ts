/**
 * How many requests a broadcast keeps in flight, adjusted as TCP adjusts its congestion window:
 * halved when the account's rate is exceeded (multiplicative decrease, never below 1), grown by
 * `1 / size` per success (additive increase: +1 per window's worth of successes), never above
 * `max`.
 */
export interface ConcurrencyWindow {
  /** Requests allowed in flight now: the window's whole part, from 1 to `max`. */
  readonly limit: number;
  /** The lowest `limit` reached. */
  readonly lowest: number;
  /** Times the window was halved. */
  readonly decreases: number;
  grow(): void;
  shrink(): void;
}

export function concurrencyWindow(max: number): ConcurrencyWindow {
  let size = max;
  let limit = max;
  let lowest = max;
  let decreases = 0;
  return {
    get limit() {
      return limit;
    },
    get lowest() {
      return lowest;
    },
    get decreases() {
      return decreases;
    },
    grow() {
      if (size >= max) return;
      size = Math.min(max, size + 1 / size);
      limit = Math.floor(size);
    },
    shrink() {
      size = Math.max(1, size / 2);
      limit = Math.floor(size);
      lowest = Math.min(lowest, limit);
      decreases++;
    },
  };
}
