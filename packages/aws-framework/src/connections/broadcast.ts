import { clearTimeout, setTimeout as later, setImmediate as nextLoopTurn } from 'node:timers';
import { type OptionSchema, OptionsError, validateOptions } from '../options/validateOptions.js';
import type {
  BroadcastFailure,
  BroadcastOptions,
  BroadcastReport,
  BroadcastRetryOptions,
  BroadcastTargets,
} from '../types/delivery.js';
import { concurrencyWindow } from './concurrencyWindow.js';
import { encodePayload, MAX_PAYLOAD_BYTES } from './encodePayload.js';
import { isGone, ManagementApiError, PayloadTooLargeError } from './errors.js';
import { backoffDelay, isRetryable, isThrottle } from './retry.js';
import {
  checkTransport,
  DEFAULT_TRANSPORT,
  type ManagementTransport,
  type PreparedPayload,
  type Transport,
  transportFor,
} from './transport.js';

/**
 * The default `concurrency` of a broadcast: requests in flight at once. Measured against a management endpoint on 127.0.0.1 with 5 ms of
 * latency (bench/broadcastConcurrency.ts): throughput nears its ceiling (~2k messages/s per
 * process on 2 vCPUs, bound by the SDK's per-request CPU) from 16 to 32 in flight, and memory does
 * not grow with it. Real Lambda-to-API Gateway latency of 10-30 ms needs 20-60 in flight for that
 * rate.
 * The SDK's HTTP agent opens at most 50 sockets per client, so more than 50 only queues there; the
 * direct transport sizes its agent to the concurrency.
 */
export const DEFAULT_BROADCAST_CONCURRENCY = 32;
const MAX_CONCURRENCY = 1_000;
const MAX_ATTEMPTS = 20;
const MAX_DELAY_MS = 60_000;

/**
 * The default `retry` of a broadcast. Five attempts over at most ~1.5 s of waiting (100 + 200 + 400 + 800 ms, each jittered down):
 * long enough for a client that reads slowly to drain its buffer, short enough that one that
 * never reads is reported within seconds.
 */
export const DEFAULT_BROADCAST_RETRY: Readonly<Required<BroadcastRetryOptions>> = Object.freeze({
  attempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
});

/**
 * The broadcast could not finish: its signal aborted it, its targets failed to list, or gone
 * connections could not be removed from the store. `report` holds what was attempted, so nothing
 * that happened is lost; `cause` is the abort reason or the underlying error.
 *
 * @example
 * ```ts
 * import { BroadcastError, connections } from 'aws-framework';
 *
 * const ws = connections({ endpoint: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod' });
 * try {
 *   await ws.broadcast(['conn-1', 'conn-2'], { type: 'tick' }, { signal: AbortSignal.timeout(5_000) });
 * } catch (error) {
 *   if (!(error instanceof BroadcastError)) throw error;
 *   console.warn(`${error.reason}: ${error.report.sent} sent before it stopped`, error.cause);
 * }
 * ```
 */
export class BroadcastError extends Error {
  /** Always `'BroadcastError'`: survives serialization and bundling, where `instanceof` may not. */
  override readonly name = 'BroadcastError';
  /**
   * `aborted`: the signal fired; `targets`: the targets' iterable threw while being pulled;
   * `prune`: every send ran, but `store.removeMany` of the gone connections failed.
   */
  readonly reason: 'aborted' | 'targets' | 'prune';
  /** What the broadcast did before it stopped: every attempted target is in it. */
  readonly report: BroadcastReport;

  constructor(reason: 'aborted' | 'targets' | 'prune', report: BroadcastReport, cause: unknown) {
    const what = {
      aborted: 'was aborted',
      targets: 'stopped: listing its targets failed',
      prune: 'sent, but removing gone connections from the store failed',
    }[reason];
    super(
      `Broadcast ${what} (${report.sent} sent, ${report.gone.length} gone, ${report.failed.length} failed)`,
      {
        cause,
      },
    );
    this.reason = reason;
    this.report = report;
  }
}

function checkInteger(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new OptionsError(
      'broadcast',
      name,
      `broadcast: option "${name}" must be an integer from ${min} to ${max}, got ${value}`,
    );
  }
  return value as number;
}

function checkRetry(retry: unknown): Required<BroadcastRetryOptions> {
  if (retry === undefined) return DEFAULT_BROADCAST_RETRY;
  validateOptions('broadcast', RETRY_OPTIONS, retry, 'retry.');
  const { attempts, baseDelayMs, maxDelayMs } = retry as BroadcastRetryOptions;
  const defaults = DEFAULT_BROADCAST_RETRY;
  return {
    attempts: checkInteger('retry.attempts', attempts, defaults.attempts, 1, MAX_ATTEMPTS),
    baseDelayMs: checkInteger('retry.baseDelayMs', baseDelayMs, defaults.baseDelayMs, 0, MAX_DELAY_MS),
    maxDelayMs: checkInteger('retry.maxDelayMs', maxDelayMs, defaults.maxDelayMs, 0, MAX_DELAY_MS),
  };
}

type Targets = { sync: true; iterator: Iterator<string> } | { sync: false; iterator: AsyncIterator<string> };

function targetsOf(targets: BroadcastTargets): Targets {
  if (targets !== null && typeof targets === 'object') {
    if (Symbol.asyncIterator in targets) return { sync: false, iterator: targets[Symbol.asyncIterator]() };
    if (Symbol.iterator in targets) return { sync: true, iterator: targets[Symbol.iterator]() };
  }
  throw new TypeError(
    'broadcast: targets must be an array, an iterable or an async iterable of connection IDs',
  );
}

const RETRY_OPTIONS: OptionSchema = { attempts: 'number', baseDelayMs: 'number', maxDelayMs: 'number' };

const BROADCAST_OPTIONS: OptionSchema = {
  concurrency: 'number',
  retry: 'object',
  store: 'object',
  signal: 'object',
};

/**
 * Sends one message to many connections: serialized once (and hashed once for the direct
 * transport), targets pulled lazily so an async iterable of any size keeps memory flat, at most
 * `concurrency` requests in flight. Each request is a single attempt; the broadcast retries
 * throttled (429), 5xx and dropped targets itself, within `options.retry`, without holding a slot
 * while a retry waits; and it slows down (fewer in flight, a short pause) when throttling spans
 * several targets, which is the account's rate rather than one slow client.
 * `context.broadcast` and `connections().broadcast` are this function bound to an endpoint.
 */
export async function broadcastTo(
  endpoint: string,
  targets: BroadcastTargets,
  data: unknown,
  options: BroadcastOptions = {},
  transport: Transport = DEFAULT_TRANSPORT,
): Promise<BroadcastReport> {
  // Unknown keys and wrong kinds first, with the toolkit's one helper; the ranges below.
  validateOptions('broadcast', BROADCAST_OPTIONS, options);
  const concurrency = checkInteger(
    'concurrency',
    options.concurrency,
    DEFAULT_BROADCAST_CONCURRENCY,
    1,
    MAX_CONCURRENCY,
  );
  const retry = checkRetry(options.retry);
  checkTransport(transport, 'broadcast');
  const source = targetsOf(targets);
  const bytes = encodePayload(data);
  if (bytes.byteLength > MAX_PAYLOAD_BYTES) {
    throw new PayloadTooLargeError(undefined, bytes.byteLength, MAX_PAYLOAD_BYTES);
  }
  const { signal, store } = options;
  const report: BroadcastReport = {
    sent: 0,
    gone: [],
    failed: [],
    throttled: 0,
    retried: 0,
    minConcurrency: concurrency,
  };
  if (signal?.aborted) throw new BroadcastError('aborted', report, signal.reason);

  const sender = await transportFor(endpoint, transport, 'none');
  sender.reserve(concurrency);
  const outcome = await fanOut(sender, sender.prepare(bytes), source, report, concurrency, retry, signal);

  if (!outcome.exhausted) {
    // Let the source release what it holds (a paginated query, a file) when we stop early. Not
    // awaited after an abort: a generator finishes a pending next() before it can return.
    const released = Promise.resolve()
      .then(() => source.iterator.return?.())
      .catch(() => {});
    if (!signal?.aborted) await released;
  }
  if (store && report.gone.length > 0) {
    try {
      await store.removeMany(report.gone);
    } catch (error) {
      throw new BroadcastError('prune', report, error);
    }
  }
  if (signal?.aborted) throw new BroadcastError('aborted', report, signal.reason);
  if (outcome.targetsFailed) throw new BroadcastError('targets', report, outcome.targetsFailed.error);
  return report;
}

interface Pending {
  connectionId: string;
  /** Attempts made so far. */
  attempts: number;
}

interface FanOutOutcome {
  /** The targets ran out (or failed): nothing is left to release. */
  exhausted: boolean;
  targetsFailed: { error: unknown } | undefined;
}

/**
 * The engine. Slots are taken by retries that are due first, then by new targets; a retry that
 * waits holds no slot. A 429 that follows another target's 429 with no success between them is
 * the account's rate (one slow client's 429s are interleaved with the others' successes): the
 * window halves, at most once per round of requests, and new requests pause for a jittered
 * backoff that doubles with each slow-down until a full window of successes in a row; each
 * success grows the window back. Halving alone cannot bring the rate under a low limit when each
 * request takes a millisecond (a local gateway); the pause can.
 */
function fanOut(
  sender: ManagementTransport,
  payload: PreparedPayload,
  source: Targets,
  report: BroadcastReport,
  concurrency: number,
  retry: Required<BroadcastRetryOptions>,
  signal: AbortSignal | undefined,
): Promise<FanOutOutcome> {
  return new Promise((resolve) => {
    const window = concurrencyWindow(concurrency);
    const ready: Pending[] = [];
    const waiting = new Map<NodeJS.Timeout, Pending>();
    const controllers = signal ? new Set<AbortController>() : undefined;
    let inFlight = 0;
    let pulling = false;
    let exhausted = false;
    let targetsFailed: { error: unknown } | undefined;
    let stopped = false;
    let finished = false;
    // After an abort, a pull that was pending gets one loop turn to deliver its target (reported).
    let lateWindowOpen = false;
    let fillQueued = false;
    let dispatched = 0;
    let decreasedAt = 0;
    let lastThrottled: string | undefined;
    // Consecutive slow-downs lengthen the pause, so a bucket that refills slowly (a low account
    // rate, or other senders sharing it) gets time to; a full window of successes in a row resets it.
    let pauses = 0;
    let successesInARow = 0;
    let pausedUntil = 0;
    let pauseTimer: NodeJS.Timeout | undefined;

    const finish = () => {
      if (finished) return;
      finished = true;
      if (pauseTimer) clearTimeout(pauseTimer);
      signal?.removeEventListener('abort', onAbort);
      resolve({ exhausted, targetsFailed });
    };

    const maybeFinish = () => {
      if (inFlight > 0 || (pulling && (!stopped || lateWindowOpen))) return;
      if (stopped || (exhausted && ready.length === 0 && waiting.size === 0)) finish();
    };

    const fail = (connectionId: string, reason: BroadcastFailure['reason'], error: unknown) => {
      report.failed.push({
        connectionId,
        reason,
        error: reason === 'invalid' ? error : new ManagementApiError('send', connectionId, error),
      });
    };

    function onAbort() {
      stopped = true;
      for (const [timer, pending] of waiting) {
        clearTimeout(timer);
        fail(pending.connectionId, 'aborted', signal?.reason);
      }
      waiting.clear();
      for (const pending of ready) fail(pending.connectionId, 'aborted', signal?.reason);
      ready.length = 0;
      for (const controller of controllers ?? []) controller.abort(signal?.reason);
      if (pulling) {
        lateWindowOpen = true;
        nextLoopTurn(() => {
          lateWindowOpen = false;
          maybeFinish();
        });
      }
      maybeFinish();
    }
    signal?.addEventListener('abort', onAbort, { once: true });

    // Completions in one loop turn start their successors together on the next: the SDK and Node
    // http cost less CPU per request when requests start together than one at a time, each from
    // the callback of the last response (~400 rather than ~550 µs with the SDK against a stub on
    // 127.0.0.1). node:timers' own setImmediate: fake timers in a test replace the global one, and
    // must not stall a broadcast.
    const queueFill = () => {
      if (fillQueued) return;
      fillQueued = true;
      nextLoopTurn(fill);
    };

    function fill() {
      fillQueued = false;
      if (stopped) return maybeFinish();
      if (pausedUntil > 0) {
        const left = pausedUntil - performance.now();
        if (left > 0) {
          pauseTimer ??= later(() => {
            pauseTimer = undefined;
            fill();
          }, left);
          return maybeFinish();
        }
        pausedUntil = 0;
      }
      while (inFlight + (pulling ? 1 : 0) < window.limit) {
        const due = ready.shift();
        if (due) {
          start(due);
          continue;
        }
        if (exhausted || pulling) break;
        if (!source.sync) {
          pullAsync(source.iterator);
          break;
        }
        let next: IteratorResult<string>;
        try {
          next = source.iterator.next();
        } catch (error) {
          targetsFailed ??= { error };
          exhausted = true;
          break;
        }
        if (next.done) {
          exhausted = true;
          break;
        }
        take(next.value);
      }
      maybeFinish();
    }

    function pullAsync(iterator: AsyncIterator<string>) {
      pulling = true;
      let pulled: Promise<IteratorResult<string>>;
      try {
        pulled = Promise.resolve(iterator.next());
      } catch (error) {
        pulled = Promise.reject(error);
      }
      pulled.then(
        (next) => {
          pulling = false;
          if (stopped) {
            // A target pulled as the abort came is reported, not lost.
            if (lateWindowOpen && !next.done) fail(String(next.value), 'aborted', signal?.reason);
            return maybeFinish();
          }
          if (next.done) exhausted = true;
          else take(next.value);
          fill();
        },
        (error: unknown) => {
          pulling = false;
          targetsFailed ??= { error };
          exhausted = true;
          if (stopped) return maybeFinish();
          fill();
        },
      );
    }

    function take(connectionId: unknown) {
      if (typeof connectionId !== 'string' || connectionId === '') {
        fail(
          String(connectionId),
          'invalid',
          new TypeError(`not a connection ID: ${JSON.stringify(connectionId)}`),
        );
        return;
      }
      start({ connectionId, attempts: 0 });
    }

    function start(pending: Pending) {
      inFlight++;
      pending.attempts++;
      const sequence = ++dispatched;
      let controller: AbortController | undefined;
      if (controllers) {
        // One controller per request: the caller's signal must not collect a listener per request.
        controller = new AbortController();
        controllers.add(controller);
      }
      sender.post(pending.connectionId, payload, controller?.signal).then(
        () => {
          inFlight--;
          if (controller) controllers?.delete(controller);
          report.sent++;
          lastThrottled = undefined;
          if (++successesInARow >= concurrency) pauses = 0;
          window.grow();
          queueFill();
          if (stopped) maybeFinish();
        },
        (error: unknown) => {
          inFlight--;
          if (controller) controllers?.delete(controller);
          failed(pending, error, sequence);
          queueFill();
          if (stopped) maybeFinish();
        },
      );
    }

    function failed(pending: Pending, error: unknown, sequence: number) {
      const { connectionId } = pending;
      if (stopped) return fail(connectionId, 'aborted', error);
      if (isGone(error)) {
        report.gone.push(connectionId);
        return;
      }
      const throttled = isThrottle(error);
      if (throttled) {
        report.throttled++;
        successesInARow = 0;
        if (lastThrottled !== undefined && lastThrottled !== connectionId && sequence > decreasedAt) {
          slowDown();
        }
        lastThrottled = connectionId;
      }
      if (!isRetryable(error) || pending.attempts >= retry.attempts) {
        return fail(connectionId, throttled ? 'throttled' : 'error', error);
      }
      report.retried++;
      const timer = later(
        () => {
          waiting.delete(timer);
          ready.push(pending);
          fill();
        },
        backoffDelay(pending.attempts - 1, retry.baseDelayMs, retry.maxDelayMs),
      );
      waiting.set(timer, pending);
    }

    function slowDown() {
      window.shrink();
      report.minConcurrency = window.lowest;
      // Requests already in flight were sent at the old rate: their 429s must not halve it again.
      decreasedAt = dispatched;
      // Equal jitter: a pause of at least half the step, so the account's bucket refills a little.
      const step = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.min(pauses++, 16));
      pausedUntil = performance.now() + step / 2 + (Math.random() * step) / 2;
    }

    // The signal may have fired while the transport loaded: its listener was added too late to run.
    if (signal?.aborted) onAbort();
    else fill();
  });
}
