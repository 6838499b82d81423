// The send and broadcast signatures every layer shares: `context.send`/`context.broadcast` (the
// websocket layer), `connections()` and the class adapter. A leaf like event.ts: it imports nothing
// of this package, so connections/ and websocket/ both depend on it and never on each other.

/**
 * What a broadcast sends to: any iterable of connection IDs, sync or async, so a store's
 * `members(group)` or `list()` streams straight in without being collected first.
 *
 * @example
 * ```ts
 * import type { BroadcastTargets } from 'aws-framework';
 *
 * const fromArray: BroadcastTargets = ['conn-1', 'conn-2'];
 * async function* fromPages(): AsyncIterable<string> {
 *   yield 'conn-3';
 * }
 * const fromGenerator: BroadcastTargets = fromPages();
 * ```
 */
export type BroadcastTargets = Iterable<string> | AsyncIterable<string>;

/** How a broadcast retries a target that was throttled (429), answered 5xx or dropped. */
export interface BroadcastRetryOptions {
  /**
   * Attempts per target, the first included; 1 never retries. An integer from 1 to 20.
   * @default 5
   */
  attempts?: number;
  /**
   * Retry `n` (from 0) waits a random time up to `baseDelayMs * 2^n` (full jitter). 0 to 60,000.
   * @default 100
   */
  baseDelayMs?: number;
  /** No wait between attempts is longer than this. 0 to 60,000. @default 2000 */
  maxDelayMs?: number;
}

/** How one broadcast runs: its concurrency, retries, store clean-up and cancellation. */
export interface BroadcastOptions {
  /**
   * Most requests in flight at once, an integer from 1 to 1,000. It is a ceiling: when API Gateway
   * throttles (429), the broadcast halves its concurrency and grows it back one at a time (AIMD).
   * @default 32 (`DEFAULT_BROADCAST_CONCURRENCY`)
   */
  concurrency?: number;
  /** Retry budget per target. @default `DEFAULT_BROADCAST_RETRY` (5 attempts, 100 ms base, 2 s cap) */
  retry?: BroadcastRetryOptions;
  /**
   * Gone connections (410) are removed from it in one `removeMany` once the broadcast has run.
   * Any `ConnectionStore` fits.
   * @default undefined (gone connections are reported in `gone`, not removed)
   */
  store?: {
    /** Removes the connections, and their group memberships, from the store. */
    removeMany(connectionIds: Iterable<string>): Promise<void>;
  };
  /**
   * Stops pulling targets, cancels pending retries and aborts requests in flight; the broadcast
   * then rejects with a `BroadcastError` holding the report so far.
   * @default undefined (runs to the end)
   */
  signal?: AbortSignal;
}

/**
 * Why a target is in `failed`: `throttled`, still 429 `LimitExceededException` after its retry
 * budget (a client that does not read); `error`, any other failure (403, 5xx or a dropped
 * connection after its retries); `invalid`, not a non-empty string; `aborted`, the signal fired
 * before it was sent.
 */
export type BroadcastFailureReason = 'throttled' | 'error' | 'invalid' | 'aborted';

/** One target a broadcast could not send to. */
export interface BroadcastFailure {
  /** The target as it was given (for `invalid`, whatever the iterable yielded, as a string). */
  connectionId: string;
  /** Why it failed; see {@link BroadcastFailureReason}. */
  reason: BroadcastFailureReason;
  /** A `ManagementApiError` whose `cause` is the last attempt's error; a `TypeError` for `invalid`. */
  error: unknown;
}

/** Every attempted target is in exactly one of `sent` (a count), `gone` and `failed`. */
export interface BroadcastReport {
  /** Targets the message reached. */
  sent: number;
  /** Targets that answered 410: the connection no longer exists. */
  gone: string[];
  /** Targets that could not be sent to, each with its reason and error. */
  failed: BroadcastFailure[];
  /** 429 answers received, over every attempt (a target throttled twice counts twice). */
  throttled: number;
  /** Attempts beyond each target's first. */
  retried: number;
  /** The lowest concurrency the broadcast went down to; its `concurrency` when never slowed. */
  minConcurrency: number;
}

/**
 * Sends `data` to one connection: a string goes as its UTF-8 bytes, a `Uint8Array` as is, anything
 * else as JSON. Throttling (429), 5xx and dropped connections are retried (3 attempts).
 *
 * Rejects with `PayloadTooLargeError` over 131,072 bytes (before any request),
 * `ConnectionGoneError` when the connection no longer exists (410), `ManagementApiError` for any
 * other failure, and `TypeError` for a connection ID that is not a non-empty string.
 */
export type SendFn = (connectionId: string, data: unknown) => Promise<void>;

/**
 * Sends one message to many connections with bounded, adaptive concurrency and reports where each
 * went. A failed target never rejects the call: it is in the report's `failed` or `gone`.
 *
 * Rejects with `PayloadTooLargeError` over 131,072 bytes (before pulling any target),
 * `OptionsError` for bad options, and `BroadcastError` (with the report so far) when the signal
 * aborts, the targets fail to list, or the store's clean-up fails.
 */
export type BroadcastFn = (
  targets: BroadcastTargets,
  data: unknown,
  options?: BroadcastOptions,
) => Promise<BroadcastReport>;
