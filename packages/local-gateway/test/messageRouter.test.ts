import type { WebSocketEvent } from 'aws-framework';
import { describe, expect, it } from 'vitest';
import type { GatewayFacts } from '../src/events.js';
import { gatewayLog } from '../src/gatewayLog.js';
import { createMessageRouter, type RoutedConnection } from '../src/messageRouter.js';
import { type LocalGatewayOptions, resolveOptions } from '../src/options.js';
import { createRouteTable } from '../src/routeTable.js';

const GATEWAY: GatewayFacts = {
  apiId: 'abcdef1234',
  stage: 'local',
  domainName: '127.0.0.1:3001',
  port: 3001,
};

/** A connection that records what the router sends it. */
function fakeConnection(): RoutedConnection & { sent: string[] } {
  const sent: string[] = [];
  return {
    connectionId: 'conn-1=',
    connectedAt: Date.now(),
    sourceIp: '127.0.0.1',
    userAgent: 'test',
    authorizer: { principalId: 'ana' },
    sent,
    send: (data) => {
      sent.push(data);
      return true;
    },
  };
}

function router(options: LocalGatewayOptions) {
  const config = resolveOptions({ integrationTimeoutMs: 1_000, ...options });
  const lines: string[] = [];
  const log = gatewayLog({ info: (line) => lines.push(line), error: (line) => lines.push(`error: ${line}`) });
  const routes = createRouteTable(config, log);
  const messages = createMessageRouter({
    gateway: GATEWAY,
    routes,
    routeSelectionPath: config.routeSelectionPath,
    hasRouteResponse: config.hasRouteResponse,
    functionName: 'local-test-websocket',
    integrationTimeoutMs: config.integrationTimeoutMs,
    log,
  });
  return { ...messages, lines };
}

describe('routeMessage', () => {
  it("invokes the selected route's handler with a MESSAGE event for the connection", async () => {
    const events: WebSocketEvent<string>[] = [];
    const { routeMessage } = router({
      routes: { join: (event) => void events.push(event), $default: () => undefined },
    });
    const connection = fakeConnection();
    await routeMessage(connection, '{"action":"join"}');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      body: '{"action":"join"}',
      isBase64Encoded: false,
      requestContext: {
        routeKey: 'join',
        eventType: 'MESSAGE',
        connectionId: 'conn-1=',
        apiId: 'abcdef1234',
        authorizer: { principalId: 'ana' },
      },
    });
    expect(connection.sent).toEqual([]);
  });

  it('sends the route response body only on routes that have one, an object as JSON', async () => {
    const { routeMessage } = router({
      handler: (event: WebSocketEvent<string>) =>
        event.body === 'object' ? { body: { ok: true } } : { statusCode: 200, body: event.body },
      routeResponses: ['$default'],
      routeKeys: ['quiet'],
    });
    const connection = fakeConnection();
    await routeMessage(connection, '{"action":"quiet"}');
    await routeMessage(connection, 'hello');
    await routeMessage(connection, 'object');
    expect(connection.sent).toEqual(['hello', '{"ok":true}']);
  });

  it('with no route for the message, sends the Forbidden frame with its IDs and invokes nothing', async () => {
    const { routeMessage } = router({ routes: { join: () => undefined } });
    const connection = fakeConnection();
    await routeMessage(connection, '{"action":"leave"}');
    expect(JSON.parse(connection.sent[0] as string)).toEqual({
      message: 'Forbidden',
      connectionId: 'conn-1=',
      requestId: expect.stringMatching(/^[A-Za-z0-9_-]{15}=$/),
    });
  });

  it('a mock route runs no handler and answers nothing, and is logged as mock', async () => {
    let calls = 0;
    const { routeMessage, lines } = router({
      handler: () => calls++,
      mockRoutes: ['ping'],
      routeResponses: true,
    });
    const connection = fakeConnection();
    await routeMessage(connection, '{"action":"ping"}');
    expect(calls).toBe(0);
    expect(connection.sent).toEqual([]);
    expect(lines).toContain('ping conn-1= mock');
  });

  it('a handler that throws sends Internal server error and is logged as a failure', async () => {
    const { routeMessage, lines } = router({
      handler: () => {
        throw new Error('boom');
      },
      routeKeys: [],
    });
    const connection = fakeConnection();
    await routeMessage(connection, 'x');
    expect(JSON.parse(connection.sent[0] as string)).toMatchObject({
      message: 'Internal server error',
      connectionId: 'conn-1=',
    });
    expect(lines.at(-1)).toMatch(/^error: \$default conn-1= failed \(threw Error: boom\) [\d.]+ms$/);
  });

  it('a handler that overruns sends Endpoint request timed out', async () => {
    const { routeMessage, lines } = router({
      handler: () => new Promise(() => {}),
      routeKeys: [],
      integrationTimeoutMs: 20,
    });
    const connection = fakeConnection();
    await routeMessage(connection, 'x');
    expect(JSON.parse(connection.sent[0] as string)).toMatchObject({ message: 'Endpoint request timed out' });
    expect(lines.at(-1)).toMatch(/failed \(timed out\)/);
  });

  it('a route response body that cannot be serialized is an integration failure', async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const { routeMessage, lines } = router({
      handler: (event: WebSocketEvent<string>) => ({ body: event.body === 'big' ? 10n : circular }),
      routeKeys: [],
      routeResponses: true,
    });
    const connection = fakeConnection();
    await routeMessage(connection, 'circular');
    await routeMessage(connection, 'big');
    expect(connection.sent.map((frame) => JSON.parse(frame).message)).toEqual([
      'Internal server error',
      'Internal server error',
    ]);
    expect(lines.filter((line) => line.startsWith('error: $default conn-1= failed'))).toHaveLength(2);
  });

  it('logs one line per successful invocation: route key, connection, status, ms', async () => {
    const { routeMessage, lines } = router({ handler: () => ({ statusCode: 201 }), routeKeys: ['send'] });
    await routeMessage(fakeConnection(), '{"action":"send"}');
    expect(lines.at(-1)).toMatch(/^send conn-1= 201 [\d.]+ms$/);
  });
});

describe('deliverDisconnect', () => {
  it('invokes $disconnect with the status code and reason', async () => {
    const events: WebSocketEvent<string>[] = [];
    const { deliverDisconnect } = router({ routes: { $disconnect: (event) => void events.push(event) } });
    await deliverDisconnect(fakeConnection(), 1001, 'Going away');
    expect(events[0]?.requestContext).toMatchObject({
      eventType: 'DISCONNECT',
      routeKey: '$disconnect',
      connectionId: 'conn-1=',
      disconnectStatusCode: 1001,
      disconnectReason: 'Going away',
    });
  });

  it('invokes nothing when the API has no $disconnect route', async () => {
    let calls = 0;
    const { deliverDisconnect, lines } = router({ routes: { $default: () => calls++ } });
    await deliverDisconnect(fakeConnection(), 1000, 'bye');
    expect(calls).toBe(0);
    expect(lines).toEqual([]);
  });
});
