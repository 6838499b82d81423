import {
  type RouteTable,
  routes,
  type WebSocketContext,
  type WebSocketEvent,
  webSocketLambda,
} from 'aws-framework';
import {
  createConnectEvent,
  createDisconnectEvent,
  createLambdaContext,
  createMessageEvent,
} from 'aws-framework/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.restoreAllMocks();
});

const UNKNOWN_ROUTE = { statusCode: 400, body: '{"message":"Unknown route key"}' };

/** A route that answers with its own name, so the result tells which route ran. */
function namedRoute(name: string) {
  return vi.fn(async (_event: WebSocketEvent, _context: WebSocketContext) => ({
    statusCode: 200,
    body: { route: name },
  }));
}

function fullTable() {
  return {
    $connect: namedRoute('$connect'),
    $disconnect: namedRoute('$disconnect'),
    sendMessage: namedRoute('sendMessage'),
    $default: namedRoute('$default'),
  };
}

function messageWithRouteKey(routeKey: string, body: unknown = { action: routeKey }): WebSocketEvent<string> {
  return createMessageEvent(body, { requestContext: { routeKey } });
}

describe('routes() inside webSocketLambda', () => {
  it.each([
    ['$connect', () => createConnectEvent()],
    ['$disconnect', () => createDisconnectEvent()],
    ['sendMessage', () => createMessageEvent({ action: 'sendMessage', text: 'hi' })],
  ] as const)('dispatches the route key %s to its own route and no other', async (routeKey, build) => {
    const table = fullTable();
    const handler = webSocketLambda(routes(table));

    const result = await handler(build(), createLambdaContext());

    expect(result).toStrictEqual({ statusCode: 200, body: JSON.stringify({ route: routeKey }) });
    for (const [key, route] of Object.entries(table)) {
      expect(route).toHaveBeenCalledTimes(key === routeKey ? 1 : 0);
    }
  });

  it('hands the route the parsed body and the WebSocket context', async () => {
    const sendMessage = vi.fn();
    const event = createMessageEvent({ action: 'sendMessage', text: 'hi' });
    const handler = webSocketLambda(routes({ sendMessage }));

    await handler(event, createLambdaContext());

    expect(sendMessage).toHaveBeenCalledTimes(1);
    const [seenEvent, seenContext] = sendMessage.mock.calls[0] ?? [];
    expect(seenEvent.body).toEqual({ action: 'sendMessage', text: 'hi' });
    expect(seenContext.connectionId).toBe(event.requestContext.connectionId);
    expect(seenContext.routeKey).toBe('sendMessage');
    expect(seenContext.eventType).toBe('MESSAGE');
    expect(typeof seenContext.send).toBe('function');
  });

  it.each(['otherAction', 'SendMessage', 'sendMessage ', '$Connect'])(
    'sends the route key %s, which matches no route exactly, to $default',
    async (routeKey) => {
      const table = fullTable();
      const handler = webSocketLambda(routes(table));

      const result = await handler(messageWithRouteKey(routeKey), createLambdaContext());

      expect(result).toStrictEqual({ statusCode: 200, body: JSON.stringify({ route: '$default' }) });
      expect(table.$default).toHaveBeenCalledTimes(1);
      expect(table.sendMessage).not.toHaveBeenCalled();
      expect(table.$connect).not.toHaveBeenCalled();
      expect(table.$default.mock.calls[0]?.[1].routeKey).toBe(routeKey);
    },
  );

  it('sends an event whose route key is $default to $default', async () => {
    const table = fullTable();
    const handler = webSocketLambda(routes(table));
    const event = createMessageEvent({ text: 'no action key' });
    expect(event.requestContext.routeKey).toBe('$default');

    const result = await handler(event, createLambdaContext());

    expect(result).toStrictEqual({ statusCode: 200, body: JSON.stringify({ route: '$default' }) });
    expect(table.$default).toHaveBeenCalledTimes(1);
    expect(table.sendMessage).not.toHaveBeenCalled();
  });

  it.each([
    ['a custom key', () => messageWithRouteKey('otherAction')],
    ['$connect', () => createConnectEvent()],
    ['$disconnect', () => createDisconnectEvent()],
  ])(
    'answers 400 {"message":"Unknown route key"} to %s when nothing matches and there is no $default',
    async (_, build) => {
      const sendMessage = namedRoute('sendMessage');
      const handler = webSocketLambda(routes({ sendMessage }));

      const result = await handler(build(), createLambdaContext());

      expect(result).toStrictEqual(UNKNOWN_ROUTE);
      expect(sendMessage).not.toHaveBeenCalled();
    },
  );

  it('does not log an unknown route key as an error', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    const handler = webSocketLambda(routes({ sendMessage: namedRoute('sendMessage') }));

    await handler(messageWithRouteKey('otherAction'), createLambdaContext());

    expect(consoleError).not.toHaveBeenCalled();
  });

  describe('route keys named like Object.prototype members', () => {
    const inheritedNames = [
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'valueOf',
      '__defineGetter__',
    ];

    it.each(inheritedNames)('answers 400 Unknown route key to %s without $default', async (routeKey) => {
      const sendMessage = namedRoute('sendMessage');
      const handler = webSocketLambda(routes({ sendMessage }));

      const result = await handler(messageWithRouteKey(routeKey, { text: 'hi' }), createLambdaContext());

      expect(result).toStrictEqual(UNKNOWN_ROUTE);
      expect(sendMessage).not.toHaveBeenCalled();
    });

    it.each(inheritedNames)('sends %s to $default when there is one', async (routeKey) => {
      const table = fullTable();
      const handler = webSocketLambda(routes(table));

      const result = await handler(messageWithRouteKey(routeKey, { text: 'hi' }), createLambdaContext());

      expect(result).toStrictEqual({ statusCode: 200, body: JSON.stringify({ route: '$default' }) });
      expect(table.$default).toHaveBeenCalledTimes(1);
    });

    it('still dispatches to a route the table really defines under such a name', async () => {
      const toStringRoute = namedRoute('toString');
      const $default = namedRoute('$default');
      const handler = webSocketLambda(routes({ toString: toStringRoute, $default }));

      const result = await handler(messageWithRouteKey('toString'), createLambdaContext());

      expect(result).toStrictEqual({ statusCode: 200, body: JSON.stringify({ route: 'toString' }) });
      expect(toStringRoute).toHaveBeenCalledTimes(1);
      expect($default).not.toHaveBeenCalled();
    });
  });

  it.each([
    ['a string', 'sendMessage'],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['an object', { handler: () => {} }],
  ])('throws TypeError at construction when a route is %s', (_, value) => {
    const table = { $connect: async () => {}, sendMessage: value } as unknown as RouteTable;

    expect(() => routes(table)).toThrow(TypeError);
  });

  it('throws TypeError at construction when $default is not a function', () => {
    expect(() => routes({ $default: 'fallback' } as unknown as RouteTable)).toThrow(TypeError);
  });
});
