import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type LocalGatewayOptions, startLocalGateway } from '../src/index.js';
import { deferred, openRecorded, Recorder, sleep, useGateways, WAIT_MS, withTimeout } from './helpers.js';

const harness = useGateways();
const noop = (): undefined => undefined;

describe('startLocalGateway options', () => {
  it('returns ws and http URLs for host, real port and stage', async () => {
    const gateway = await harness.start({ handler: () => undefined, stage: 'dev' });
    expect(gateway.port).toBeGreaterThan(0);
    expect(gateway.url).toBe(`ws://127.0.0.1:${gateway.port}/dev`);
    expect(gateway.endpoint).toBe(`http://127.0.0.1:${gateway.port}/dev`);
  });

  it('defaults to host 127.0.0.1 and stage "local"', async () => {
    const gateway = await startLocalGateway({ handler: () => undefined, port: 0 });
    try {
      expect(gateway.url).toBe(`ws://127.0.0.1:${gateway.port}/local`);
      expect(gateway.endpoint).toBe(`http://127.0.0.1:${gateway.port}/local`);
    } finally {
      await gateway.close();
    }
  });

  const invalid: Array<[string, Record<string, unknown>]> = [
    ['neither handler nor routes', {}],
    ['both handler and routes', { handler: noop, routes: { $default: noop } }],
    ['a handler that is not a function', { handler: 'nope' }],
    ['a route that is not a function', { routes: { $default: 42 } }],
    ['a negative port', { handler: noop, port: -1 }],
    ['a port over 65535', { handler: noop, port: 70_000 }],
    ['a stage with a slash', { handler: noop, stage: 'a/b' }],
    ['an empty stage', { handler: noop, stage: '' }],
    [
      'a selection expression not on the body',
      { handler: noop, routeSelectionExpression: '$request.header.x' },
    ],
    ['a zero idle timeout', { handler: noop, idleTimeoutMs: 0 }],
    ['a fractional max duration', { handler: noop, maxConnectionMs: 1.5 }],
    ['a negative integration timeout', { handler: noop, integrationTimeoutMs: -5 }],
    ['a logger without error()', { handler: noop, logger: { info: () => {} } }],
  ];
  it.each(invalid)('rejects %s with a TypeError', async (_, options) => {
    await expect(startLocalGateway({ port: 0, ...(options as LocalGatewayOptions) })).rejects.toThrow(
      TypeError,
    );
  });
});

describe('$connect', () => {
  it('gets the request headers, multiValueHeaders and query string', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { connect } = await openRecorded(
      harness,
      gateway,
      recorder,
      // An array value makes Node send the header twice.
      { headers: { 'X-Custom': 'hello', 'X-Multi': ['one', 'two'] as unknown as string } },
    );
    const client2 = await harness.open(`${gateway.url}?token=abc&tag=1&tag=2`, { headers: { 'X-Q': 'q' } });
    const event = await recorder.waitFor(
      (e) => e.headers?.['X-Q'] === 'q',
      'the $connect with a query string',
    );

    expect(connect.requestContext.eventType).toBe('CONNECT');
    expect(connect.requestContext.routeKey).toBe('$connect');
    expect(connect.headers?.['X-Custom']).toBe('hello');
    expect(connect.headers?.['X-Multi']).toBe('one,two');
    expect(connect.multiValueHeaders?.['X-Multi']).toEqual(['one', 'two']);
    expect(connect.multiValueHeaders?.['X-Custom']).toEqual(['hello']);
    expect(connect.headers?.Host).toBe(`127.0.0.1:${gateway.port}`);
    expect(connect.headers?.['Sec-WebSocket-Key']).toEqual(expect.any(String));
    expect(connect.isBase64Encoded).toBe(false);

    expect(event.queryStringParameters).toEqual({ token: 'abc', tag: '2' });
    expect(event.multiValueQueryStringParameters).toEqual({ token: ['abc'], tag: ['1', '2'] });
    client2.ws.close();
  });

  it('runs before the upgrade completes: the client opens only once $connect has answered', async () => {
    const release = deferred();
    const started = deferred();
    const gateway = await harness.start({
      handler: async (event: { requestContext: { eventType: string } }) => {
        if (event.requestContext.eventType !== 'CONNECT') return undefined;
        started.resolve();
        await release.promise;
        return { statusCode: 200 };
      },
    });
    let opened = false;
    const opening = harness.open(gateway.url).then((client) => {
      opened = true;
      return client;
    });
    await withTimeout(started.promise, WAIT_MS, '$connect to start');
    await sleep(100);
    expect(opened).toBe(false);
    release.resolve();
    await opening;
    expect(opened).toBe(true);
  });

  it.each([401, 403, 429, 302, 503])(
    'a %i from $connect refuses the upgrade with that status',
    async (status) => {
      const gateway = await harness.start({
        routes: {
          $connect: () => ({ statusCode: status, body: '{"message":"no"}' }),
          $default: () => undefined,
        },
      });
      const refusal = await harness.refusal(gateway.url);
      expect(refusal.status).toBe(status);
    },
  );

  it('passes the refusal body to the client', async () => {
    const gateway = await harness.start({
      routes: { $connect: () => ({ statusCode: 401, body: '{"message":"Unauthorized"}' }) },
    });
    expect(await harness.refusal(gateway.url)).toEqual({ status: 401, body: '{"message":"Unauthorized"}' });
  });

  it('accepts any 2xx', async () => {
    const gateway = await harness.start({ routes: { $connect: () => ({ statusCode: 204 }) } });
    const client = await harness.open(gateway.url);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('accepts a handler that returns nothing (200)', async () => {
    const gateway = await harness.start({ handler: async () => undefined });
    const client = await harness.open(gateway.url);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('a $connect that throws refuses with 502', async () => {
    const gateway = await harness.start({
      routes: {
        $connect: () => {
          throw new Error('boom');
        },
      },
    });
    const refusal = await harness.refusal(gateway.url);
    expect(refusal.status).toBe(502);
  });

  it('a $connect that rejects refuses with 502', async () => {
    const gateway = await harness.start({
      routes: { $connect: async () => Promise.reject(new Error('nope')) },
    });
    const refusal = await harness.refusal(gateway.url);
    expect(refusal.status).toBe(502);
    expect(refusal.body).not.toContain('nope');
  });

  it('a $connect that overruns the integration timeout refuses with 504, on time', async () => {
    const gateway = await harness.start({
      integrationTimeoutMs: 150,
      routes: { $connect: () => sleep(2_000).then(() => ({ statusCode: 200 })) },
    });
    const started = Date.now();
    const refusal = await harness.refusal(gateway.url);
    expect(refusal.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('in routes mode with no $connect route, the connection is accepted', async () => {
    const gateway = await harness.start({ routes: { $default: () => undefined } });
    const client = await harness.open(gateway.url);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('refuses an upgrade on another stage path with 403', async () => {
    const gateway = await harness.start({ handler: () => undefined });
    const base = `ws://127.0.0.1:${gateway.port}`;
    expect((await harness.refusal(`${base}/prod`)).status).toBe(403);
    expect((await harness.refusal(`${base}/`)).status).toBe(403);
    expect((await harness.refusal(`${base}/local/extra`)).status).toBe(403);
  });

  it('does not call $connect for a refused stage path', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    await harness.refusal(`ws://127.0.0.1:${gateway.port}/wrong`);
    expect(recorder.events).toHaveLength(0);
  });
});

describe('close()', () => {
  it('disconnects every client with $disconnect, resolves, and the server is down afterwards', async () => {
    const finished: string[] = [];
    const recorder = new Recorder(async (event) => {
      if (event.requestContext.eventType !== 'DISCONNECT') return;
      // A $disconnect that takes a while (a store write, say) still completes before close() resolves.
      await sleep(100);
      finished.push(event.requestContext.connectionId);
    });
    const gateway = await harness.start({ handler: recorder.handler });
    const a = await openRecorded(harness, gateway, recorder);
    const b = await openRecorded(harness, gateway, recorder);

    await expect(withTimeout(gateway.close(), WAIT_MS, 'close()')).resolves.toBeUndefined();

    // By the time close() resolved, both $disconnects were delivered and had finished.
    expect(finished.sort()).toEqual([a.connectionId, b.connectionId].sort());
    const disconnected = recorder.ofType('DISCONNECT');
    expect(disconnected.map((e) => e.requestContext.connectionId).sort()).toEqual(finished);
    expect(disconnected.map((e) => e.requestContext.disconnectStatusCode)).toEqual([1001, 1001]);
    expect((await a.client.waitClose()).code).toBe(1001);
    expect((await b.client.waitClose()).code).toBe(1001);

    const attempt = new WebSocket(gateway.url);
    const failure = await withTimeout(
      new Promise<Error>((resolve, reject) => {
        attempt.once('error', resolve);
        attempt.once('open', () => reject(new Error('connected to a closed gateway')));
      }),
      WAIT_MS,
      'the connection attempt to fail',
    );
    expect((failure as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('resolves with no clients connected', async () => {
    const gateway = await harness.start({ handler: () => undefined });
    await expect(withTimeout(gateway.close(), WAIT_MS, 'close()')).resolves.toBeUndefined();
  });
});

describe('static files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-gateway-static-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>chat</title>');
    await writeFile(join(dir, 'app.js'), 'console.log(1);');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and other files by path', async () => {
    const gateway = await harness.start({ handler: () => undefined, staticDir: dir });
    const origin = `http://127.0.0.1:${gateway.port}`;
    const index = await fetch(`${origin}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await index.text()).toBe('<!doctype html><title>chat</title>');
    const script = await fetch(`${origin}/app.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toBe('console.log(1);');
    expect((await fetch(`${origin}/missing.txt`)).status).toBe(404);
  });

  it('still accepts WebSocket connections on the stage path', async () => {
    const gateway = await harness.start({ handler: () => undefined, staticDir: dir });
    const client = await harness.open(gateway.url);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('never serves a file outside the directory', async () => {
    const gateway = await harness.start({ handler: () => undefined, staticDir: join(dir) });
    // fetch would normalise "..", so send the raw path.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: gateway.port, path: '/..%2f..%2fetc%2fpasswd' },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(404);
  });

  it('answers 404 for something that is not a regular file, and keeps serving', async () => {
    const socketPath = join(dir, 'a.sock');
    const listener = createNetServer();
    await new Promise<void>((resolve) => listener.listen(socketPath, resolve));
    try {
      const gateway = await harness.start({ handler: () => undefined, staticDir: dir });
      const origin = `http://127.0.0.1:${gateway.port}`;
      expect((await fetch(`${origin}/a.sock`)).status).toBe(404);
      expect((await fetch(`${origin}/app.js`)).status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });

  it('without staticDir, / is not served', async () => {
    const gateway = await harness.start({ handler: () => undefined });
    expect((await fetch(`http://127.0.0.1:${gateway.port}/`)).status).toBe(404);
  });
});

describe('hardening', () => {
  it('takes headers named like Object.prototype members as plain headers', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { connect } = await openRecorded(harness, gateway, recorder, {
      headers: { constructor: 'a', toString: 'b', hasOwnProperty: 'c' },
    });
    expect(connect.headers?.constructor).toBe('a');
    expect(connect.multiValueHeaders?.toString).toEqual(['b']);
  });

  it('refuses a malformed handshake with 400 before $connect runs', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: gateway.port,
        path: '/local',
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('upgrade', () => reject(new Error('upgraded without a Sec-WebSocket-Key')));
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
    await sleep(50);
    expect(recorder.events).toHaveLength(0);
  });

  it('keeps serving when its logger throws', async () => {
    const throwing = {
      info: () => {
        throw new Error('log sink down');
      },
      error: () => {
        throw new Error('log sink down');
      },
    };
    const gateway = await startLocalGateway({
      handler: noop,
      port: 0,
      logger: throwing,
      routeResponses: true,
    });
    try {
      const client = await harness.open(gateway.url);
      await client.send('{"action":"x"}');
      client.ws.close();
      await client.waitClose();
      const again = await harness.open(gateway.url);
      expect(again.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      await gateway.close();
    }
  });
});
