import { createServer, request } from 'node:http';
import { connect as connectTcp } from 'node:net';
import type { WebSocketEvent } from 'aws-framework';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ConnectionFacts, GatewayFacts } from '../src/events.js';
import { gatewayLog } from '../src/gatewayLog.js';
import { createHandshake, type HandshakeOptions } from '../src/handshake.js';
import { parseIdentitySource } from '../src/identitySource.js';
import type { LambdaHandler } from '../src/options.js';
import { deferred, expectRefusal, openClient, sleep, WAIT_MS, waitUntil, withTimeout } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An allowing authorizer's result for `methodArn`, with a context. */
const allow = (event: { methodArn: string }) => ({
  principalId: 'ana',
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
  },
  context: { plan: 'pro', seats: 3 },
});

/**
 * A handshake on a plain HTTP server of its own: what it opens and abandons is recorded, and each
 * opened socket closed at the end of the test.
 */
async function setup(options: Partial<HandshakeOptions> & { $connect?: LambdaHandler } = {}) {
  const opened: Array<{ socket: WebSocket; facts: ConnectionFacts }> = [];
  const abandoned: ConnectionFacts[] = [];
  const lines: string[] = [];
  let shuttingDown = false;
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const gateway: GatewayFacts = { apiId: 'abcdef1234', stage: 'dev', domainName: `127.0.0.1:${port}`, port };
  const handshake = createHandshake({
    gateway,
    functionName: 'local-dev-websocket',
    integrationTimeoutMs: 1_000,
    authorizer: undefined,
    connectHandler: () => options.$connect,
    isShuttingDown: () => shuttingDown,
    log: gatewayLog({ info: (line) => lines.push(line), error: (line) => lines.push(`error: ${line}`) }),
    onOpen: (socket, facts) => opened.push({ socket, facts }),
    onAbandoned: (facts) => abandoned.push(facts),
    ...options,
  });
  server.on('upgrade', handshake.onUpgrade);
  cleanups.push(async () => {
    for (const { socket } of opened) socket.terminate();
    await handshake.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  });
  return {
    url: `ws://127.0.0.1:${port}/dev`,
    port,
    opened,
    abandoned,
    lines,
    shutDown: () => {
      shuttingDown = true;
    },
  };
}

/** `$connect` handlers that record their events. */
function recording(result: (event: WebSocketEvent<string>) => unknown = () => undefined) {
  const events: WebSocketEvent<string>[] = [];
  const handler = (event: WebSocketEvent<string>) => {
    events.push(event);
    return result(event);
  };
  return { events, handler };
}

describe('handshake: before any route runs', () => {
  it('refuses an upgrade to another path with 403', async () => {
    const $connect = recording();
    const { port, opened } = await setup({ $connect: $connect.handler });
    expect(await expectRefusal(`ws://127.0.0.1:${port}/prod`)).toEqual({
      status: 403,
      body: '{"message":"Forbidden"}',
    });
    expect($connect.events).toHaveLength(0);
    expect(opened).toHaveLength(0);
  });

  it('refuses a malformed handshake (no Sec-WebSocket-Key) with 400', async () => {
    const $connect = recording();
    const { port } = await setup({ $connect: $connect.handler });
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        path: '/dev',
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
    expect($connect.events).toHaveLength(0);
  });

  it('refuses with 503 once the gateway is shutting down', async () => {
    const { url, shutDown } = await setup();
    shutDown();
    expect((await expectRefusal(url)).status).toBe(503);
  });
});

describe('handshake: $connect decides', () => {
  it('without a $connect route, opens every connection, with its facts and no subprotocol', async () => {
    const { url, opened } = await setup();
    const client = await openClient(url, { headers: { 'User-Agent': 'handshake test' } });
    expect(client.ws.protocol).toBe('');
    expect(opened).toHaveLength(1);
    expect(opened[0]?.facts).toEqual({
      connectionId: expect.stringMatching(/^[A-Za-z0-9_-]{15}=$/),
      connectedAt: expect.any(Number),
      sourceIp: '127.0.0.1',
      userAgent: 'handshake test',
    });
    client.ws.terminate();
  });

  it("runs $connect with the request's headers and query, and opens under the same connection ID", async () => {
    const $connect = recording();
    const { url, opened, lines } = await setup({ $connect: $connect.handler });
    const client = await openClient(`${url}?room=1`, { headers: { 'X-Tag': 'a' } });
    const [event] = $connect.events;
    expect(event?.requestContext.eventType).toBe('CONNECT');
    expect(event?.headers?.['X-Tag']).toBe('a');
    expect(event?.queryStringParameters).toEqual({ room: '1' });
    expect(opened[0]?.facts.connectionId).toBe(event?.requestContext.connectionId);
    expect(lines).toEqual([expect.stringMatching(/^\$connect \S+= 200 [\d.]+ms$/)]);
    client.ws.terminate();
  });

  it("refuses with the result's status and body, 502 for a failure, and opens nothing", async () => {
    const { url, opened } = await setup({
      $connect: (event: WebSocketEvent<string>) => {
        if (event.queryStringParameters?.fail) throw new Error('boom');
        return { statusCode: 401, body: 'no entry' };
      },
    });
    expect(await expectRefusal(url)).toEqual({ status: 401, body: 'no entry' });
    expect((await expectRefusal(`${url}?fail=1`)).status).toBe(502);
    expect(opened).toHaveLength(0);
  });

  it('answers with the subprotocol the $connect result names, each handshake its own', async () => {
    const { url } = await setup({
      $connect: (event: WebSocketEvent<string>) => ({
        statusCode: 200,
        headers: { 'Sec-WebSocket-Protocol': event.queryStringParameters?.p },
      }),
    });
    const [one, two] = await Promise.all(
      ['one', 'two'].map(async (p) => {
        const ws = new WebSocket(`${url}?p=${p}`, ['one', 'two']);
        await withTimeout(new Promise((resolve) => ws.once('open', resolve)), WAIT_MS, 'open');
        return ws;
      }),
    );
    expect([one?.protocol, two?.protocol]).toEqual(['one', 'two']);
    one?.terminate();
    two?.terminate();
  });

  it('a client that half-closes while $connect runs is never opened: it is abandoned with its facts', async () => {
    const release = deferred();
    const $connect = recording(() => release.promise.then(() => ({ statusCode: 200 })));
    const { port, opened, abandoned } = await setup({ $connect: $connect.handler });
    const socket = connectTcp(port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      'GET /dev HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await waitUntil(() => $connect.events.length === 1, '$connect to run');
    socket.end(); // FIN: half-closed while $connect is still running
    await sleep(50);
    release.resolve();
    await waitUntil(() => abandoned.length === 1, 'the handshake to be abandoned');
    expect(abandoned[0]?.connectionId).toBe($connect.events[0]?.requestContext.connectionId);
    expect(opened).toHaveLength(0);
    socket.destroy();
  });
});

describe('handshake: the authorizer runs first', () => {
  it('a missing identity source is 401, and neither the authorizer nor $connect runs', async () => {
    const authorizer = recording((event) => allow(event as unknown as { methodArn: string }));
    const $connect = recording();
    const { url, lines } = await setup({
      $connect: $connect.handler,
      authorizer: {
        handler: authorizer.handler,
        identitySources: [parseIdentitySource('route.request.querystring.token', 'test')],
      },
    });
    expect(await expectRefusal(url)).toEqual({ status: 401, body: '{"message":"Unauthorized"}' });
    expect(authorizer.events).toHaveLength(0);
    expect($connect.events).toHaveLength(0);
    expect(lines[0]).toMatch(/^\$connect \S+= 401: identity source route.request.querystring.token missing$/);
  });

  it('a refusal decides the handshake: $connect does not run', async () => {
    const $connect = recording();
    const { url } = await setup({
      $connect: $connect.handler,
      authorizer: {
        handler: () => {
          throw new Error('Unauthorized');
        },
        identitySources: [],
      },
    });
    expect((await expectRefusal(url)).status).toBe(401);
    expect($connect.events).toHaveLength(0);
  });

  it('allowed, the identity is on the facts (context as strings) and $connect also gets integrationLatency', async () => {
    const $connect = recording();
    const { url, opened } = await setup({
      $connect: $connect.handler,
      authorizer: { handler: allow, identitySources: [] },
    });
    const client = await openClient(url);
    expect(opened[0]?.facts.authorizer).toEqual({ principalId: 'ana', plan: 'pro', seats: '3' });
    expect($connect.events[0]?.requestContext.authorizer).toEqual({
      principalId: 'ana',
      plan: 'pro',
      seats: '3',
      integrationLatency: expect.any(Number),
    });
    client.ws.terminate();
  });
});
