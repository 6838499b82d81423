import { setImmediate as nextLoopTurn } from 'node:timers';
import type { ConnectionStore } from '../stores/ConnectionStore.js';
import { encodePayload, MAX_PAYLOAD_BYTES } from './encodePayload.js';
import { isGone, ManagementApiError, PayloadTooLargeError } from './errors.js';
import { managementClientFor } from './managementClient.js';

/**
 * Requests in flight at once. Measured against a management endpoint on 127.0.0.1 with 5 ms of
 * latency (bench/broadcastConcurrency.ts): throughput nears its ceiling (~2k messages/s per
 * process on 2 vCPUs, bound by the SDK's per-request CPU) from 16 to 32 in flight, and memory does
 * not grow with it. Real Lambda-to-API Gateway latency of 10-30 ms needs 20-60 in flight for that
 * rate.
 * The SDK's HTTP agent opens at most 50 sockets per client, so more than 50 only queues.
 */
export const DEFAULT_BROADCAST_CONCURRENCY = 32;
const MAX_CONCURRENCY = 1_000;

export type BroadcastTargets = Iterable<string> | AsyncIterable<string>;

export interface BroadcastOptions {
  /** Requests in flight at once; default `DEFAULT_BROADCAST_CONCURRENCY`. */
  concurrency?: number;
  /** Gone connections (410) are removed from it once the broadcast has run. */
  store?: Pick<ConnectionStore, 'removeMany'>;
  /** Stops pulling targets and aborts requests in flight. */
  signal?: AbortSignal;
}

/** Every attempted target is in exactly one place. */
export interface BroadcastReport {
  sent: number;
  gone: string[];
  failed: { connectionId: string; error: unknown }[];
}

/**
 * The broadcast could not finish: its signal aborted it, its targets failed to list, or gone
 * connections could not be removed from the store. `report` holds what was attempted, so nothing
 * that happened is lost; `cause` is the abort reason or the underlying error.
 */
export class BroadcastError extends Error {
  override readonly name = 'BroadcastError';
  readonly reason: 'aborted' | 'targets' | 'prune';
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

/**
 * `promise`, or 'aborted' as soon as `signal` aborts. The listener lives only as long as the one
 * pull it guards: a signal shared by many broadcasts must not collect one listener per target.
 */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | 'aborted'> {
  if (signal.aborted) return Promise.resolve('aborted');
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function checkConcurrency(concurrency: unknown): number {
  if (concurrency === undefined) return DEFAULT_BROADCAST_CONCURRENCY;
  if (
    !Number.isInteger(concurrency) ||
    (concurrency as number) < 1 ||
    (concurrency as number) > MAX_CONCURRENCY
  ) {
    throw new TypeError(
      `broadcast: concurrency must be an integer from 1 to ${MAX_CONCURRENCY}, got ${concurrency}`,
    );
  }
  return concurrency as number;
}

function iteratorOf(targets: BroadcastTargets): Iterator<string> | AsyncIterator<string> {
  if (targets !== null && typeof targets === 'object') {
    if (Symbol.asyncIterator in targets) return targets[Symbol.asyncIterator]();
    if (Symbol.iterator in targets) return targets[Symbol.iterator]();
  }
  throw new TypeError(
    'broadcast: targets must be an array, an iterable or an async iterable of connection IDs',
  );
}

/**
 * Sends one message to many connections: serialized once, at most `concurrency` requests in
 * flight, targets pulled lazily so an async iterable of any size keeps memory flat. Throttling
 * (429) and 5xx are retried by the SDK's standard strategy (3 attempts, exponential backoff with
 * jitter), so nothing is retried forever.
 */
export async function broadcastTo(
  endpoint: string,
  targets: BroadcastTargets,
  data: unknown,
  options: BroadcastOptions = {},
): Promise<BroadcastReport> {
  const concurrency = checkConcurrency(options.concurrency);
  const iterator = iteratorOf(targets);
  const bytes = encodePayload(data);
  if (bytes.byteLength > MAX_PAYLOAD_BYTES) {
    throw new PayloadTooLargeError('(broadcast)', bytes.byteLength, MAX_PAYLOAD_BYTES);
  }
  const { signal, store } = options;
  const report: BroadcastReport = { sent: 0, gone: [], failed: [] };
  if (signal?.aborted) throw new BroadcastError('aborted', report, signal.reason);

  const { client, sdk } = await managementClientFor(endpoint);

  // Pulls are chained: a hand-written async iterator need not support overlapping next() calls.
  let pulling: Promise<unknown> = Promise.resolve();
  let exhausted = false;
  let targetsFailed: { error: unknown } | undefined;
  const pull = (): Promise<IteratorResult<string>> => {
    const next = pulling.then(() => iterator.next());
    pulling = next.catch(() => {});
    return next;
  };

  // A worker whose request finished waits for the event loop's next turn, so that every worker
  // whose request finished in this one starts its next request together with it. The SDK and Node
  // http cost less CPU per request when requests start together than one at a time, each from the
  // callback of the last response: ~400 rather than ~550 µs against a stub on 127.0.0.1, which is
  // why an unbounded Promise.all used to outrun this pool (bench/suites/broadcast.ts). It is
  // node:timers' own setImmediate: fake timers in a test replace the global one, and must not stall
  // a broadcast, which never waited on a timer before.
  let turn: Promise<void> | undefined;
  const nextTurn = (): Promise<void> => {
    turn ??= new Promise<void>((resolve) => {
      nextLoopTurn(() => {
        turn = undefined;
        resolve();
      });
    });
    return turn;
  };

  async function sendAll(): Promise<void> {
    while (!exhausted && !signal?.aborted) {
      let next: IteratorResult<string> | 'aborted';
      const pulled = pull();
      try {
        // A listing can wait long between items (a slow page); the abort must not wait for it.
        next = await (signal ? raceAbort(pulled, signal) : pulled);
      } catch (error) {
        targetsFailed ??= { error };
        exhausted = true;
        return;
      }
      if (next === 'aborted') {
        // A target pulled as the abort came is reported, not lost; a stalled pull is left behind.
        const late = await Promise.race([
          pulled.catch(() => undefined),
          new Promise<undefined>((resolve) => nextLoopTurn(() => resolve(undefined))),
        ]);
        if (late && !late.done) {
          report.failed.push({
            connectionId: String(late.value),
            error: new ManagementApiError('send', String(late.value), signal?.reason),
          });
        }
        return;
      }
      if (next.done) {
        exhausted = true;
        return;
      }
      const connectionId = next.value;
      if (typeof connectionId !== 'string' || connectionId === '') {
        report.failed.push({
          connectionId: String(connectionId),
          error: new TypeError(`not a connection ID: ${JSON.stringify(connectionId)}`),
        });
        continue;
      }
      try {
        await client.send(new sdk.PostToConnectionCommand({ ConnectionId: connectionId, Data: bytes }), {
          abortSignal: signal,
        });
        report.sent++;
      } catch (error) {
        if (isGone(error)) report.gone.push(connectionId);
        else report.failed.push({ connectionId, error: new ManagementApiError('send', connectionId, error) });
      }
      await nextTurn();
    }
  }

  try {
    await Promise.all(Array.from({ length: concurrency }, sendAll));
  } finally {
    // Let the source release what it holds (a paginated query, a file) when we stop early. Not
    // awaited after an abort: a generator finishes a pending next() before it can return.
    if (!exhausted) {
      const released = Promise.resolve()
        .then(() => iterator.return?.())
        .catch(() => {});
      if (!signal?.aborted) await released;
    }
  }
  if (store && report.gone.length > 0) {
    try {
      await store.removeMany(report.gone);
    } catch (error) {
      throw new BroadcastError('prune', report, error);
    }
  }
  if (signal?.aborted) throw new BroadcastError('aborted', report, signal.reason);
  if (targetsFailed) throw new BroadcastError('targets', report, targetsFailed.error);
  return report;
}
