import {
  ConnectionGoneError,
  connections,
  MAX_PAYLOAD_BYTES,
  MemoryConnectionStore,
  PayloadTooLargeError,
} from 'aws-framework';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Transport } from '../src/connections/transport.js';
import { useLocalGateway } from './localGateway.js';

/**
 * What arrives: each transport's sends, disconnects, infos and broadcasts against the local gateway
 * (packages/local-gateway), read by real WebSocket clients. One suite, two transports.
 */

const gateways = useLocalGateway();

beforeEach(() => {
  // The developer's shell must not redirect sends, nor make the gateway look like AWS to the signer.
  for (const key of ['WEBSOCKET_MANAGEMENT_ENDPOINT', 'AWS_ACCESS_KEY_ID', 'AWS_PROFILE'])
    vi.stubEnv(key, undefined);
  return () => vi.unstubAllEnvs();
});

describe.each<Transport>(['sdk', 'direct'])('the %s transport against the local gateway', (transport) => {
  async function setUp(clientCount = 1) {
    const gateway = await gateways.start();
    const clients = [];
    for (let i = 0; i < clientCount; i++)
      clients.push(await gateways.open(gateway, { 'user-agent': `client-${i}` }));
    return { gateway, clients, ws: connections({ endpoint: gateway.endpoint, transport }) };
  }

  describe('send', () => {
    it('delivers a string as a text frame of its UTF-8 bytes', async () => {
      const { clients, ws } = await setUp();
      const [client] = clients;
      await ws.send(client!.connectionId, 'héllo ✓');
      const [message] = await client!.waitFor(1);
      expect(message).toEqual({ isBinary: false, bytes: Buffer.from('héllo ✓', 'utf8') });
    });

    it('delivers an object as its JSON text', async () => {
      const { clients, ws } = await setUp();
      const message = { type: 'chat', text: 'héllo ✓', n: [1, 2, 3], nested: { ok: true } };
      await ws.send(clients[0]!.connectionId, message);
      const [received] = await clients[0]!.waitFor(1);
      expect(JSON.parse(received!.bytes.toString('utf8'))).toEqual(message);
    });

    it('delivers bytes that are not UTF-8 unchanged, as a binary frame', async () => {
      const { clients, ws } = await setUp();
      const bytes = Uint8Array.from([0x00, 0xff, 0x80, 0xc3, 0x28]);
      await ws.send(clients[0]!.connectionId, bytes);
      const [received] = await clients[0]!.waitFor(1);
      expect(received!.isBinary).toBe(true);
      expect([...received!.bytes]).toEqual([...bytes]);
    });

    it(`delivers exactly ${MAX_PAYLOAD_BYTES} bytes, and refuses one more before any request`, async () => {
      const { clients, ws } = await setUp();
      const id = clients[0]!.connectionId;
      const error = await ws.send(id, 'y'.repeat(MAX_PAYLOAD_BYTES + 1)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PayloadTooLargeError);
      await ws.send(id, 'x'.repeat(MAX_PAYLOAD_BYTES));
      const received = await clients[0]!.waitFor(1);
      expect(received).toHaveLength(1);
      expect(received[0]!.bytes.byteLength).toBe(MAX_PAYLOAD_BYTES);
      expect(received[0]!.bytes.toString()).toMatch(/^x+$/);
    });

    it('throws ConnectionGoneError once the client has gone', async () => {
      const { clients, ws } = await setUp();
      clients[0]!.ws.close();
      await clients[0]!.closed;
      await vi.waitFor(async () => {
        const error = await ws.send(clients[0]!.connectionId, 'x').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConnectionGoneError);
        expect(error).toMatchObject({ connectionId: clients[0]!.connectionId });
      });
    });
  });

  describe('info and disconnect', () => {
    it('tells when the connection was made and last active, its source IP and user agent', async () => {
      const before = Date.now();
      const { clients, ws } = await setUp();
      const info = await ws.info(clients[0]!.connectionId);
      expect(info.connectedAt).toBeInstanceOf(Date);
      expect(info.lastActiveAt).toBeInstanceOf(Date);
      expect(info.connectedAt.getTime()).toBeGreaterThanOrEqual(before - 1_000);
      expect(info.lastActiveAt.getTime()).toBeGreaterThanOrEqual(info.connectedAt.getTime());
      expect(info).toMatchObject({ sourceIp: '127.0.0.1', userAgent: 'client-0' });
    });

    it('closes the client; a second disconnect resolves; info then throws ConnectionGoneError', async () => {
      const { clients, ws } = await setUp();
      const id = clients[0]!.connectionId;
      await ws.disconnect(id);
      await expect(clients[0]!.closed).resolves.toBeTypeOf('number');
      await expect(ws.disconnect(id)).resolves.toBeUndefined();
      await expect(ws.info(id)).rejects.toBeInstanceOf(ConnectionGoneError);
    });
  });

  describe('broadcast', () => {
    it('reaches every client once with the same bytes, reports and prunes the gone ones', async () => {
      const { clients, ws } = await setUp(12);
      const store = new MemoryConnectionStore();
      for (const { connectionId } of clients) await store.save({ connectionId, connectedAt: Date.now() });
      for (const connectionId of ['goneAAAAAAAAAAA=', 'goneBBBBBBBBBBB=']) {
        await store.save({ connectionId, connectedAt: Date.now() });
      }
      const message = { type: 'news', text: 'héllo ✓' };
      const report = await ws.broadcast(store.list(), message, { store, concurrency: 4 });
      expect(report).toEqual({
        sent: 12,
        gone: expect.arrayContaining(['goneAAAAAAAAAAA=', 'goneBBBBBBBBBBB=']),
        failed: [],
        throttled: 0,
        retried: 0,
        minConcurrency: 4,
      });
      expect(report.gone).toHaveLength(2);
      for (const client of clients) {
        const received = await client.waitFor(1);
        expect(received).toHaveLength(1);
        expect(received[0]!.bytes.toString('utf8')).toBe(JSON.stringify(message));
      }
      expect(await store.get('goneAAAAAAAAAAA=')).toBeUndefined();
      expect(await store.get(clients[0]!.connectionId)).toBeDefined();
    });
  });
});
