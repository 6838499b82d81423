import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import {
  type ConnectionRegistry,
  type ConnectionRegistryOptions,
  createConnectionRegistry,
} from '../src/connectionRegistry.js';
import type { ConnectionFacts } from '../src/events.js';
import { gatewayLog } from '../src/gatewayLog.js';
import { MAX_PAYLOAD_BYTES } from '../src/managementApi.js';
import { deferred, sleep, TestClient, WAIT_MS, waitUntil, withTimeout } from './helpers.js';

interface Disconnect {
  connectionId: string;
  statusCode: number;
  reason: string;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A registry behind a plain ws server: each socket the server accepts is added under the next
 * connection ID, and `open()` returns a real client for it. onMessage echoes `echo:{body}` through
 * the connection's own send unless the test gives its own.
 */
async function setup(options: Partial<ConnectionRegistryOptions> = {}) {
  const messages: Array<{ connectionId: string; body: string }> = [];
  const disconnects: Disconnect[] = [];
  const registry: ConnectionRegistry = createConnectionRegistry({
    idleTimeoutMs: 60_000,
    maxConnectionMs: 60_000,
    clientBufferBytes: 1_048_576,
    log: gatewayLog(undefined),
    async onMessage(connection, body) {
      messages.push({ connectionId: connection.connectionId, body });
      connection.send(`echo:${body}`);
    },
    async onDisconnect(connection, statusCode, reason) {
      disconnects.push({ connectionId: connection.connectionId, statusCode, reason });
    },
    ...options,
  });
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload: MAX_PAYLOAD_BYTES });
  await new Promise((resolve) => wss.once('listening', resolve));
  let next = 0;
  wss.on('connection', (socket) => registry.add(socket, facts(`conn-${++next}=`)));
  const clients: WebSocket[] = [];
  cleanups.push(async () => {
    for (const ws of clients) ws.terminate();
    await withTimeout(registry.closeAll(), WAIT_MS, 'the registry to close');
    await new Promise((resolve) => wss.close(resolve));
  });

  async function open(): Promise<{ client: TestClient; connectionId: string }> {
    const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    clients.push(ws);
    const client = new TestClient(ws);
    await withTimeout(new Promise((resolve) => ws.once('open', resolve)), WAIT_MS, 'the client to open');
    const connectionId = `conn-${next}=`;
    await waitUntil(() => registry.has(connectionId), `${connectionId} in the registry`);
    return { client, connectionId };
  }

  const disconnectOf = async (connectionId: string): Promise<Disconnect> => {
    await waitUntil(
      () => disconnects.some((d) => d.connectionId === connectionId),
      `$disconnect of ${connectionId}`,
    );
    return disconnects.find((d) => d.connectionId === connectionId) as Disconnect;
  };

  return { registry, open, messages, disconnects, disconnectOf };
}

function facts(connectionId: string): ConnectionFacts {
  return { connectionId, connectedAt: Date.now(), sourceIp: '127.0.0.1', userAgent: 'registry test' };
}

const rawSocketOf = (ws: WebSocket) => (ws as unknown as { _socket: Socket })._socket;

describe('connection registry: messages and sends', () => {
  it('hands each text message to onMessage with a connection whose send reaches that client', async () => {
    const { open, messages } = await setup();
    const a = await open();
    const b = await open();
    await a.client.send('{"action":"hi"}');
    expect((await a.client.next()).text).toBe('echo:{"action":"hi"}');
    expect(messages).toEqual([{ connectionId: a.connectionId, body: '{"action":"hi"}' }]);
    expect(b.client.pending).toBe(0);
  });

  it('post delivers text as a text frame and bytes as a binary frame, over 32 KB as one message', async () => {
    const { registry, open } = await setup();
    const { client, connectionId } = await open();
    const big = 'é'.repeat(50_000); // 100,000 bytes: frames of 32 KB split characters, the message stays whole
    expect(registry.post(connectionId, big)).toBe(true);
    expect(registry.post(connectionId, Buffer.from([0xff, 0x00]))).toBe(true);
    const text = await client.next();
    expect(text.isBinary).toBe(false);
    expect(text.text).toBe(big);
    const bytes = await client.next();
    expect(bytes.isBinary).toBe(true);
    expect([...bytes.bytes]).toEqual([0xff, 0x00]);
  });

  it('info tells when the connection opened, when it last saw data, and who it is', async () => {
    const { registry, open } = await setup();
    const { client, connectionId } = await open();
    const before = registry.info(connectionId);
    expect(before).toMatchObject({ sourceIp: '127.0.0.1', userAgent: 'registry test' });
    expect(before.lastActiveAt).toBe(before.connectedAt);
    await sleep(20);
    await client.send('x');
    await client.next();
    expect(registry.info(connectionId).lastActiveAt).toBeGreaterThan(before.connectedAt);
  });

  it('isBufferFull once the socket holds more unsent bytes than clientBufferBytes, and not after the client reads', async () => {
    const { registry, open } = await setup({ clientBufferBytes: 64 * 1024 });
    const { client, connectionId } = await open();
    rawSocketOf(client.ws).pause();
    const chunk = Buffer.alloc(128 * 1024, 0x61).toString();
    // Loopback's kernel buffers take a few MB before the socket's own buffer grows: bounded.
    for (let i = 0; i < 400 && !registry.isBufferFull(connectionId); i++) registry.post(connectionId, chunk);
    expect(registry.isBufferFull(connectionId)).toBe(true);
    rawSocketOf(client.ws).resume();
    await waitUntil(() => !registry.isBufferFull(connectionId), 'the client to drain');
  });

  it('answers nothing for an unknown ID', async () => {
    const { registry } = await setup();
    expect(registry.has('nobody=')).toBe(false);
    expect(registry.post('nobody=', 'x')).toBe(false);
    expect(registry.isBufferFull('nobody=')).toBe(false);
    registry.delete('nobody=');
  });
});

describe('connection registry: closes and $disconnect', () => {
  it("a client's close reaches onDisconnect once, with its code and reason, or 1005 without one", async () => {
    const { open, disconnectOf, disconnects } = await setup();
    const a = await open();
    a.client.ws.close(4000, 'bye');
    expect(await disconnectOf(a.connectionId)).toMatchObject({ statusCode: 4000, reason: 'bye' });
    const b = await open();
    b.client.ws.close();
    expect(await disconnectOf(b.connectionId)).toMatchObject({
      statusCode: 1005,
      reason: 'Client-side close frame status not set',
    });
    await sleep(50);
    expect(disconnects).toHaveLength(2);
  });

  it('delete closes with 1000; the connection is gone at once, before the client has answered', async () => {
    const { registry, open, disconnectOf } = await setup();
    const { client, connectionId } = await open();
    registry.delete(connectionId);
    expect(registry.has(connectionId)).toBe(false);
    expect(registry.post(connectionId, 'late')).toBe(false);
    expect((await client.waitClose()).code).toBe(1000);
    expect(await disconnectOf(connectionId)).toMatchObject({
      statusCode: 1000,
      reason: 'Connection Closed Normally',
    });
  });

  it('a binary frame closes with 1003 and is never handed on', async () => {
    const { open, messages, disconnectOf } = await setup();
    const { client, connectionId } = await open();
    await client.send(Buffer.from([1, 2, 3]));
    expect((await client.waitClose()).code).toBe(1003);
    expect((await disconnectOf(connectionId)).statusCode).toBe(1003);
    expect(messages).toEqual([]);
  });

  it('a single frame over 32 KB closes with 1009 and is never handed on', async () => {
    const { open, messages, disconnectOf } = await setup();
    const { client, connectionId } = await open();
    client.ws.send('a'.repeat(40_000));
    expect((await client.waitClose()).code).toBe(1009);
    expect((await disconnectOf(connectionId)).statusCode).toBe(1009);
    expect(messages).toEqual([]);
  });

  it('a protocol error is reported with the code ws closed with (1002), not 1006', async () => {
    const { open, disconnectOf } = await setup();
    const { client, connectionId } = await open();
    rawSocketOf(client.ws).write(Buffer.from([0x83, 0x80, 1, 2, 3, 4])); // reserved opcode 0x3
    expect((await client.waitClose()).code).toBe(1002);
    expect(await disconnectOf(connectionId)).toMatchObject({ statusCode: 1002, reason: 'Protocol error' });
  });

  it('idles out with 1001 after idleTimeoutMs without data; data either way keeps it open', async () => {
    const { registry, open, disconnectOf } = await setup({ idleTimeoutMs: 500, onMessage: async () => {} });
    const { client, connectionId } = await open();
    for (let i = 0; i < 7; i++) {
      await sleep(100);
      if (i % 2) registry.post(connectionId, 'push');
      else await client.send('ping');
    }
    expect(registry.has(connectionId)).toBe(true);
    expect((await client.waitClose()).code).toBe(1001);
    expect(await disconnectOf(connectionId)).toMatchObject({ statusCode: 1001, reason: 'Going away' });
  });

  it('closes at maxConnectionMs even while busy', async () => {
    const { open, disconnectOf } = await setup({ maxConnectionMs: 250 });
    const { client, connectionId } = await open();
    const opened = Date.now();
    const busy = setInterval(() => client.ws.readyState === WebSocket.OPEN && client.ws.send('busy'), 30);
    try {
      expect((await client.waitClose()).code).toBe(1001);
    } finally {
      clearInterval(busy);
    }
    expect(Date.now() - opened).toBeGreaterThanOrEqual(200);
    expect((await disconnectOf(connectionId)).statusCode).toBe(1001);
  });

  it('abandon delivers $disconnect 1006 for a connection that never opened', async () => {
    const { registry, disconnectOf } = await setup();
    registry.abandon(facts('never='));
    expect(await disconnectOf('never=')).toEqual({
      connectionId: 'never=',
      statusCode: 1006,
      reason: 'Connection closed abnormally',
    });
  });

  it('closeAll closes every connection with 1001 and resolves only once every $disconnect is delivered', async () => {
    const slow = deferred();
    const delivered: string[] = [];
    const { registry, open } = await setup({
      async onDisconnect(connection) {
        await slow.promise;
        delivered.push(connection.connectionId);
      },
    });
    const a = await open();
    const b = await open();
    registry.abandon(facts('abandoned='));
    let closed = false;
    const closing = registry.closeAll().then(() => {
      closed = true;
    });
    expect((await a.client.waitClose()).code).toBe(1001);
    expect((await b.client.waitClose()).code).toBe(1001);
    await sleep(50);
    expect(closed).toBe(false);
    slow.resolve();
    await withTimeout(closing, WAIT_MS, 'closeAll');
    expect(delivered.sort()).toEqual(['abandoned=', a.connectionId, b.connectionId].sort());
  });
});
