import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BroadcastError,
  type BroadcastReport,
  connections,
  DEFAULT_BROADCAST_CONCURRENCY,
  ManagementApiError,
  MemoryConnectionStore,
  PayloadTooLargeError,
  webSocketLambda,
} from 'aws-framework';
import { createLambdaContext, createMessageEvent } from 'aws-framework/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_BROADCAST_RETRY } from '../src/connections/broadcast.js';
import type { Transport } from '../src/connections/transport.js';

/**
 * Fault injection for broadcast through a real HTTP server standing in for the management API:
 * no SDK mocks, so each transport's error parsing and HTTP agent are in play, and the broadcast's
 * own retries (each request is a single attempt; the broadcast retries 429, 5xx and dropped
 * connections within its budget, default 5 attempts). One suite, run on both transports.
 *
 * What the server does is scripted by the connection ID's prefix:
 *   ok-*        200
 *   gone-*      410 GoneException
 *   throttle-*  429 LimitExceededException on the first attempt, then 200
 *   busy-*      429 LimitExceededException, always
 *   error-*     500, always
 *   drop-*      destroys the socket without answering
 * and a stage made with `throttleFirst: n` answers its first n requests 429 whatever the ID, as
 * the account's rate limit does.
 *
 * Each test broadcasts to its own stage (`/s1`, `/s2`, ...): the requests it sees are its own even
 * if a previous test left one in flight, and each endpoint gets its own cached client.
 */

interface Received {
  id: string;
  body: Buffer;
}

interface StageLog {
  received: Received[];
  attempts: Map<string, number>;
  inFlight: number;
  maxInFlight: number;
  /** Milliseconds before answering; lets requests pile up so concurrency becomes visible. */
  delayMs: number;
  /** The stage's first requests answered 429 whatever the ID, as the account's rate limit does. */
  throttleFirst: number;
  /** Requests received, in order, each with the number in flight when it arrived. */
  order: { id: string; inFlight: number }[];
}

const stages = new Map<string, StageLog>();
let server: Server;
let port: number;
let stageCounter = 0;

function newStage(
  delayMs = 0,
  { throttleFirst = 0 }: { throttleFirst?: number } = {},
): { stage: string; endpoint: string; log: StageLog } {
  const stage = `s${++stageCounter}`;
  const log: StageLog = {
    received: [],
    attempts: new Map(),
    inFlight: 0,
    maxInFlight: 0,
    delayMs,
    throttleFirst,
    order: [],
  };
  stages.set(stage, log);
  return { stage, endpoint: `http://127.0.0.1:${port}/${stage}`, log };
}

const distinctIds = (log: StageLog) => new Set(log.received.map((r) => r.id));

// These would change which credentials the SDK signs with, where a send goes, or how it retries.
const ENV_KEYS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI',
  'AWS_MAX_ATTEMPTS',
  'AWS_RETRY_MODE',
  'WEBSOCKET_MANAGEMENT_ENDPOINT',
];

beforeAll(async () => {
  for (const key of ENV_KEYS) vi.stubEnv(key, undefined);

  server = createServer((req, res) => {
    const match = /^\/([^/]+)\/@connections\/([^/?]+)$/.exec(req.url ?? '');
    const log = match ? stages.get(match[1]!) : undefined;
    if (!match || !log || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
      return;
    }
    const id = decodeURIComponent(match[2]!);
    const attempt = (log.attempts.get(id) ?? 0) + 1;
    log.attempts.set(id, attempt);
    log.inFlight++;
    log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
    log.order.push({ id, inFlight: log.inFlight });
    const rateLimited = log.order.length <= log.throttleFirst;
    let counted = true;
    const done = () => {
      if (counted) log.inFlight--;
      counted = false;
    };
    res.on('close', done);

    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      log.received.push({ id, body: Buffer.concat(chunks) });
      const answer = () => {
        if (res.destroyed || res.writableEnded) return;
        const json = { 'content-type': 'application/json' };
        if (id.startsWith('gone-')) {
          res.writeHead(410, { ...json, 'x-amzn-ErrorType': 'GoneException' }).end('{"message":"Gone"}');
        } else if (id.startsWith('throttle-') && attempt === 1) {
          res
            .writeHead(429, { ...json, 'x-amzn-ErrorType': 'LimitExceededException' })
            .end('{"message":"Rate exceeded"}');
        } else if (id.startsWith('busy-') || rateLimited) {
          res
            .writeHead(429, { ...json, 'x-amzn-ErrorType': 'LimitExceededException' })
            .end('{"message":"Rate exceeded"}');
        } else if (id.startsWith('error-')) {
          res.writeHead(500, json).end('{"message":"Internal server error"}');
        } else if (id.startsWith('drop-')) {
          done();
          req.socket.destroy();
        } else {
          res.writeHead(200, json).end('{}');
        }
      };
      if (log.delayMs > 0) setTimeout(answer, log.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Every target in exactly one place: the three parts are disjoint and together are the targets. */
function expectAccountsFor(report: BroadcastReport, sentIds: string[], targets: string[]) {
  const failedIds = report.failed.map((f) => f.connectionId);
  const all = [...sentIds, ...report.gone, ...failedIds];
  expect(report.sent).toBe(sentIds.length);
  expect(report.sent + report.gone.length + report.failed.length).toBe(targets.length);
  expect(new Set(all).size).toBe(all.length);
  expect([...all].sort()).toEqual([...targets].sort());
}

async function* fromGenerator(ids: string[], onPull?: (index: number) => void): AsyncGenerator<string> {
  for (const [index, id] of ids.entries()) {
    onPull?.(index);
    yield id;
  }
}

async function collect(source: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const value of source) out.push(value);
  return out;
}

/** Short waits, so tests of what gets retried do not wait for the default budget's backoff. */
const FAST_RETRY = { baseDelayMs: 2, maxDelayMs: 10 };

const okIds = (n: number, prefix = 'ok') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe.each<Transport>(['sdk', 'direct'])('broadcast over the %s transport', (transport) => {
  describe('the report', () => {
    it('accounts for every target exactly once under 200, 410, 429-then-200, 500 and dropped connections', async () => {
      const { endpoint, log } = newStage();
      const targets = [
        ...okIds(6),
        'gone-1',
        'gone-2',
        'throttle-1',
        'error-1',
        'drop-1',
        ...okIds(2, 'ok-b'),
      ];
      const report = await connections({ endpoint, transport }).broadcast(
        targets,
        { hello: 'world' },
        { concurrency: 4, retry: FAST_RETRY },
      );

      const okTargets = targets.filter((id) => id.startsWith('ok') || id.startsWith('throttle'));
      expectAccountsFor(report, okTargets, targets);
      expect(report.sent).toBe(9);
      expect(report.gone.sort()).toEqual(['gone-1', 'gone-2']);
      expect(report.failed.map((f) => [f.connectionId, f.reason]).sort()).toEqual([
        ['drop-1', 'error'],
        ['error-1', 'error'],
      ]);

      // Bounded retries, attempt by attempt: 200 and 410 once, 429 once then 200, 500 and a dropped
      // connection five times each (the default budget), then given up.
      for (const id of okIds(6)) expect(log.attempts.get(id)).toBe(1);
      expect(log.attempts.get('gone-1')).toBe(1);
      expect(log.attempts.get('gone-2')).toBe(1);
      expect(log.attempts.get('throttle-1')).toBe(2);
      expect(log.attempts.get('error-1')).toBe(5);
      expect(log.attempts.get('drop-1')).toBe(5);
      expect(log.received).toHaveLength(targets.length + 1 + 4 + 4);
      expect(report).toMatchObject({ throttled: 1, retried: 9, minConcurrency: 4 });
    });

    it('gives failed targets a ManagementApiError whose cause is the last attempt’s error', async () => {
      const { endpoint } = newStage();
      const report = await connections({ endpoint, transport }).broadcast(['error-1', 'drop-1'], 'x', {
        retry: FAST_RETRY,
      });
      const byId = new Map(report.failed.map((f) => [f.connectionId, f.error]));

      const serverError = byId.get('error-1');
      expect(serverError).toBeInstanceOf(ManagementApiError);
      expect(serverError).toMatchObject({ connectionId: 'error-1', operation: 'send', httpStatusCode: 500 });
      const cause = (serverError as ManagementApiError).cause as { $metadata: Record<string, unknown> };
      expect(cause).toBeInstanceOf(Error);
      expect(cause).not.toBeInstanceOf(ManagementApiError);
      // One attempt per request: the retries are the broadcast's, not the transport's.
      expect(cause.$metadata).toMatchObject({ httpStatusCode: 500, attempts: 1 });

      const dropped = byId.get('drop-1');
      expect(dropped).toBeInstanceOf(ManagementApiError);
      expect(dropped).toMatchObject({ connectionId: 'drop-1', httpStatusCode: undefined });
      const networkError = (dropped as ManagementApiError).cause as { code?: string };
      expect(networkError).toBeInstanceOf(Error);
      expect(networkError.code).toBe('ECONNRESET');
      expect(report.retried).toBe(8);
    });

    it('puts a throttled (429 once) target in sent after retrying it, and counts the 429', async () => {
      const { endpoint, log } = newStage();
      const report = await connections({ endpoint, transport }).broadcast(['throttle-a', 'ok-1'], 'x');
      expect(report).toEqual({
        sent: 2,
        gone: [],
        failed: [],
        throttled: 1,
        retried: 1,
        minConcurrency: DEFAULT_BROADCAST_CONCURRENCY,
      });
      expect(log.attempts.get('throttle-a')).toBe(2);
    });

    it(`gives up on a target throttled on every attempt after ${DEFAULT_BROADCAST_RETRY.attempts} attempts: failed, reason 'throttled'`, async () => {
      const { endpoint, log } = newStage();
      const started = Date.now();
      const report = await connections({ endpoint, transport }).broadcast(['busy-1', 'ok-1'], 'x');
      // The default budget waits at most 100 + 200 + 400 + 800 ms.
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(report.sent).toBe(1);
      expect(report.failed.map((f) => [f.connectionId, f.reason])).toEqual([['busy-1', 'throttled']]);
      expect(report.failed[0]!.error).toMatchObject({
        httpStatusCode: 429,
        errorType: 'LimitExceededException',
      });
      expect(((report.failed[0]!.error as Error).cause as Error).name).toBe('LimitExceededException');
      expect(log.attempts.get('busy-1')).toBe(DEFAULT_BROADCAST_RETRY.attempts);
      expect(report).toMatchObject({
        throttled: DEFAULT_BROADCAST_RETRY.attempts,
        retried: DEFAULT_BROADCAST_RETRY.attempts - 1,
        // One client's 429s, between the others' successes, are not the account's rate.
        minConcurrency: DEFAULT_BROADCAST_CONCURRENCY,
      });
    });

    it('takes its retry budget from options.retry (attempts 1: no retry)', async () => {
      const { endpoint, log } = newStage();
      const ws = connections({ endpoint, transport });
      const once = await ws.broadcast(['busy-a', 'error-a'], 'x', { retry: { attempts: 1 } });
      expect(once.failed.map((f) => f.reason).sort()).toEqual(['error', 'throttled']);
      expect(once.retried).toBe(0);
      expect(log.attempts.get('busy-a')).toBe(1);
      expect(log.attempts.get('error-a')).toBe(1);
      await ws.broadcast(['busy-b'], 'x', { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
      expect(log.attempts.get('busy-b')).toBe(3);
    });

    it('does not hold a slot while a retry waits: the other targets go on meanwhile', async () => {
      const { endpoint, log } = newStage();
      const report = await connections({ endpoint, transport }).broadcast(['busy-1', ...okIds(10)], 'x', {
        concurrency: 1,
        retry: { attempts: 2, baseDelayMs: 400, maxDelayMs: 400 },
      });
      expect(report.sent).toBe(10);
      // The one slot went to the next target as soon as the 429 came back.
      expect(log.order.slice(0, 2).map((o) => o.id)).toEqual(['busy-1', 'ok-0']);
      expect(log.maxInFlight).toBe(1);
    });

    it('slows down when many targets are throttled at once (the account’s rate), then sends them all', async () => {
      const concurrency = 8;
      const { endpoint, log } = newStage(2, { throttleFirst: 24 });
      const targets = okIds(60);
      const report = await connections({ endpoint, transport }).broadcast(targets, 'x', {
        concurrency,
        retry: { attempts: 10, baseDelayMs: 20, maxDelayMs: 100 },
      });
      expect(report.sent).toBe(60);
      expect(report.failed).toEqual([]);
      expect(report.throttled).toBe(24);
      expect(report.retried).toBe(24);
      expect(report.minConcurrency).toBeLessThan(concurrency);
      expect(report.minConcurrency).toBeGreaterThanOrEqual(1);
      // Never above the configured maximum, and lowered while throttled.
      expect(log.maxInFlight).toBeLessThanOrEqual(concurrency);
      const afterThrottling = log.order.slice(24, 24 + concurrency);
      expect(Math.max(...afterThrottling.map((o) => o.inFlight))).toBeLessThan(concurrency);
    });

    it.each([
      [{ attempts: 0 }, /retry.attempts/],
      [{ attempts: 1.5 }, /retry.attempts/],
      [{ baseDelayMs: -1 }, /retry.baseDelayMs/],
      [{ maxDelayMs: Number.NaN }, /retry.maxDelayMs/],
      [{ tries: 3 }, /unknown option "retry.tries"/],
      ['3', /retry"? must be/],
    ])('rejects retry %j with a TypeError before any request', async (retry, message) => {
      const { endpoint, log } = newStage();
      await expect(
        connections({ endpoint, transport }).broadcast(['ok-1'], 'x', { retry: retry as never }),
      ).rejects.toThrow(message);
      expect(log.received).toHaveLength(0);
    });
  });

  describe('pruning a store', () => {
    it("removes gone connections from the store (and their rooms), leaving the others; targets are the store's list()", async () => {
      const { endpoint } = newStage();
      const store = new MemoryConnectionStore();
      const ids = ['ok-1', 'gone-1', 'ok-2', 'gone-2', 'error-1'];
      for (const connectionId of ids) await store.save({ connectionId, connectedAt: Date.now() });
      await store.join('room', 'gone-1');
      await store.join('room', 'ok-1');

      const report = await connections({ endpoint, transport }).broadcast(store.list(), 'x', {
        store,
        retry: FAST_RETRY,
      });
      expectAccountsFor(report, ['ok-1', 'ok-2'], ids);
      expect(report.gone.sort()).toEqual(['gone-1', 'gone-2']);

      expect(await store.get('gone-1')).toBeUndefined();
      expect(await store.get('gone-2')).toBeUndefined();
      for (const id of ['ok-1', 'ok-2', 'error-1']) expect(await store.get(id)).toBeDefined();
      expect(await collect(store.members('room'))).toEqual(['ok-1']);
      expect((await collect(store.list())).sort()).toEqual(['error-1', 'ok-1', 'ok-2']);
    });

    it('does not call removeMany when nothing is gone', async () => {
      const { endpoint } = newStage();
      const removeMany = vi.fn(async () => {});
      await connections({ endpoint, transport }).broadcast(['ok-1'], 'x', { store: { removeMany } });
      expect(removeMany).not.toHaveBeenCalled();
    });

    it("rejects with BroadcastError reason 'prune', carrying the report, when removeMany fails", async () => {
      const { endpoint } = newStage();
      const failure = new Error('table unavailable');
      const removeMany = vi.fn(async () => {
        throw failure;
      });
      const error = await connections({ endpoint, transport })
        .broadcast(['ok-1', 'gone-1', 'ok-2'], 'x', { store: { removeMany } })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BroadcastError);
      expect(error).toMatchObject({ reason: 'prune', cause: failure });
      expectAccountsFor((error as BroadcastError).report, ['ok-1', 'ok-2'], ['ok-1', 'gone-1', 'ok-2']);
      expect(removeMany).toHaveBeenCalledOnce();
      expect([...(removeMany.mock.calls[0] as unknown as [Iterable<string>])[0]]).toEqual(['gone-1']);
    });
  });

  describe('concurrency', () => {
    it('never has more than `concurrency` (4) requests in flight at the server', async () => {
      const { endpoint, log } = newStage(20);
      const targets = okIds(24);
      const report = await connections({ endpoint, transport }).broadcast(targets, 'x', { concurrency: 4 });
      expect(report.sent).toBe(24);
      expect(log.maxInFlight).toBe(4);
    });

    it(`never has more than the default (${DEFAULT_BROADCAST_CONCURRENCY}) in flight`, async () => {
      const { endpoint, log } = newStage(40);
      const targets = okIds(DEFAULT_BROADCAST_CONCURRENCY * 4);
      const report = await connections({ endpoint, transport }).broadcast(targets, 'x');
      expect(report.sent).toBe(targets.length);
      expect(log.maxInFlight).toBeLessThanOrEqual(DEFAULT_BROADCAST_CONCURRENCY);
      // Reached, so the bound is the broadcast's and not something lower (such as the SDK's 50 sockets).
      expect(log.maxInFlight).toBe(DEFAULT_BROADCAST_CONCURRENCY);
    });

    it('concurrency 1 sends one at a time', async () => {
      const { endpoint, log } = newStage(5);
      const report = await connections({ endpoint, transport }).broadcast(okIds(5), 'x', { concurrency: 1 });
      expect(report.sent).toBe(5);
      expect(log.maxInFlight).toBe(1);
      expect(log.received.map((r) => r.id)).toEqual(okIds(5));
    });

    it('pulls targets from an async generator lazily: never more than `concurrency` ahead of the server', async () => {
      const { endpoint, log } = newStage(10);
      const concurrency = 3;
      const targets = okIds(30);
      let pulls = 0;
      let maxLead = 0;
      const generator = fromGenerator(targets, () => {
        pulls++;
        const lead = pulls - distinctIds(log).size;
        maxLead = Math.max(maxLead, lead);
        expect(lead).toBeLessThanOrEqual(concurrency);
      });
      const report = await connections({ endpoint, transport }).broadcast(generator, 'x', { concurrency });
      expect(report.sent).toBe(30);
      expect(pulls).toBe(30);
      expect(maxLead).toBeLessThanOrEqual(concurrency);
      expect(log.maxInFlight).toBeLessThanOrEqual(concurrency);
    });

    it.each([0, 1.5, 100_000, -1, Number.NaN, '4'])(
      'rejects concurrency %s with a TypeError before any request',
      async (concurrency) => {
        const { endpoint, log } = newStage();
        let pulled = false;
        const generator = fromGenerator(['ok-1'], () => {
          pulled = true;
        });
        await expect(
          connections({ endpoint, transport }).broadcast(generator, 'x', {
            concurrency: concurrency as number,
          }),
        ).rejects.toThrow(TypeError);
        expect(pulled).toBe(false);
        expect(log.received).toHaveLength(0);
      },
    );
  });

  describe('data', () => {
    it('is serialized once, and every request carries the same bytes', async () => {
      const { endpoint, log } = newStage();
      let toJsonCalls = 0;
      const data = {
        toJSON() {
          toJsonCalls++;
          return { type: 'news', text: 'héllo ✓' };
        },
      };
      const targets = okIds(50);
      const report = await connections({ endpoint, transport }).broadcast(targets, data, { concurrency: 8 });
      expect(report.sent).toBe(50);
      expect(toJsonCalls).toBe(1);
      expect(log.received).toHaveLength(50);
      const expected = Buffer.from(JSON.stringify({ type: 'news', text: 'héllo ✓' }), 'utf8');
      for (const { body } of log.received) expect(body.equals(expected)).toBe(true);
      expect(distinctIds(log)).toEqual(new Set(targets));
    });

    it('sends a message of exactly 131,072 bytes', async () => {
      const { endpoint, log } = newStage();
      const report = await connections({ endpoint, transport }).broadcast(['ok-1'], 'x'.repeat(131_072));
      expect(report.sent).toBe(1);
      expect(log.received[0]!.body.byteLength).toBe(131_072);
    });

    it('throws PayloadTooLargeError over 131,072 bytes, before any request or pull', async () => {
      const { endpoint, log } = newStage();
      let pulled = false;
      const generator = fromGenerator(['ok-1'], () => {
        pulled = true;
      });
      const error = await connections({ endpoint, transport })
        .broadcast(generator, 'é'.repeat(65_537))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect(error).toMatchObject({ byteLength: 131_074, limit: 131_072, connectionId: undefined });
      expect((error as Error).message).toBe(
        'Broadcast payload is 131074 bytes; API Gateway accepts at most 131072',
      );
      expect(pulled).toBe(false);
      expect(log.received).toHaveLength(0);
    });
  });

  describe('targets', () => {
    it('takes an array, a Set, a sync generator and a store listing', async () => {
      const { endpoint, log } = newStage();
      const ws = connections({ endpoint, transport });
      expect(await ws.broadcast(['ok-a1', 'ok-a2'], 'x')).toMatchObject({ sent: 2, gone: [], failed: [] });
      expect(await ws.broadcast(new Set(['ok-s1', 'ok-s2', 'ok-s1']), 'x')).toMatchObject({
        sent: 2,
        gone: [],
        failed: [],
      });
      function* sync() {
        yield 'ok-g1';
        yield 'gone-g2';
      }
      expect(await ws.broadcast(sync(), 'x')).toMatchObject({ sent: 1, gone: ['gone-g2'], failed: [] });

      const store = new MemoryConnectionStore();
      for (const connectionId of ['ok-m1', 'ok-m2', 'ok-m3', 'ok-m4']) {
        await store.save({ connectionId, connectedAt: Date.now() });
      }
      await store.join('room', 'ok-m2');
      await store.join('room', 'ok-m4');
      expect(await ws.broadcast(store.members('room'), 'x')).toMatchObject({ sent: 2, gone: [], failed: [] });
      expect(await ws.broadcast(store.list(), 'x')).toMatchObject({ sent: 4, gone: [], failed: [] });
      expect(await ws.broadcast([], 'x')).toMatchObject({ sent: 0, gone: [], failed: [] });

      expect(log.received.map((r) => r.id).sort()).toEqual(
        ['ok-a1', 'ok-a2', 'ok-s1', 'ok-s2', 'ok-g1', 'gone-g2', 'ok-m2', 'ok-m4']
          .concat(['ok-m1', 'ok-m2', 'ok-m3', 'ok-m4'])
          .sort(),
      );
    });

    it('puts invalid target values in failed with a TypeError and sends to the rest', async () => {
      const { endpoint, log } = newStage();
      const targets = ['ok-1', '', 42, 'ok-2', null, 'gone-1'] as unknown as string[];
      const report = await connections({ endpoint, transport }).broadcast(targets, 'x', { concurrency: 2 });
      expect(report.sent).toBe(2);
      expect(report.gone).toEqual(['gone-1']);
      expect(report.failed).toHaveLength(3);
      for (const { error } of report.failed) expect(error).toBeInstanceOf(TypeError);
      expect(report.failed.map((f) => f.connectionId).sort()).toEqual(['', '42', 'null']);
      expect(distinctIds(log)).toEqual(new Set(['ok-1', 'ok-2', 'gone-1']));
    });

    it('rejects targets that are not iterable (a string, a number) with a TypeError', async () => {
      const { endpoint, log } = newStage();
      const ws = connections({ endpoint, transport });
      await expect(ws.broadcast('ok-1' as unknown as string[], 'x')).rejects.toThrow(TypeError);
      await expect(ws.broadcast(42 as unknown as string[], 'x')).rejects.toThrow(TypeError);
      expect(log.received).toHaveLength(0);
    });

    it("rejects with BroadcastError reason 'targets', carrying the report, when the listing throws midway", async () => {
      const { endpoint, log } = newStage();
      const failure = new Error('page 2 failed');
      async function* listing() {
        yield 'ok-1';
        yield 'gone-1';
        yield 'ok-2';
        yield 'error-1';
        yield 'ok-3';
        throw failure;
      }
      const error = await connections({ endpoint, transport })
        .broadcast(listing(), 'x', { concurrency: 2, retry: FAST_RETRY })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BroadcastError);
      expect(error).toMatchObject({ reason: 'targets', cause: failure });
      const report = (error as BroadcastError).report;
      expectAccountsFor(report, ['ok-1', 'ok-2', 'ok-3'], ['ok-1', 'gone-1', 'ok-2', 'error-1', 'ok-3']);
      expect(distinctIds(log)).toEqual(new Set(['ok-1', 'gone-1', 'ok-2', 'error-1', 'ok-3']));
    });
  });

  describe('abort', () => {
    it("stops midway: rejects with BroadcastError reason 'aborted' whose report accounts for what was attempted", async () => {
      const { endpoint, log } = newStage(20);
      const controller = new AbortController();
      const reason = new Error('deploy cancelled');
      const targets = okIds(200);
      let pulls = 0;
      let released = false;
      async function* listing() {
        try {
          for (const id of targets) {
            pulls++;
            if (pulls === 13) controller.abort(reason);
            yield id;
          }
        } finally {
          released = true;
        }
      }
      const error = await connections({ endpoint, transport })
        .broadcast(listing(), 'x', { concurrency: 4, signal: controller.signal })
        .catch((e: unknown) => e);
      const receivedAtRejection = log.received.length;

      expect(error).toBeInstanceOf(BroadcastError);
      expect(error).toMatchObject({ reason: 'aborted', cause: reason });
      const report = (error as BroadcastError).report;
      const reported = [...report.gone, ...report.failed.map((f) => f.connectionId)];
      expect(report.sent + reported.length).toBe(pulls);
      expect(new Set(reported).size).toBe(reported.length);
      // Pulled in order, so what was attempted is a prefix of the targets.
      expect(pulls).toBeLessThanOrEqual(13 + 4);
      expect(report.sent).toBeGreaterThanOrEqual(8);
      for (const { error: failure, reason: why } of report.failed) {
        expect(failure).toBeInstanceOf(ManagementApiError);
        expect(why).toBe('aborted');
      }
      expect(released).toBe(true);

      // Nothing new reaches the server after the rejection.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(log.received.length).toBe(receivedAtRejection);
      expect(log.received.length).toBeLessThanOrEqual(13 + 4);
    });

    it('rejects before any request or pull when the signal is already aborted', async () => {
      const { endpoint, log } = newStage();
      const reason = new Error('already cancelled');
      let pulled = false;
      const generator = fromGenerator(['ok-1', 'ok-2'], () => {
        pulled = true;
      });
      const error = await connections({ endpoint, transport })
        .broadcast(generator, 'x', { signal: AbortSignal.abort(reason) })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BroadcastError);
      expect(error).toMatchObject({
        reason: 'aborted',
        cause: reason,
        report: { sent: 0, gone: [], failed: [] },
      });
      expect(pulled).toBe(false);
      expect(log.received).toHaveLength(0);
    });

    it('sends nothing when aborted while its transport is still loading', async () => {
      const { endpoint, log } = newStage();
      const controller = new AbortController();
      const pending = connections({ endpoint, transport }).broadcast(okIds(5), 'x', {
        signal: controller.signal,
      });
      controller.abort();
      const error = await pending.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BroadcastError);
      expect(error).toMatchObject({ reason: 'aborted', report: { sent: 0, gone: [], failed: [] } });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(log.received).toHaveLength(0);
    });

    it('stops retrying a failing target when aborted during the backoff', async () => {
      const { endpoint, log } = newStage();
      const controller = new AbortController();
      const started = Date.now();
      const pending = connections({ endpoint, transport }).broadcast(['busy-z'], 'x', {
        signal: controller.signal,
        retry: { baseDelayMs: 2_000, maxDelayMs: 2_000 },
      });
      // The 429 arrives almost at once; the broadcast then waits before retrying (up to 2 s here).
      await vi.waitFor(() => expect(log.received.length).toBeGreaterThanOrEqual(1), { interval: 2 });
      controller.abort();
      const error = await pending.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BroadcastError);
      expect((error as BroadcastError).reason).toBe('aborted');
      expect((error as BroadcastError).report.failed.map((f) => [f.connectionId, f.reason])).toEqual([
        ['busy-z', 'aborted'],
      ]);
      expect(Date.now() - started).toBeLessThan(1_000);
      const attempts = log.attempts.get('busy-z');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(log.attempts.get('busy-z')).toBe(attempts);
    });

    it('does not warn about abort listeners (MaxListenersExceededWarning) at the default concurrency', async () => {
      const { endpoint } = newStage(10);
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      try {
        const controller = new AbortController();
        const report = await connections({ endpoint, transport }).broadcast(
          okIds(DEFAULT_BROADCAST_CONCURRENCY * 2),
          'x',
          {
            signal: controller.signal,
          },
        );
        expect(report.sent).toBe(DEFAULT_BROADCAST_CONCURRENCY * 2);
        await new Promise((resolve) => setImmediate(resolve));
      } finally {
        process.off('warning', onWarning);
      }
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    });

    it('leaves no abort listener behind on a signal shared by many broadcasts', async () => {
      const { endpoint } = newStage();
      const controller = new AbortController();
      const ws = connections({ endpoint, transport });
      for (let i = 0; i < 20; i++) {
        const report = await ws.broadcast(okIds(5), 'x', { signal: controller.signal, concurrency: 2 });
        expect(report.sent).toBe(5);
      }
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });

    // An abort must not wait for a listing that is waiting for its next page (a slow query).
    it('stops promptly when aborted while the listing is stalled (a slow page)', async () => {
      const { endpoint, log } = newStage();
      const controller = new AbortController();
      async function* listing() {
        yield 'ok-1';
        yield 'ok-2';
        // The next page takes a while to arrive.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        yield 'ok-3';
      }
      const pending = connections({ endpoint, transport }).broadcast(listing(), 'x', {
        concurrency: 2,
        signal: controller.signal,
      });
      await vi.waitFor(() => expect(log.received).toHaveLength(2), { interval: 2 });
      const abortedAt = Date.now();
      controller.abort();
      const error = await pending.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BroadcastError);
      expect(Date.now() - abortedAt).toBeLessThan(300);
    });
  });
});

describe('context.broadcast', () => {
  it('reaches the management endpoint resolved from the event (loopback domainName and stage)', async () => {
    const { stage, log } = newStage();
    const store = new MemoryConnectionStore();
    for (const connectionId of ['ok-c1', 'gone-c2', 'ok-c3']) {
      await store.save({ connectionId, connectedAt: Date.now() });
    }
    let report: BroadcastReport | undefined;
    const handler = webSocketLambda(
      async (event, context) => {
        report = await context.broadcast(
          store.list(),
          { from: context.connectionId, body: event.body },
          { store },
        );
        return { statusCode: 200 };
      },
      { logger: false },
    );
    const event = createMessageEvent(
      { action: 'shout', text: 'hi' },
      { requestContext: { domainName: `127.0.0.1:${port}`, stage, connectionId: 'ok-c1' } },
    );
    const result = await handler(event, createLambdaContext());
    expect(result.statusCode).toBe(200);
    expect(report).toEqual({
      sent: 2,
      gone: ['gone-c2'],
      failed: [],
      throttled: 0,
      retried: 0,
      minConcurrency: DEFAULT_BROADCAST_CONCURRENCY,
    });
    expect(distinctIds(log)).toEqual(new Set(['ok-c1', 'gone-c2', 'ok-c3']));
    const body = JSON.parse(log.received[0]!.body.toString('utf8'));
    expect(body).toEqual({ from: 'ok-c1', body: { action: 'shout', text: 'hi' } });
    expect(await store.get('gone-c2')).toBeUndefined();
  });
});
