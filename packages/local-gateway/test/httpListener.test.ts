import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gatewayLog } from '../src/gatewayLog.js';
import { createHttpListener, type HttpListenerOptions } from '../src/httpListener.js';
import type { ManagedConnections } from '../src/managementApi.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Connections as the management API sees them: one open connection, `a=b`, and a call log. */
function fakeConnections(): ManagedConnections & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    has: (id) => id === 'a=b',
    isBufferFull: () => false,
    post: (id, data) => {
      calls.push(`post ${id} ${String(data)}`);
      return true;
    },
    info: (id) => {
      calls.push(`info ${id}`);
      return { connectedAt: 0, lastActiveAt: 1_000, sourceIp: '10.0.0.1', userAgent: 'ua' };
    },
    delete: (id) => {
      calls.push(`delete ${id}`);
    },
  };
}

async function setup(options: Partial<HttpListenerOptions> = {}) {
  const connections = fakeConnections();
  const lines: string[] = [];
  const server = createServer(
    createHttpListener({
      stage: 'dev',
      staticDir: undefined,
      connections,
      managementLimits: {},
      log: gatewayLog({ info: (line) => lines.push(line), error: (line) => lines.push(`error: ${line}`) }),
      ...options,
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const call = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${base}${path}`, init);
    return { status: response.status, headers: response.headers, body: await response.text() };
  };
  return { call, connections, lines };
}

describe('plain HTTP', () => {
  it.each(['/dev', '/dev/', '/dev/anything'])(
    '%s without an upgrade answers 426 Upgrade Required',
    async (path) => {
      const { call } = await setup();
      const answer = await call(path);
      expect(answer.status).toBe(426);
      expect(answer.headers.get('upgrade')).toBe('websocket');
      expect(JSON.parse(answer.body)).toEqual({ message: 'Upgrade Required' });
    },
  );

  it('anything else is 404 Not Found, / included when no folder is served', async () => {
    const { call } = await setup();
    for (const path of ['/', '/other', '/devx']) {
      const answer = await call(path);
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.body)).toEqual({ message: 'Not Found' });
    }
  });

  it('serves the static folder for GET and HEAD, but not over the WebSocket path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'http-listener-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'index.html'), '<h1>hi</h1>');
    const { call } = await setup({ staticDir: dir });
    expect(await call('/')).toMatchObject({ status: 200, body: '<h1>hi</h1>' });
    expect((await call('/', { method: 'HEAD' })).status).toBe(200);
    expect((await call('/', { method: 'POST' })).status).toBe(404);
    expect((await call('/dev')).status).toBe(426);
  });
});

describe('the management API path', () => {
  it('reaches the connections with the ID URL-decoded', async () => {
    const { call, connections } = await setup();
    const info = await call('/dev/@connections/a%3Db');
    expect(info.status).toBe(200);
    expect(JSON.parse(info.body)).toMatchObject({ identity: { sourceIp: '10.0.0.1', userAgent: 'ua' } });
    expect((await call('/dev/@connections/a%3Db/', { method: 'POST', body: 'hi' })).status).toBe(200);
    expect((await call('/dev/@connections/a%3Db', { method: 'DELETE' })).status).toBe(204);
    expect(connections.calls).toEqual(['info a=b', 'post a=b hi', 'delete a=b']);
  });

  it('another stage is 403 ForbiddenException without asking the connections', async () => {
    const { call, connections } = await setup();
    const answer = await call('/prod/@connections/a%3Db', { method: 'DELETE' });
    expect(answer.status).toBe(403);
    expect(answer.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
    expect(connections.calls).toEqual([]);
  });

  it('an ID that is not valid URL encoding is 400', async () => {
    const { call } = await setup();
    expect((await call('/dev/@connections/%E0%A4%A')).status).toBe(400);
  });

  it('passes the management limits on: over the rate is 429 LimitExceededException', async () => {
    const { call } = await setup({ managementLimits: { tryTakeRequest: () => false } });
    const answer = await call('/dev/@connections/a%3Db');
    expect(answer.status).toBe(429);
    expect(answer.headers.get('x-amzn-errortype')).toBe('LimitExceededException');
  });

  it('a failure answers 500, is logged, and the server serves on', async () => {
    const connections = {
      ...fakeConnections(),
      info: () => {
        throw new Error('registry broke');
      },
    };
    const { call, lines } = await setup({ connections });
    expect((await call('/dev/@connections/a%3Db')).status).toBe(500);
    expect(lines).toEqual(['error: HTTP GET /dev/@connections/a%3Db failed: Error: registry broke']);
    expect((await call('/dev')).status).toBe(426);
  });
});
