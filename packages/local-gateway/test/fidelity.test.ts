import { connect as connectTcp, type Socket } from 'node:net';
import {
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  LimitExceededException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  deferred,
  openRecorded,
  Recorder,
  rejectionOf,
  sdkFor,
  sleep,
  useGateways,
  WAIT_MS,
  waitUntil,
  withTimeout,
} from './helpers.js';

const harness = useGateways();

/** Records the payload length of every frame the server sends on `socket` (server frames are unmasked). */
function recordServerFrames(socket: Socket): Array<{ opcode: number; fin: boolean; length: number }> {
  const frames: Array<{ opcode: number; fin: boolean; length: number }> = [];
  let pending = Buffer.alloc(0);
  socket.prependListener('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      if (pending.length < 2) return;
      const lengthField = (pending[1] as number) & 0x7f;
      const headerLength = lengthField === 126 ? 4 : lengthField === 127 ? 10 : 2;
      if (pending.length < headerLength) return;
      const length =
        lengthField === 126
          ? pending.readUInt16BE(2)
          : lengthField === 127
            ? Number(pending.readBigUInt64BE(2))
            : lengthField;
      if (pending.length < headerLength + length) return;
      frames.push({
        opcode: (pending[0] as number) & 0x0f,
        fin: ((pending[0] as number) & 0x80) !== 0,
        length,
      });
      pending = pending.subarray(headerLength + length);
    }
  });
  return frames;
}

const rawSocketOf = (ws: WebSocket) => (ws as unknown as { _socket: Socket })._socket;

describe('subprotocols', () => {
  it('the upgrade carries the protocol the $connect result names, in any letter case', async () => {
    const gateway = await harness.start({
      routes: { $connect: () => ({ statusCode: 200, headers: { 'sec-websocket-protocol': 'chat.v2' } }) },
    });
    const offered = new WebSocket(gateway.url, ['chat.v1', 'chat.v2']);
    await withTimeout(new Promise((resolve) => offered.once('open', resolve)), WAIT_MS, 'open');
    expect(offered.protocol).toBe('chat.v2');
    offered.terminate();
    // A client that offered none is still sent the header, and fails as browsers do.
    const unoffered = new WebSocket(gateway.url);
    const error = await withTimeout(new Promise<Error>((r) => unoffered.once('error', r)), WAIT_MS, 'fail');
    expect(error.message).toMatch(/subprotocol but none was requested/);
  });

  it('a client that offered protocols fails its handshake when $connect selects none, as browsers do against AWS', async () => {
    const recorder = new Recorder(() => ({ statusCode: 200 }));
    const gateway = await harness.start({ handler: recorder.handler });
    const ws = new WebSocket(gateway.url, ['chat.v1']);
    const error = await withTimeout(
      new Promise<Error>((resolve) => ws.once('error', resolve)),
      WAIT_MS,
      'the handshake to fail',
    );
    expect(error.message).toMatch(/no subprotocol/i);
    // $connect accepted, so the connection that never opened is disconnected.
    await recorder.waitForType('DISCONNECT');
  });

  it('with no $connect route no protocol is selected', async () => {
    const gateway = await harness.start({ routes: { $default: () => undefined } });
    const ws = new WebSocket(gateway.url, ['chat.v1']);
    const error = await withTimeout(
      new Promise<Error>((resolve) => ws.once('error', resolve)),
      WAIT_MS,
      'fail',
    );
    expect(error.message).toMatch(/no subprotocol/i);
  });

  it('each handshake gets its own $connect answer', async () => {
    const gateway = await harness.start({
      routes: {
        $connect: (event: { queryStringParameters?: Record<string, string> }) => ({
          statusCode: 200,
          headers: { 'Sec-WebSocket-Protocol': event.queryStringParameters?.p },
        }),
      },
    });
    const a = new WebSocket(`${gateway.url}?p=a`, ['a', 'b']);
    const b = new WebSocket(`${gateway.url}?p=b`, ['a', 'b']);
    await Promise.all(
      [a, b].map((ws) => withTimeout(new Promise((r) => ws.once('open', r)), WAIT_MS, 'open')),
    );
    expect([a.protocol, b.protocol]).toEqual(['a', 'b']);
    a.terminate();
    b.terminate();
  });
});

describe('$connect results', () => {
  it.each([
    ['NaN', Number.NaN],
    ['200.5', 200.5],
    ['true', true],
    ['an object', { code: 200 }],
    ['a string that is not a number', 'ok'],
  ])('a statusCode of %s is a malformed result: 502', async (_name, statusCode) => {
    const gateway = await harness.start({ routes: { $connect: () => ({ statusCode }) } });
    expect((await harness.refusal(gateway.url)).status).toBe(502);
  });

  it('a numeric string status is read as its number, as API Gateway reads proxy results', async () => {
    const refusing = await harness.start({ routes: { $connect: () => ({ statusCode: '401' }) } });
    expect((await harness.refusal(refusing.url)).status).toBe(401);
    const accepting = await harness.start({ routes: { $connect: () => ({ statusCode: '204' }) } });
    expect((await harness.open(accepting.url)).ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('headers', () => {
  it('$connect carries the client headers plus X-Forwarded-*, X-Amzn-Trace-Id, in both header maps', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { connect } = await openRecorded(harness, gateway, recorder, { headers: { 'X-Custom': 'v' } });
    expect(connect.headers).toMatchObject({
      'X-Custom': 'v',
      'X-Forwarded-For': '127.0.0.1',
      'X-Forwarded-Port': String(gateway.port),
      'X-Forwarded-Proto': 'http',
    });
    expect(connect.headers?.['X-Amzn-Trace-Id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    const seconds = Number.parseInt(connect.headers?.['X-Amzn-Trace-Id']?.slice(7, 15) ?? '', 16);
    expect(Math.abs(seconds - connect.requestContext.requestTimeEpoch / 1000)).toBeLessThan(2);
    for (const [name, value] of Object.entries(connect.headers ?? {})) {
      expect(connect.multiValueHeaders?.[name]).toEqual(String(value).split(','));
    }
  });

  it('$disconnect carries Host, x-api-key, X-Forwarded-For and x-restapi, as AWS sends them', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    client.ws.close();
    const event = await recorder.waitForType('DISCONNECT', connectionId);
    expect(event.headers).toEqual({
      Host: `127.0.0.1:${gateway.port}`,
      'x-api-key': '',
      'X-Forwarded-For': '',
      'x-restapi': '',
    });
    expect(event.multiValueHeaders).toEqual({
      Host: [`127.0.0.1:${gateway.port}`],
      'x-api-key': [''],
      'X-Forwarded-For': [''],
      'x-restapi': [''],
    });
    expect(event.requestContext).toMatchObject({
      disconnectStatusCode: 1005,
      disconnectReason: 'Client-side close frame status not set',
    });
  });

  it('a DeleteConnection closes with 1000 and $disconnect says "Connection Closed Normally"', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    await sdkFor(gateway.endpoint).send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    expect(await client.waitClose()).toEqual({ code: 1000, reason: 'Connection Closed Normally' });
    const event = await recorder.waitForType('DISCONNECT', connectionId);
    expect(event.requestContext).toMatchObject({
      disconnectStatusCode: 1000,
      disconnectReason: 'Connection Closed Normally',
    });
  });
});

describe('management API pushes', () => {
  it('reach the client in frames of at most 32 KB, as one message', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    const frames = recordServerFrames(rawSocketOf(client.ws));
    const text = 'é'.repeat(50_000); // 100,000 bytes, a two-byte character split across frames
    await sdkFor(gateway.endpoint).send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: new TextEncoder().encode(text) }),
    );
    const message = await client.next();
    expect(message.text).toBe(text);
    expect(client.pending).toBe(0);
    expect(frames.map((f) => f.length)).toEqual([32_768, 32_768, 32_768, 1_696]);
    expect(frames.map((f) => f.opcode)).toEqual([1, 0, 0, 0]);
    expect(frames.map((f) => f.fin)).toEqual([false, false, false, true]);
  });

  it('two large pushes at once arrive whole and apart', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    const sdk = sdkFor(gateway.endpoint);
    const a = 'a'.repeat(70_000);
    const b = 'b'.repeat(70_000);
    await Promise.all(
      [a, b].map((text) =>
        sdk.send(
          new PostToConnectionCommand({ ConnectionId: connectionId, Data: new TextEncoder().encode(text) }),
        ),
      ),
    );
    const received = [(await client.next()).text, (await client.next()).text].sort();
    expect(received).toEqual([a, b]);
  });
});

describe('gone is gone for every method', () => {
  it('after the client closes, POST, GET and DELETE all answer 410 GoneException, every time', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    const sdk = sdkFor(gateway.endpoint);
    client.ws.close(1000);
    const commands = [
      () => new PostToConnectionCommand({ ConnectionId: connectionId, Data: new Uint8Array([104]) }),
      () => new GetConnectionCommand({ ConnectionId: connectionId }),
      () => new DeleteConnectionCommand({ ConnectionId: connectionId }),
    ];
    for (let i = 0; i < 20; i++) {
      for (const command of commands) {
        const error = await rejectionOf(sdk.send(command() as never));
        expect(error).toBeInstanceOf(GoneException);
        expect(error.$metadata?.httpStatusCode).toBe(410);
      }
    }
  });

  it('once deleted, the connection is gone for GET right away', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { connectionId } = await openRecorded(harness, gateway, recorder);
    const sdk = sdkFor(gateway.endpoint);
    await sdk.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    expect(
      await rejectionOf(sdk.send(new GetConnectionCommand({ ConnectionId: connectionId }))),
    ).toBeInstanceOf(GoneException);
  });
});

describe('throttling', () => {
  it('a client that does not read gets 429 LimitExceededException once its buffer passes clientBufferBytes', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler, clientBufferBytes: 256 * 1024 });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    const reader = await openRecorded(harness, gateway, recorder);
    rawSocketOf(client.ws).pause();
    const sdk = sdkFor(gateway.endpoint);
    const data = new Uint8Array(128 * 1024).fill(97);
    let throttled: (Error & { $metadata?: { httpStatusCode?: number } }) | undefined;
    // Kernel buffers on loopback take a few MB before the gateway's own buffer grows: bounded.
    for (let i = 0; i < 400 && !throttled; i++) {
      try {
        await sdk.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
      } catch (error) {
        throttled = error as typeof throttled;
      }
    }
    expect(throttled).toBeInstanceOf(LimitExceededException);
    expect(throttled?.$metadata?.httpStatusCode).toBe(429);
    // Only that connection is throttled.
    await sdk.send(new PostToConnectionCommand({ ConnectionId: reader.connectionId, Data: data }));
    expect((await reader.client.next()).bytes.length).toBe(data.length);
    // Once it reads again, it is served again.
    rawSocketOf(client.ws).resume();
    await waitUntil(() => client.pending > 10, 'the client to drain');
    await sdk.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
  });

  it('managementRateLimit answers 429 LimitExceededException beyond its rate, for every method', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler, managementRateLimit: 5 });
    const { connectionId } = await openRecorded(harness, gateway, recorder);
    const sdk = sdkFor(gateway.endpoint);
    const started = performance.now();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        i % 2
          ? sdk.send(new GetConnectionCommand({ ConnectionId: connectionId }))
          : sdk.send(
              new PostToConnectionCommand({ ConnectionId: connectionId, Data: new Uint8Array([120]) }),
            ),
      ),
    );
    const rejected = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason as Error);
    // Five at once, plus what the bucket refilled (5 a second) while a loaded machine sent the burst.
    const refilled = Math.floor(((performance.now() - started) / 1000) * 5);
    expect(outcomes.length - rejected.length).toBeGreaterThanOrEqual(5);
    expect(outcomes.length - rejected.length).toBeLessThanOrEqual(5 + refilled);
    for (const error of rejected) expect(error).toBeInstanceOf(LimitExceededException);
    // The bucket refills: a second later there is room again.
    await sleep(1_100);
    await sdk.send(new GetConnectionCommand({ ConnectionId: connectionId }));
  });
});

describe('plain HTTP on the WebSocket path', () => {
  it.each(['/local', '/local/', '/local/anything'])('GET %s answers 426 Upgrade Required', async (path) => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const response = await fetch(`http://127.0.0.1:${gateway.port}${path}`);
    expect(response.status).toBe(426);
    await response.text();
    expect(recorder.events).toHaveLength(0);
  });

  it('other paths stay 404 and the management API is unaffected', async () => {
    const gateway = await harness.start({ handler: () => undefined });
    expect((await fetch(`http://127.0.0.1:${gateway.port}/elsewhere`)).status).toBe(404);
    expect((await fetch(`${gateway.endpoint}/@connections/nobody%3D`)).status).toBe(410);
  });
});

describe('declared routes in handler mode', () => {
  function echoRouteKey() {
    return new Recorder((event) =>
      event.requestContext.eventType === 'MESSAGE'
        ? { statusCode: 200, body: event.requestContext.routeKey }
        : undefined,
    );
  }

  it('routeKeys: an action outside them takes $default', async () => {
    const recorder = echoRouteKey();
    const gateway = await harness.start({
      handler: recorder.handler,
      routeKeys: ['sendMessage'],
      routeResponses: true,
    });
    const { client } = await openRecorded(harness, gateway, recorder);
    await client.send('{"action":"sendMessage"}');
    expect((await client.next()).text).toBe('sendMessage');
    await client.send('{"action":"typo"}');
    expect((await client.next()).text).toBe('$default');
  });

  it('a handler built with routes({...}) declares its table: no $default there means the Forbidden frame', async () => {
    const recorder = echoRouteKey();
    const handler = Object.assign(recorder.handler, {
      [Symbol.for('aws-framework.routeKeys')]: ['$connect', 'join'],
    });
    const lines: string[] = [];
    const gateway = await harness.start({
      handler,
      routeResponses: true,
      logger: { info: (line) => lines.push(line), error: (line) => lines.push(line) },
    });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    await client.send('{"action":"join"}');
    expect((await client.next()).text).toBe('join');
    await client.send('{"action":"leave"}');
    expect(await client.nextJson()).toMatchObject({ message: 'Forbidden', connectionId });
    expect(lines[0]).toBe('declared routes (from the handler): $connect, join');
    // No $disconnect in the table: the handler is not invoked when the client leaves.
    client.ws.close();
    await sleep(100);
    expect(recorder.ofType('DISCONNECT')).toHaveLength(0);
  });

  it('without any declaration every action is a route, and the gateway says so once at start', async () => {
    const recorder = echoRouteKey();
    const lines: string[] = [];
    const gateway = await harness.start({
      handler: recorder.handler,
      routeResponses: true,
      logger: { info: (line) => lines.push(line), error: (line) => lines.push(line) },
    });
    const { client } = await openRecorded(harness, gateway, recorder);
    await client.send('{"action":"anything"}');
    expect((await client.next()).text).toBe('anything');
    expect(
      lines.filter((line) => line.startsWith('every action is treated as a declared route')),
    ).toHaveLength(1);
  });

  it('setRouteKeys replaces the declaration of a running gateway', async () => {
    const recorder = echoRouteKey();
    const gateway = await harness.start({ handler: recorder.handler, routeResponses: true });
    const { client } = await openRecorded(harness, gateway, recorder);
    gateway.setRouteKeys(['a']);
    await client.send('{"action":"b"}');
    expect((await client.next()).text).toBe('$default');
    gateway.setRouteKeys(undefined);
    await client.send('{"action":"b"}');
    expect((await client.next()).text).toBe('b');
    expect(() => gateway.setRouteKeys(['$conect'])).toThrow(/\$conect/);
  });

  it('routeResponses may name the routes that have a route response', async () => {
    const recorder = echoRouteKey();
    const gateway = await harness.start({ handler: recorder.handler, routeResponses: ['echo'] });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    await client.send('{"action":"quiet"}');
    await recorder.waitFor((e) => e.requestContext.routeKey === 'quiet', 'the quiet route');
    await client.send('{"action":"echo"}');
    expect((await client.next()).text).toBe('echo');
    expect(client.history).toHaveLength(1);
    expect(connectionId).toBeTruthy();
  });

  it.each([
    [{ routeKeys: ['$conect'] }, /\$conect/],
    [{ routeKeys: [''] }, /non-empty/],
    [{ routeKeys: 'a' }, /array/],
    [{ routeResponses: ['$nope'] }, /\$nope/],
    [{ clientBufferBytes: 0 }, /clientBufferBytes/],
    [{ managementRateLimit: 1.5 }, /managementRateLimit/],
  ])('bad options throw a TypeError naming them: %o', async (options, message) => {
    await expect(harness.start({ handler: () => undefined, ...(options as object) })).rejects.toThrow(
      message,
    );
  });

  it('routeKeys is refused in routes mode', async () => {
    await expect(harness.start({ routes: { $default: () => undefined }, routeKeys: ['a'] })).rejects.toThrow(
      /handler/,
    );
  });
});

describe('robustness', () => {
  it('a client that half-closes its socket while $connect runs still gets its $disconnect', async () => {
    const release = deferred();
    const recorder = new Recorder((event) =>
      event.requestContext.eventType === 'CONNECT'
        ? release.promise.then(() => ({ statusCode: 200 }))
        : undefined,
    );
    const gateway = await harness.start({ handler: recorder.handler });
    const socket = connectTcp(gateway.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.on('error', () => {});
    socket.write(
      `GET /local HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const connect = await recorder.waitForType('CONNECT');
    socket.end(); // FIN: half-closed while $connect is still running
    await sleep(50);
    release.resolve();
    const disconnect = await recorder.waitForType('DISCONNECT', connect.requestContext.connectionId);
    expect(disconnect.requestContext.disconnectStatusCode).toBe(1006);
    socket.destroy();
  });

  it('a route response body that cannot be serialized is an integration failure: the error frame, logged as such', async () => {
    const errors: string[] = [];
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const gateway = await harness.start({
      routes: {
        circular: () => ({ statusCode: 200, body: circular }),
        bigint: () => ({ statusCode: 200, body: { n: 1n } }),
      },
      routeResponses: true,
      logger: { info: () => {}, error: (line) => errors.push(line) },
    });
    const client = await harness.open(gateway.url);
    for (const action of ['circular', 'bigint']) {
      await client.send(JSON.stringify({ action }));
      expect(await client.nextJson()).toMatchObject({ message: 'Internal server error' });
    }
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^circular \S+ failed/);
  });

  it('a message route that overruns the integration timeout gets "Endpoint request timed out"', async () => {
    const gateway = await harness.start({
      routes: { slow: () => sleep(1_000) },
      integrationTimeoutMs: 100,
    });
    const client = await harness.open(gateway.url);
    await client.send('{"action":"slow"}');
    expect(await client.nextJson()).toMatchObject({ message: 'Endpoint request timed out' });
  });

  it('after an invalid UTF-8 text frame the client sees 1007 and $disconnect reports 1007', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    client.ws.send(Buffer.from([0xc3, 0x28]), { binary: false });
    expect((await client.waitClose()).code).toBe(1007);
    const event = await recorder.waitForType('DISCONNECT', connectionId);
    expect(event.requestContext.disconnectStatusCode).toBe(1007);
  });

  it('after a frame with a reserved opcode the client sees 1002 and $disconnect reports 1002', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    // FIN, opcode 0x3 (reserved), masked, empty payload.
    rawSocketOf(client.ws).write(Buffer.from([0x83, 0x80, 1, 2, 3, 4]));
    expect((await client.waitClose()).code).toBe(1002);
    const event = await recorder.waitForType('DISCONNECT', connectionId);
    expect(event.requestContext.disconnectStatusCode).toBe(1002);
  });
});

describe('mock routes', () => {
  it('answer without invoking a handler, in handler and routes mode, and keep the connection from idling out', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({
      handler: recorder.handler,
      routeKeys: ['say'],
      mockRoutes: ['ping'],
      idleTimeoutMs: 300,
    });
    const { client } = await openRecorded(harness, gateway, recorder);
    for (let i = 0; i < 6; i++) {
      await sleep(100);
      await client.send('{"action":"ping"}');
    }
    // 600 ms, twice the idle timeout, on heartbeats alone: still open, and no handler ran for them.
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    expect(recorder.ofType('MESSAGE')).toHaveLength(0);
    expect(client.pending).toBe(0);
    await client.send('{"action":"say"}');
    await recorder.waitForType('MESSAGE');
  });

  it('are declared routes in routes mode, without a handler of their own', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ routes: { $connect: recorder.handler }, mockRoutes: ['ping'] });
    const client = await harness.open(gateway.url);
    await client.send('{"action":"ping"}');
    await client.send('{"action":"other"}');
    // No $default: the undeclared action gets the Forbidden frame; the mock route got nothing.
    expect(await client.nextJson()).toMatchObject({ message: 'Forbidden' });
    expect(client.pending).toBe(0);
  });

  it('a key both routed and mocked, or a bad key, throws a TypeError naming it', async () => {
    await expect(harness.start({ routes: { ping: () => undefined }, mockRoutes: ['ping'] })).rejects.toThrow(
      /ping/,
    );
    await expect(harness.start({ handler: () => undefined, mockRoutes: ['$pong'] })).rejects.toThrow(
      /\$pong/,
    );
  });
});
