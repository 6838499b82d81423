import {
  ROUTE_KEYS,
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

  it('answers 400 {"message":"Unknown route key"} to a message that matches nothing when there is no $default', async () => {
    const sendMessage = namedRoute('sendMessage');
    const handler = webSocketLambda(routes({ sendMessage }));

    const result = await handler(messageWithRouteKey('otherAction'), createLambdaContext());

    expect(result).toStrictEqual(UNKNOWN_ROUTE);
    expect(sendMessage).not.toHaveBeenCalled();
  });

  // On AWS an API without a $connect route accepts every connection, and $default is for
  // messages only.
  it.each([
    ['$connect', () => createConnectEvent()],
    ['$disconnect', () => createDisconnectEvent()],
  ])('answers 200 to %s when the table has no such route, never running $default', async (_, build) => {
    const table = { sendMessage: namedRoute('sendMessage'), $default: namedRoute('$default') };
    const handler = webSocketLambda(routes(table));

    const result = await handler(build(), createLambdaContext());

    expect(result).toStrictEqual({ statusCode: 200 });
    expect(table.$default).not.toHaveBeenCalled();
    expect(table.sendMessage).not.toHaveBeenCalled();
  });

  it.each([
    ['$connect', () => createConnectEvent()],
    ['$disconnect', () => createDisconnectEvent()],
  ])('answers 200 to %s with an empty table', async (_, build) => {
    const handler = webSocketLambda(routes({}));

    expect(await handler(build(), createLambdaContext())).toStrictEqual({ statusCode: 200 });
  });

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

  it.each(['$conect', '$Connect', '$DEFAULT', '$disconnected', '$', '$sendMessage'])(
    'throws a TypeError naming the key at construction for %s, which starts with $ but is no lifecycle key',
    (key) => {
      const table: RouteTable = { sendMessage: async () => {}, [key]: async () => {} };

      expect(() => routes(table)).toThrow(TypeError);
      expect(() => routes(table)).toThrow(`"${key}"`);
    },
  );

  it('accepts $ inside or at the end of a custom key', () => {
    const handler = webSocketLambda(routes({ send$: namedRoute('send$'), a$b: namedRoute('a$b') }));

    expect(handler[ROUTE_KEYS]).toEqual(['send$', 'a$b']);
  });
});

describe('the route keys a handler declares', () => {
  it('are listed on webSocketLambda(routes(table)) under Symbol.for("aws-framework.routeKeys"), in table order', () => {
    const handler = webSocketLambda(routes({ a: namedRoute('a'), b: namedRoute('b') }));

    expect(ROUTE_KEYS).toBe(Symbol.for('aws-framework.routeKeys'));
    expect(Reflect.get(handler, Symbol.for('aws-framework.routeKeys'))).toEqual(['a', 'b']);
  });

  it('include the lifecycle keys the table has, and only those', () => {
    const handler = webSocketLambda(
      routes({ sendMessage: namedRoute('s'), $connect: namedRoute('c'), $default: namedRoute('d') }),
    );

    expect(handler[ROUTE_KEYS]).toEqual(['sendMessage', '$connect', '$default']);
  });

  it('are on the function routes() returns as well', () => {
    expect(Reflect.get(routes({ a: namedRoute('a') }), ROUTE_KEYS)).toEqual(['a']);
  });

  it('cannot be changed afterwards', () => {
    const handler = webSocketLambda(routes({ a: namedRoute('a') }));
    const keys = handler[ROUTE_KEYS] as string[];

    expect(Object.isFrozen(keys)).toBe(true);
    expect(() => keys.push('b')).toThrow(TypeError);
    expect(() => Reflect.set(handler, ROUTE_KEYS, ['b'])).not.toThrow();
    expect(handler[ROUTE_KEYS]).toEqual(['a']);
  });

  it('stay on the handler after .use()', () => {
    const handler = webSocketLambda(routes({ a: namedRoute('a') })).use({ before: () => {} });

    expect(Reflect.get(handler, ROUTE_KEYS)).toEqual(['a']);
  });

  it('are absent from a handler that does not wrap routes()', () => {
    expect(webSocketLambda(async () => {})[ROUTE_KEYS]).toBeUndefined();
  });
});
