// The client against the local gateway: real sockets, Node's global WebSocket.
import { describe, expect, it } from 'vitest';
import { ClientError, ClientRequestError, createClient } from '../src/client/index.js';
import {
  deleteConnection,
  type GatewayOptions,
  ServerLog,
  sleep,
  useClientGateways,
  WAIT_MS,
  waitUntil,
} from './clientGateway.js';
import { testContract, testHandler } from './clientServer.js';

const harness = useClientGateways();

type TestClientOptions = Omit<Parameters<typeof createClient>[1], 'url'> & {
  url?: Parameters<typeof createClient>[1]['url'];
};

async function setUp(gatewayOptions: Partial<GatewayOptions> = {}) {
  const log = new ServerLog();
  const gateway = await harness.start({ handler: testHandler(log), ...gatewayOptions });
  const connect = (options: TestClientOptions = {}) =>
    harness.track(createClient(testContract, { url: gateway.url, ...options }));
  return { log, gateway, connect };
}

function waitForStatus(client: { statuses: string[] }, statuses: string[], ms = WAIT_MS): Promise<void> {
  return waitUntil(
    () => client.statuses.length >= statuses.length,
    `statuses ${statuses.join(', ')} (seen: ${client.statuses.join(', ')})`,
    ms,
  ).then(() => expect(client.statuses).toEqual(statuses));
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, it resolved');
}

function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected it to throw');
}

describe('createClient against the local gateway', () => {
  it('connects, answers a request with the reply payload, and delivers events to listeners', async () => {
    const { log, connect } = await setUp();
    const client = connect();
    expect(client.status).toBe('connecting');
    await expect(client.request('echo', { text: 'hello' })).resolves.toEqual({ text: 'hello' });
    expect(client.statuses).toEqual(['connecting', 'open']);

    const heard: string[] = [];
    const unsubscribe = client.on('shouted', ({ text }) => heard.push(text));
    client.send('shout', { text: 'hi' });
    await waitUntil(() => heard.length === 1, 'the shouted event');
    expect(heard).toEqual(['HI']);

    unsubscribe();
    client.send('shout', { text: 'again' });
    await client.request('echo', { text: 'after' });
    expect(heard).toEqual(['HI']);
    expect(log.actions().map((a) => a.action)).toEqual(['echo', 'shout', 'shout', 'echo']);
  });

  it('rejects a request the server answers with an error with a ClientRequestError: status, message, issues', async () => {
    const { connect } = await setUp();
    const client = connect();
    const error = await rejectionOf(client.request('fail', { text: '' }));
    expect(error).toBeInstanceOf(ClientRequestError);
    expect(error).toMatchObject({
      status: 422,
      message: 'Invalid message',
      issues: [{ path: ['text'], message: 'Too short' }],
    });
  });

  it('rejects a request with no reply at its timeout (ClientError timeout), and the client serves on', async () => {
    const { connect } = await setUp();
    const client = connect({ requestTimeoutMs: 200 });
    const started = Date.now();
    const error = await rejectionOf(client.request('slowEcho', { text: 'x', ms: 400 }));
    expect(error).toBeInstanceOf(ClientError);
    expect(error).toMatchObject({ code: 'timeout', message: 'no reply to "slowEcho" within 200 ms' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);

    const short = await rejectionOf(client.request('slowEcho', { text: 'x', ms: 150 }, { timeoutMs: 50 }));
    expect(short).toMatchObject({ code: 'timeout', message: 'no reply to "slowEcho" within 50 ms' });
    // The replies arriving after their requests timed out are ignored.
    await sleep(400);
    await expect(client.request('echo', { text: 'still' })).resolves.toEqual({ text: 'still' });
  });

  it('reconnects after a management API DELETE, calling the url function again', async () => {
    const { log, gateway, connect } = await setUp();
    let calls = 0;
    const client = connect({
      url: async () => {
        calls++;
        return `${gateway.url}?attempt=${calls}`;
      },
    });
    await client.request('echo', { text: 'first' });
    const [first] = log.connectionIds();
    await deleteConnection(gateway, first as string);

    await waitForStatus(client, ['connecting', 'open', 'reconnecting', 'open']);
    expect(calls).toBe(2);
    await expect(client.request('echo', { text: 'second' })).resolves.toEqual({ text: 'second' });
    const ids = log.connectionIds();
    expect(ids).toHaveLength(2);
    expect(log.actions().at(-1)?.connectionId).toBe(ids[1]);
    expect(log.events.find((e) => e.requestContext.connectionId === ids[1])?.queryStringParameters).toEqual({
      attempt: '2',
    });
  });

  it('tells listeners why it is reconnecting', async () => {
    const { log, gateway, connect } = await setUp();
    const client = connect();
    await client.request('echo', { text: 'x' });
    const seen: [string, ClientError | undefined][] = [];
    client.onStatus((status, error) => seen.push([status, error]));
    await deleteConnection(gateway, log.connectionIds()[0] as string);
    await waitUntil(() => seen.length === 2, 'reconnecting then open');
    expect(seen).toEqual([
      ['reconnecting', expect.any(ClientError)],
      ['open', undefined],
    ]);
    expect(seen[0]?.[1]).toMatchObject({
      code: 'connection-lost',
      message: 'the connection closed (1000 Connection Closed Normally)',
    });
  });

  it('reconnects after the gateway restarts on the same port', async () => {
    const first = await setUp();
    const client = first.connect();
    await client.request('echo', { text: 'before' });
    await first.gateway.close();
    const log = new ServerLog();
    await harness.start({ handler: testHandler(log), port: first.gateway.port });

    await waitForStatus(client, ['connecting', 'open', 'reconnecting', 'open']);
    await expect(client.request('echo', { text: 'after' })).resolves.toEqual({ text: 'after' });
    expect(log.connectionIds()).toHaveLength(1);
  });

  it('queues sends and requests made while reconnecting and sends them in order once open, after what open listeners send', async () => {
    const { log, gateway, connect } = await setUp();
    const client = connect();
    await client.request('echo', { text: 'connected' });
    client.onStatus((status) => {
      if (status === 'open') client.send('note', { text: 'rejoin' });
    });
    const [first] = log.connectionIds();
    await deleteConnection(gateway, first as string);
    await waitUntil(() => client.status === 'reconnecting', 'reconnecting');

    client.send('note', { text: 'a' });
    const reply = client.request('echo', { text: 'b' });
    client.send('note', { text: 'c' });
    await expect(reply).resolves.toEqual({ text: 'b' });
    await waitUntil(() => log.actions().length === 5, 'the queued frames');

    const [, second] = log.connectionIds();
    expect(log.actions().slice(1)).toEqual([
      { connectionId: second, action: 'note', payload: { text: 'rejoin' } },
      { connectionId: second, action: 'note', payload: { text: 'a' } },
      { connectionId: second, action: 'echo', payload: { text: 'b' } },
      { connectionId: second, action: 'note', payload: { text: 'c' } },
    ]);
  });

  it('refuses a send beyond queueLimit while disconnected with a ClientError queue-full', async () => {
    const { log, connect } = await setUp();
    const client = connect({ queueLimit: 2 });
    client.send('note', { text: '1' });
    client.send('note', { text: '2' });
    const error = thrownBy(() => client.send('note', { text: '3' }));
    expect(error).toBeInstanceOf(ClientError);
    expect(error).toMatchObject({
      code: 'queue-full',
      message: '2 frames already wait for the connection (queueLimit)',
    });
    await expect(client.request('echo', { text: '4' })).rejects.toMatchObject({ code: 'queue-full' });

    await waitUntil(() => log.actions().length === 2, 'the two queued frames');
    expect(log.actions().map((a) => a.payload)).toEqual([{ text: '1' }, { text: '2' }]);
  });

  it('rejects a request whose connection drops before the reply (connection-lost), never re-sending it', async () => {
    const { log, gateway, connect } = await setUp();
    const client = connect();
    await client.request('echo', { text: 'x' });
    const pending = client.request('slowEcho', { text: 'x', ms: 1_000 });
    await waitUntil(() => log.actions().length === 2, 'the request at the server');
    await deleteConnection(gateway, log.connectionIds()[0] as string);

    const error = await rejectionOf(pending);
    expect(error).toBeInstanceOf(ClientError);
    expect(error).toMatchObject({
      code: 'connection-lost',
      message: 'the connection closed (1000 Connection Closed Normally)',
    });
    await waitUntil(() => client.status === 'open' && log.connectionIds().length === 2, 'the new connection');
    await client.request('echo', { text: 'y' });
    await sleep(1_000);
    expect(log.actions().filter((a) => a.action === 'slowEcho')).toHaveLength(1);
  });

  it('stops after a few handshakes refused by $connect (401), within seconds, as closed with a refused error', async () => {
    const { log, gateway, connect } = await setUp();
    const started = Date.now();
    let handshakes = 0;
    const client = connect({
      url: () => {
        handshakes++;
        return `${gateway.url}?refuse`;
      },
    });
    const statusErrors: (ClientError | undefined)[] = [];
    client.onStatus((_, error) => statusErrors.push(error));
    const queued = rejectionOf(client.request('echo', { text: 'never sent' }));

    await waitForStatus(client, ['connecting', 'closed'], 8_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(handshakes).toBe(4);
    // Node's WebSocket (undici) repeats a handshake answered 401 once, as fetch does an
    // authentication request: two $connect invocations per handshake.
    const connects = log.connectionIds().length;
    expect(connects).toBe(8);
    expect(statusErrors).toHaveLength(1);
    expect(statusErrors[0]).toBeInstanceOf(ClientError);
    expect(statusErrors[0]).toMatchObject({
      code: 'refused',
      message: '4 handshakes in a row failed without opening: refused by $connect (401, 403) or out of reach',
    });
    expect(await queued).toBe(statusErrors[0]);
    expect(thrownBy(() => client.send('note', { text: 'x' }))).toMatchObject({ code: 'closed' });
    await sleep(1_000);
    expect(log.connectionIds()).toHaveLength(connects);
  });

  it('takes refusedAfter handshakes, and a url function that throws counts as one', async () => {
    const { connect } = await setUp();
    let calls = 0;
    const client = connect({
      url: () => {
        calls++;
        throw new Error('no token');
      },
      reconnect: { refusedAfter: 2, initialDelayMs: 10 },
    });
    const errors: (ClientError | undefined)[] = [];
    client.onStatus((_, error) => errors.push(error));
    await waitUntil(() => client.status === 'closed', 'the client to give up');
    expect(calls).toBe(2);
    expect(errors[0]).toMatchObject({ code: 'refused', cause: new Error('no token') });
  });

  it('switches to a new connection before maxConnectionMs, answering requests sent on the old one', async () => {
    const { log, connect } = await setUp({ maxConnectionMs: 3_000 });
    const client = connect({ maxConnectionMs: 1_200 });
    await client.request('echo', { text: 'x' });
    const [first] = log.connectionIds();
    // Sent on the first connection just before the switch (at 1,150 ms), answered after it.
    await sleep(1_000);
    const slow = client.request('slowEcho', { text: 'slow', ms: 400 });
    await waitUntil(() => log.connectionIds().length === 2, 'the second connection', 2_000);
    await waitUntil(() => client.statuses.length === 3, 'the second open');
    expect(client.statuses).toEqual(['connecting', 'open', 'open']);
    await expect(client.request('echo', { text: 'on the new one' })).resolves.toEqual({
      text: 'on the new one',
    });
    await expect(slow).resolves.toEqual({ text: 'slow' });

    const [, second] = log.connectionIds();
    await waitUntil(() => log.disconnects().length === 1, 'the old connection to close');
    // Closed by the client (1000) once drained, not by the gateway at its limit (1001).
    expect(log.disconnects()).toEqual([{ connectionId: first, code: 1000 }]);
    expect(log.actions().map((a) => [a.action, a.connectionId])).toEqual([
      ['echo', first],
      ['slowEcho', first],
      ['echo', second],
    ]);
  });

  it('keeps a connection alive past the idle timeout with heartbeats on a MOCK ping route', async () => {
    const lines: string[] = [];
    const { log, connect } = await setUp({
      idleTimeoutMs: 500,
      mockRoutes: ['ping'],
      logger: { info: (line) => lines.push(line), error: (line) => lines.push(line) },
    });
    const client = connect({ heartbeatMs: 300 });
    await client.request('echo', { text: 'x' });
    await sleep(1_500);
    expect(client.statuses).toEqual(['connecting', 'open']);
    expect(log.connectionIds()).toHaveLength(1);
    expect(log.actions()).toHaveLength(1); // no handler ran for a ping
    expect(lines.filter((line) => /^ping \S+ mock$/.test(line)).length).toBeGreaterThanOrEqual(3);
  });

  it('sends no heartbeat while other frames keep the connection busy', async () => {
    const lines: string[] = [];
    const { connect } = await setUp({
      mockRoutes: ['ping'],
      logger: { info: (line) => lines.push(line), error: (line) => lines.push(line) },
    });
    const client = connect({ heartbeatMs: 800 });
    await client.request('echo', { text: 'x' });
    const pings = () => lines.filter((line) => line.startsWith('ping ')).length;
    for (let i = 0; i < 12; i++) {
      client.send('note', { text: String(i) });
      await sleep(100);
    }
    expect(pings()).toBe(0);
    await waitUntil(() => pings() === 1, 'a ping once the sends stopped');
  });

  it('without heartbeats, the idle timeout closes the connection and the client reconnects', async () => {
    const { connect } = await setUp({ idleTimeoutMs: 300 });
    const client = connect({ heartbeatMs: false });
    await client.request('echo', { text: 'x' });
    await waitForStatus(client, ['connecting', 'open', 'reconnecting', 'open']);
  });

  it('refuses a frame over the 32 KB frame limit before sending it, and the connection stays open', async () => {
    const { log, connect } = await setUp();
    const client = connect();
    await client.request('echo', { text: 'x' });
    const error = thrownBy(() => client.send('note', { text: 'a'.repeat(40_000) }));
    expect(error).toBeInstanceOf(ClientError);
    expect(error).toMatchObject({
      code: 'frame-too-large',
      message:
        '"note" is over API Gateway\'s 32 KB frame limit (32768 bytes), which would close the connection (1009)',
    });
    // 11,000 characters of 3 bytes each in UTF-8: 33,000 bytes.
    await expect(client.request('echo', { text: '€'.repeat(11_000) })).rejects.toMatchObject({
      code: 'frame-too-large',
    });
    const fits = 'a'.repeat(32_768 - JSON.stringify({ action: 'note', payload: { text: '' } }).length);
    client.send('note', { text: fits });
    await expect(client.request('echo', { text: 'y' })).resolves.toEqual({ text: 'y' });
    expect(client.statuses).toEqual(['connecting', 'open']);
    expect(log.actions().map((a) => a.action)).toEqual(['echo', 'note', 'echo']);
  });

  it('close() closes with 1000, stops reconnecting, and rejects what waits with a ClientError closed', async () => {
    const { log, connect } = await setUp();
    const client = connect();
    await client.request('echo', { text: 'x' });
    const pending = client.request('slowEcho', { text: 'x', ms: 500 });
    client.close();
    expect(client.status).toBe('closed');
    await expect(pending).rejects.toMatchObject({ code: 'closed', message: 'the client was closed' });
    expect(thrownBy(() => client.send('note', { text: 'x' }))).toMatchObject({
      code: 'closed',
      message: 'the client is closed',
    });
    await expect(client.request('echo', { text: 'x' })).rejects.toMatchObject({ code: 'closed' });
    await waitUntil(() => log.disconnects().length === 1, 'the $disconnect');
    expect(log.disconnects()[0]?.code).toBe(1000);
    await sleep(800);
    expect(log.connectionIds()).toHaveLength(1);
    expect(client.statuses).toEqual(['connecting', 'open', 'closed']);
  });

  it('with reconnect: false, a dropped connection leaves the client closed with a connection-lost error', async () => {
    const { log, gateway, connect } = await setUp();
    const client = connect({ reconnect: false });
    await client.request('echo', { text: 'x' });
    const errors: (ClientError | undefined)[] = [];
    client.onStatus((_, error) => errors.push(error));
    await deleteConnection(gateway, log.connectionIds()[0] as string);
    await waitForStatus(client, ['connecting', 'open', 'closed']);
    expect(errors).toEqual([expect.objectContaining({ code: 'connection-lost' })]);
  });
});
