import { connections, ManagementApiError } from 'aws-framework';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_BROADCAST_RETRY } from '../src/connections/broadcast.js';
import type { Transport } from '../src/connections/transport.js';
import { type GatewayClient, useLocalGateway } from './localGateway.js';

/**
 * Backpressure as AWS applies it, end to end through the local gateway, which answers 429
 * `LimitExceededException` for both of AWS's causes: a client whose buffer is full
 * (`clientBufferBytes`, a client that stops reading) and the account's request rate
 * (`managementRateLimit`). On both transports, with the default retry budget.
 */

const gateways = useLocalGateway();

beforeEach(() => {
  for (const key of ['WEBSOCKET_MANAGEMENT_ENDPOINT', 'AWS_ACCESS_KEY_ID', 'AWS_PROFILE'])
    vi.stubEnv(key, undefined);
  return () => vi.unstubAllEnvs();
});

async function openClients(
  gateway: Parameters<ReturnType<typeof useLocalGateway>['open']>[0],
  count: number,
) {
  const clients: GatewayClient[] = [];
  for (let i = 0; i < count; i++) clients.push(await gateways.open(gateway));
  return clients;
}

describe.each<Transport>(['sdk', 'direct'])('backpressure on the %s transport', (transport) => {
  it("a client that does not read ends in failed, reason 'throttled', while every other target is sent", async () => {
    const gateway = await gateways.start({ clientBufferBytes: 64 * 1024 });
    const [slow, ...readers] = await openClients(gateway, 11);
    const ws = connections({ endpoint: gateway.endpoint, transport });
    slow!.stopReading();
    // Fill what the kernel holds for the slow client until the gateway's own buffer is full.
    const chunk = new Uint8Array(128 * 1024).fill(97);
    let full = false;
    for (let i = 0; i < 400 && !full; i++) {
      const report = await ws.broadcast([slow!.connectionId], chunk, { retry: { attempts: 1 } });
      full = report.failed[0]?.reason === 'throttled';
    }
    expect(full).toBe(true);

    const started = Date.now();
    const targets = [slow!.connectionId, ...readers.map((r) => r.connectionId)];
    const report = await ws.broadcast(targets, { type: 'news' });
    const seconds = (Date.now() - started) / 1000;

    expect(report.sent).toBe(10);
    expect(report.gone).toEqual([]);
    expect(report.failed).toHaveLength(1);
    const [failure] = report.failed;
    expect(failure).toMatchObject({ connectionId: slow!.connectionId, reason: 'throttled' });
    expect(failure!.error).toBeInstanceOf(ManagementApiError);
    expect(failure!.error).toMatchObject({ httpStatusCode: 429, errorType: 'LimitExceededException' });
    expect(report.throttled).toBe(DEFAULT_BROADCAST_RETRY.attempts);
    expect(report.retried).toBe(DEFAULT_BROADCAST_RETRY.attempts - 1);
    // One client's 429s are not the account's rate: the broadcast did not slow down for them.
    expect(report.minConcurrency).toBe(32);
    expect(seconds).toBeLessThan(5);
    for (const reader of readers) {
      const [message] = await reader.waitFor(1);
      expect(JSON.parse(message!.bytes.toString())).toEqual({ type: 'news' });
    }
  }, 10_000);

  it('an account rate limit is met by slowing down: throttled > 0, a lowered concurrency, every target sent', async () => {
    const rate = 20;
    const gateway = await gateways.start({ managementRateLimit: rate });
    const clients = await openClients(gateway, 60);
    // Opening the clients cost no management requests: the gateway's bucket starts full (20).
    const ws = connections({ endpoint: gateway.endpoint, transport });
    const started = Date.now();
    const report = await ws.broadcast(
      clients.map((c) => c.connectionId),
      'tick',
      { concurrency: 16 },
    );
    const seconds = (Date.now() - started) / 1000;

    expect(report.failed).toEqual([]);
    expect(report.sent).toBe(60);
    expect(report.throttled).toBeGreaterThan(0);
    expect(report.retried).toBe(report.throttled);
    expect(report.minConcurrency).toBeLessThan(16);
    // 20 in the first burst, the other 40 at 20/s: two seconds at best, however it is paced.
    expect(seconds).toBeGreaterThan(1.5);
    expect(seconds).toBeLessThan(8);
    for (const client of clients) {
      const received = await client.waitFor(1);
      expect(received.map((m) => m.bytes.toString())).toEqual(['tick']);
    }
  }, 10_000);
});
