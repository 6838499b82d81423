import { createError } from '@middy/util';
import {
  type ErrorLogEntry,
  type WebSocketContext,
  type WebSocketEvent,
  type WebSocketLambdaOptions,
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

/** Silences and records console.error for the duration of one test. */
function spyOnConsoleError() {
  return vi.spyOn(console, 'error').mockImplementation(() => {});
}

function parseBody(result: { body?: string }): unknown {
  expect(typeof result.body).toBe('string');
  return JSON.parse(result.body as string);
}

/** What API Gateway itself answers on an integration error, for this event. */
function internalErrorBody(event: WebSocketEvent<unknown>): string {
  return JSON.stringify({
    message: 'Internal server error',
    connectionId: event.requestContext.connectionId,
    requestId: event.requestContext.requestId,
  });
}

// An HTTP API (payload v2) event: a requestContext, a routeKey, but no connectionId.
const httpApiV2Event = {
  version: '2.0',
  routeKey: 'GET /items',
  rawPath: '/items',
  rawQueryString: '',
  headers: { host: 'abc123defg.execute-api.eu-west-1.amazonaws.com', 'user-agent': 'curl/8.0' },
  requestContext: {
    accountId: '123456789012',
    apiId: 'abc123defg',
    domainName: 'abc123defg.execute-api.eu-west-1.amazonaws.com',
    domainPrefix: 'abc123defg',
    http: {
      method: 'GET',
      path: '/items',
      protocol: 'HTTP/1.1',
      sourceIp: '203.0.113.10',
      userAgent: 'curl/8.0',
    },
    requestId: 'JKJaXmPLvHcESHA=',
    routeKey: 'GET /items',
    stage: '$default',
    time: '10/Mar/2026:12:00:00 +0000',
    timeEpoch: 1_773_144_000_000,
  },
  isBase64Encoded: false,
};

describe('1. event check', () => {
  const notWebSocketEvents: [string, unknown][] = [
    ['null', null],
    ['undefined', undefined],
    ['an empty object', {}],
    ['an HTTP API v2 event', httpApiV2Event],
    [
      'an event with an empty connectionId',
      createMessageEvent({ a: 1 }, { requestContext: { connectionId: '' } }),
    ],
    ['an event with an empty routeKey', createMessageEvent({ a: 1 }, { requestContext: { routeKey: '' } })],
    [
      'an event whose connectionId is not a string',
      {
        ...createConnectEvent(),
        requestContext: { ...createConnectEvent().requestContext, connectionId: 42 },
      },
    ],
  ];

  it.each(notWebSocketEvents)(
    'answers 400 with a JSON message and does not run fn for %s',
    async (_, event) => {
      const fn = vi.fn();
      const handler = webSocketLambda(fn);

      const result = await handler(event, createLambdaContext());

      expect(result.statusCode).toBe(400);
      const body = parseBody(result) as { message?: unknown };
      expect(typeof body.message).toBe('string');
      expect(body.message).not.toBe('');
      expect(fn).not.toHaveBeenCalled();
    },
  );

  it.each(notWebSocketEvents)(
    'resolves rather than throws for %s, even without a Lambda context',
    async (_, event) => {
      const handler = webSocketLambda(vi.fn());

      await expect(handler(event)).resolves.toMatchObject({ statusCode: 400 });
    },
  );

  it('runs fn once for a real WebSocket event', async () => {
    const fn = vi.fn();
    const handler = webSocketLambda(fn);

    const result = await handler(createMessageEvent({ a: 1 }), createLambdaContext());

    expect(result.statusCode).toBe(200);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});

describe('2. context', () => {
  const kinds = [
    { kind: 'CONNECT', build: () => createConnectEvent(), routeKey: '$connect' },
    {
      kind: 'MESSAGE',
      build: () => createMessageEvent({ action: 'sendMessage', text: 'hi' }),
      routeKey: 'sendMessage',
    },
    { kind: 'DISCONNECT', build: () => createDisconnectEvent(), routeKey: '$disconnect' },
  ] as const;

  it.each(kinds)(
    'puts connectionId, routeKey, eventType $kind and send() on the context',
    async ({ kind, build, routeKey }) => {
      const event = build();
      let seen: WebSocketContext | undefined;
      const handler = webSocketLambda(async (_event, context) => {
        seen = context;
      });

      await handler(event, createLambdaContext());

      expect(seen).toBeDefined();
      expect(seen?.connectionId).toBe(event.requestContext.connectionId);
      expect(seen?.routeKey).toBe(routeKey);
      expect(seen?.eventType).toBe(kind);
      expect(typeof seen?.send).toBe('function');
    },
  );

  it('keeps the Lambda context it was given', async () => {
    const lambdaContext = createLambdaContext({ functionName: 'chat-handler' });
    let seen: WebSocketContext | undefined;
    const handler = webSocketLambda((_event, context) => {
      seen = context;
    });

    await handler(createConnectEvent(), lambdaContext);

    expect(seen?.awsRequestId).toBe(lambdaContext.awsRequestId);
    expect(seen?.functionName).toBe('chat-handler');
  });

  it('lets a middleware added with .use() see the injected context in its before', async () => {
    const event = createMessageEvent({ action: 'sendMessage' });
    const seen: Record<string, unknown> = {};
    const handler = webSocketLambda(vi.fn());
    handler.use({
      before: (request) => {
        seen.connectionId = request.context.connectionId;
        seen.routeKey = request.context.routeKey;
        seen.eventType = request.context.eventType;
        seen.send = typeof request.context.send;
      },
    });

    await handler(event, createLambdaContext());

    expect(seen).toEqual({
      connectionId: event.requestContext.connectionId,
      routeKey: 'sendMessage',
      eventType: 'MESSAGE',
      send: 'function',
    });
  });

  it("lets a middleware added with .use() see the handler's raw response in its after", async () => {
    const raw = { statusCode: 201, body: { ok: true }, headers: { 'x-trace': 'abc' } };
    const seenResponses: unknown[] = [];
    const handler = webSocketLambda(async () => raw);
    handler.use({
      after: (request) => {
        seenResponses.push(structuredClone(request.response));
      },
    });

    const result = await handler(createMessageEvent({ a: 1 }), createLambdaContext());

    expect(seenResponses).toEqual([{ statusCode: 201, body: { ok: true }, headers: { 'x-trace': 'abc' } }]);
    expect(result).toEqual({ statusCode: 201, body: '{"ok":true}', headers: { 'x-trace': 'abc' } });
  });

  it('lets a middleware added with .use() see undefined in its after when fn returns nothing', async () => {
    const seenResponses: unknown[] = [];
    const handler = webSocketLambda(async () => {});
    handler.use({
      after: (request) => {
        seenResponses.push(request.response);
      },
    });

    const result = await handler(createConnectEvent(), createLambdaContext());

    expect(seenResponses).toEqual([undefined]);
    expect(result).toStrictEqual({ statusCode: 200 });
  });
});

describe('3. body', () => {
  it('parses a JSON string body and hands fn the value', async () => {
    const fn = vi.fn();
    const handler = webSocketLambda(fn);
    const sent = { action: 'sendMessage', message: 'hello', tags: ['a', 'b'], nested: { n: 1 } };

    await handler(createMessageEvent(sent), createLambdaContext());

    expect(fn).toHaveBeenCalledTimes(1);
    expect(fn.mock.calls[0]?.[0].body).toEqual(sent);
  });

  it.each([
    ['a key named like a prototype in a value', '{"message":"__proto__ and constructor"}'],
    ['an escaped character', '{"message":"tab\\there \\u00e9"}'],
    ['a constructor key without prototype', '{"constructor":{"name":"x"}}'],
  ])('hands fn the same value as JSON.parse for a body with %s', async (_, raw) => {
    const fn = vi.fn();
    const handler = webSocketLambda(fn);

    const result = await handler(createMessageEvent(raw), createLambdaContext());

    expect(result.statusCode).toBe(200);
    expect(fn.mock.calls[0]?.[0].body).toEqual(JSON.parse(raw));
  });

  it('decodes a base64 body with isBase64Encoded: true, then parses it', async () => {
    const fn = vi.fn();
    const handler = webSocketLambda(fn);
    const encoded = Buffer.from(JSON.stringify({ message: 'héllo ✓' }), 'utf8').toString('base64');

    await handler(createMessageEvent(encoded, { isBase64Encoded: true }), createLambdaContext());

    expect(fn).toHaveBeenCalledTimes(1);
    expect(fn.mock.calls[0]?.[0].body).toEqual({ message: 'héllo ✓' });
  });

  it.each([
    ['plain text', 'hello there'],
    ['truncated JSON', '{"action":"sendMessage",'],
    ['a single quoted object', "{'a':1}"],
  ])('answers 422 with a JSON message when the body is not JSON (%s)', async (_, raw) => {
    const fn = vi.fn();
    const handler = webSocketLambda(fn);

    const result = await handler(createMessageEvent(raw), createLambdaContext());

    expect(result.statusCode).toBe(422);
    const body = parseBody(result) as { message?: unknown };
    expect(typeof body.message).toBe('string');
    expect(body.message).not.toBe('');
    expect(fn).not.toHaveBeenCalled();
  });

  it.each([
    '{"__proto__":{"polluted":1}}',
    '{"constructor":{"prototype":{"polluted":1}}}',
    '{"safe":{"__proto__":{"polluted":1}}}',
    '{"\\u005f_proto__":{"polluted":1}}',
    '{"\\u0063onstructor":{"prototype":{"polluted":1}}}',
  ])('answers 422 to the prototype-polluting body %s and pollutes nothing', async (raw) => {
    const fn = vi.fn();
    const handler = webSocketLambda(fn);

    const result = await handler(createMessageEvent(raw), createLambdaContext());

    expect(result.statusCode).toBe(422);
    expect(typeof (parseBody(result) as { message?: unknown }).message).toBe('string');
    expect(fn).not.toHaveBeenCalled();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it.each([
    ['CONNECT', createConnectEvent],
    ['DISCONNECT', createDisconnectEvent],
  ])('runs fn with body undefined on %s, which carries no body', async (_, build) => {
    const fn = vi.fn();
    const handler = webSocketLambda(fn);

    const result = await handler(build(), createLambdaContext());

    expect(result).toStrictEqual({ statusCode: 200 });
    expect(fn).toHaveBeenCalledTimes(1);
    expect(fn.mock.calls[0]?.[0].body).toBeUndefined();
  });

  it.each([
    ['valid JSON', '{"action":"sendMessage","n":1}'],
    ['invalid JSON', 'not json at all {'],
    ['a prototype-polluting string', '{"__proto__":{"polluted":1}}'],
  ])('leaves the raw string for fn with jsonBody: false (%s)', async (_, raw) => {
    const fn = vi.fn();
    const handler = webSocketLambda(fn, { jsonBody: false });

    const result = await handler(createMessageEvent(raw), createLambdaContext());

    expect(result.statusCode).toBe(200);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(fn.mock.calls[0]?.[0].body).toBe(raw);
  });
});

describe('4. result', () => {
  it('answers exactly { statusCode: 200 } when fn returns nothing', async () => {
    const handler = webSocketLambda(async () => {});

    const result = await handler(createMessageEvent({ a: 1 }), createLambdaContext());

    expect(result).toStrictEqual({ statusCode: 200 });
    expect(Object.keys(result)).toEqual(['statusCode']);
  });

  it('passes a string body through as is', async () => {
    const handler = webSocketLambda(async () => ({ statusCode: 200, body: 'plain "text", not JSON' }));

    const result = await handler(createMessageEvent({ a: 1 }), createLambdaContext());

    expect(result).toStrictEqual({ statusCode: 200, body: 'plain "text", not JSON' });
  });

  it('sends an object body as JSON', async () => {
    const body = { ok: true, items: [1, 'two', { three: 3 }], nothing: null };
    const handler = webSocketLambda(async () => ({ statusCode: 202, body }));

    const result = await handler(createMessageEvent({ a: 1 }), createLambdaContext());

    expect(result).toStrictEqual({ statusCode: 202, body: JSON.stringify(body) });
  });

  it('passes headers through', async () => {
    const headers = { 'Sec-WebSocket-Protocol': 'chat', 'x-count': 3, 'x-flag': true };
    const handler = webSocketLambda(async () => ({ statusCode: 200, headers }));

    const result = await handler(createConnectEvent(), createLambdaContext());

    expect(result).toStrictEqual({ statusCode: 200, headers });
  });

  it.each([100, 204, 599])('keeps the valid status code %s', async (statusCode) => {
    const handler = webSocketLambda(async () => ({ statusCode }));

    const result = await handler(createMessageEvent({ a: 1 }), createLambdaContext());

    expect(result).toStrictEqual({ statusCode });
  });

  const invalid: [string, unknown][] = [
    ['statusCode 99', { statusCode: 99 }],
    ['statusCode 600', { statusCode: 600 }],
    ['statusCode 200.5', { statusCode: 200.5 }],
    ["statusCode '200'", { statusCode: '200' }],
    ['statusCode NaN', { statusCode: Number.NaN }],
    ['no statusCode', { body: 'hello' }],
    ['a string', 'hello'],
    ['a number', 200],
  ];

  it.each(invalid)('answers a logged 500 when fn returns %s', async (_, returned) => {
    const logger = vi.fn();
    const event = createMessageEvent({ a: 1 });
    // The declared return type does not allow these; a JavaScript caller can still return them.
    const handler = webSocketLambda((() => returned) as () => undefined, { logger });

    const result = await handler(event, createLambdaContext());

    expect(result).toStrictEqual({ statusCode: 500, body: internalErrorBody(event) });
    expect(logger).toHaveBeenCalledTimes(1);
  });
});

describe('5. errors', () => {
  it('answers createError(403, "nope") with 403 and {"message":"nope"}', async () => {
    const handler = webSocketLambda(async () => {
      throw createError(403, 'nope');
    });

    const result = await handler(createMessageEvent({ a: 1 }), createLambdaContext());

    expect(result).toStrictEqual({ statusCode: 403, body: '{"message":"nope"}' });
  });

  it('answers a thrown plain object with statusCode 404 and a message with 404 and that message', async () => {
    const handler = webSocketLambda(async () => {
      throw { statusCode: 404, message: 'No such room' };
    });

    const result = await handler(createMessageEvent({ a: 1 }), createLambdaContext());

    expect(result).toStrictEqual({ statusCode: 404, body: '{"message":"No such room"}' });
  });

  // Middy's error handler writes `expose` on the error it sees; a frozen shared error constant
  // once made that write throw out of the handler.
  it('answers a frozen error object with statusCode 404 instead of throwing', async () => {
    const notFound = Object.freeze({ statusCode: 404, message: 'No such room' });
    const handler = webSocketLambda(
      async () => {
        throw notFound;
      },
      { logger: false },
    );

    await expect(handler(createMessageEvent({ a: 1 }), createLambdaContext())).resolves.toStrictEqual({
      statusCode: 404,
      body: '{"message":"No such room"}',
    });
  });

  it('answers an error with statusCode 400 and expose: false with a generic 500', async () => {
    const event = createMessageEvent({ a: 1 });
    const handler = webSocketLambda(
      async () => {
        throw Object.assign(new Error('hidden detail'), { statusCode: 400, expose: false });
      },
      { logger: false },
    );

    const result = await handler(event, createLambdaContext());

    expect(result).toStrictEqual({ statusCode: 500, body: internalErrorBody(event) });
    expect(result.body).not.toContain('hidden');
  });

  const fiveHundreds: [string, () => unknown][] = [
    ["Error('secret db password')", () => new Error('secret db password')],
    ['a thrown string', () => 'secret db password'],
    ['undefined', () => undefined],
    ["createError(503, 'Service Unavailable')", () => createError(503, 'Service Unavailable')],
    ["createError(503, 'secret ...')", () => createError(503, 'secret db password')],
  ];

  it.each(fiveHundreds)('answers %s with API Gateway’s 500 body and no secrets', async (_, makeThrown) => {
    const event = createMessageEvent({ action: 'sendMessage' });
    const handler = webSocketLambda(
      async () => {
        throw makeThrown();
      },
      { logger: false },
    );

    const result = await handler(event, createLambdaContext());

    expect(result.statusCode).toBe(500);
    expect(result.body).toBe(
      `{"message":"Internal server error","connectionId":${JSON.stringify(event.requestContext.connectionId)},"requestId":${JSON.stringify(event.requestContext.requestId)}}`,
    );
    expect(result.body).not.toContain('secret');
    expect(Object.keys(result)).toEqual(['statusCode', 'body']);
  });

  it.each(fiveHundreds)('logs %s exactly once as one JSON line on console.error', async (_, makeThrown) => {
    const consoleError = spyOnConsoleError();
    const event = createMessageEvent({ action: 'sendMessage' });
    const handler = webSocketLambda(async () => {
      throw makeThrown();
    });

    await handler(event, createLambdaContext());

    expect(consoleError).toHaveBeenCalledTimes(1);
    const args = consoleError.mock.calls[0] ?? [];
    expect(args).toHaveLength(1);
    const line = args[0];
    expect(typeof line).toBe('string');
    expect(line).not.toContain('\n');
    const entry = JSON.parse(line as string);
    expect(entry).toMatchObject({
      level: 'error',
      requestId: event.requestContext.requestId,
      connectionId: event.requestContext.connectionId,
      routeKey: 'sendMessage',
    });
    expect(typeof entry.message).toBe('string');
    expect(typeof entry.error.name).toBe('string');
  });

  it('puts the name, message and stack of a thrown Error in the log line', async () => {
    const consoleError = spyOnConsoleError();
    const event = createMessageEvent({ action: 'sendMessage' });
    const thrown = new TypeError('secret db password');
    const lambdaContext = createLambdaContext();
    const handler = webSocketLambda(async () => {
      throw thrown;
    });

    await handler(event, lambdaContext);

    expect(consoleError).toHaveBeenCalledTimes(1);
    const entry = JSON.parse(consoleError.mock.calls[0]?.[0] as string);
    expect(entry).toEqual({
      level: 'error',
      message: expect.any(String),
      error: { name: 'TypeError', message: 'secret db password', stack: thrown.stack },
      requestId: event.requestContext.requestId,
      awsRequestId: lambdaContext.awsRequestId,
      connectionId: event.requestContext.connectionId,
      routeKey: 'sendMessage',
    });
    expect(entry.error.stack).toContain('TypeError: secret db password');
  });

  it('hands the entry to options.logger instead of console.error', async () => {
    const consoleError = spyOnConsoleError();
    const logger = vi.fn<(entry: ErrorLogEntry) => void>();
    const event = createDisconnectEvent();
    const handler = webSocketLambda(
      async () => {
        throw new Error('boom');
      },
      { logger },
    );

    const result = await handler(event, createLambdaContext());

    expect(result.statusCode).toBe(500);
    expect(consoleError).not.toHaveBeenCalled();
    expect(logger).toHaveBeenCalledTimes(1);
    expect(logger.mock.calls[0]?.[0]).toMatchObject({
      level: 'error',
      error: { name: 'Error', message: 'boom', stack: expect.stringContaining('boom') },
      requestId: event.requestContext.requestId,
      connectionId: event.requestContext.connectionId,
      routeKey: '$disconnect',
    });
  });

  it('logs nothing with logger: false and still answers 500', async () => {
    const consoleError = spyOnConsoleError();
    const event = createMessageEvent({ a: 1 });
    const handler = webSocketLambda(
      async () => {
        throw new Error('boom');
      },
      { logger: false },
    );

    const result = await handler(event, createLambdaContext());

    expect(result).toStrictEqual({ statusCode: 500, body: internalErrorBody(event) });
    expect(consoleError).not.toHaveBeenCalled();
  });

  it('still answers 500 when the logger throws', async () => {
    const consoleError = spyOnConsoleError();
    const event = createMessageEvent({ a: 1 });
    const logger = vi.fn(() => {
      throw new Error('log sink down');
    });
    const handler = webSocketLambda(
      async () => {
        throw new Error('boom');
      },
      { logger },
    );

    const result = await handler(event, createLambdaContext());

    expect(result).toStrictEqual({ statusCode: 500, body: internalErrorBody(event) });
    expect(logger).toHaveBeenCalledTimes(1);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it.each([
    ['a thrown createError(403)', () => createMessageEvent({ a: 1 }), true],
    ['a 422 for a body that is not JSON', () => createMessageEvent('not json'), false],
    ['a 400 for an event that is not a WebSocket event', () => ({}), false],
  ])('does not log 4xx: %s', async (_, build, throwForbidden) => {
    const consoleError = spyOnConsoleError();
    const logger = vi.fn();
    const fn = async () => {
      if (throwForbidden) throw createError(403, 'nope');
    };

    const byDefault = await webSocketLambda(fn)(build(), createLambdaContext());
    const withLogger = await webSocketLambda(fn, { logger })(build(), createLambdaContext());

    expect(byDefault.statusCode).toBeGreaterThanOrEqual(400);
    expect(byDefault.statusCode).toBeLessThan(500);
    expect(withLogger.statusCode).toBe(byDefault.statusCode);
    expect(consoleError).not.toHaveBeenCalled();
    expect(logger).not.toHaveBeenCalled();
  });

  it.each([
    ['an unknown key', { jsonbody: true }],
    ["jsonBody: 'yes'", { jsonBody: 'yes' }],
    ['logger: 42', { logger: 42 }],
    ['logger: true', { logger: true }],
    ['null', null],
  ])('throws TypeError at construction for the invalid options %s', (_, options) => {
    const fn = vi.fn();

    expect(() => webSocketLambda(fn, options as unknown as WebSocketLambdaOptions)).toThrow(TypeError);
    expect(fn).not.toHaveBeenCalled();
  });

  it('accepts the documented options at construction', () => {
    expect(() =>
      webSocketLambda(vi.fn(), {
        jsonBody: false,
        logger: false,
        endpoint: 'https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod',
      }),
    ).not.toThrow();
    expect(() => webSocketLambda(vi.fn(), { logger: () => {} })).not.toThrow();
  });
});
