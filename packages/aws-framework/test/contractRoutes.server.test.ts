import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createError } from '@middy/util';
import {
  type ErrorLogEntry,
  ROUTE_KEYS,
  routes,
  type WebSocketEvent,
  type WebSocketHandlerFn,
  type WebSocketLambdaOptions,
  webSocketLambda,
} from 'aws-framework';
import { type Contract, defineContract } from 'aws-framework/contract';
import {
  createConnectEvent,
  createDisconnectEvent,
  createLambdaContext,
  createMessageEvent,
} from 'aws-framework/testing';
import * as v from 'valibot';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

/**
 * `routes(contract, handlers)` inside `webSocketLambda`, with a real HTTP server standing in for
 * the management API: replies and emitted events are read off the wire as the SDK sent them.
 */

interface Recorded {
  method: string;
  connectionId: string;
  body: unknown;
}

type Responder = (request: Recorded, response: ServerResponse) => void;

const sent: Recorded[] = [];
let respond: Responder;
let server: Server;
let endpoint: string;

const answerOk: Responder = (_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
};

// These would change which credentials the SDK signs with, or where a send goes.
const ENV_KEYS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI',
  'WEBSOCKET_MANAGEMENT_ENDPOINT',
];

beforeAll(async () => {
  for (const key of ENV_KEYS) vi.stubEnv(key, undefined);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded = {
        method: req.method ?? '',
        connectionId: decodeURIComponent((req.url ?? '').slice('/local/@connections/'.length)),
        body: text === '' ? undefined : JSON.parse(text),
      };
      sent.push(recorded);
      respond(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/local`;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  sent.length = 0;
  respond = answerOk;
});

const chat = defineContract({
  actions: {
    join: z.object({ room: z.string().trim().min(1) }),
    say: v.object({ text: v.pipe(v.string(), v.maxLength(10)) }),
  },
  events: {
    message: z.object({ from: z.string(), text: z.string() }),
    joined: v.object({ room: v.string() }),
  },
  replies: { join: z.object({ members: z.number() }) },
});

/** The handler as deployed: a logger that records, and the test server as the management API. */
function lambda(fn: WebSocketHandlerFn, options: WebSocketLambdaOptions = {}) {
  const logged: ErrorLogEntry[] = [];
  const handler = webSocketLambda(fn, { endpoint, logger: (entry) => logged.push(entry), ...options });
  return { handler, logged };
}

function message(body: unknown, connectionId = 'REQUESTER123456=') {
  return createMessageEvent(body, { requestContext: { connectionId } });
}

const bodyOf = (result: { body?: string }) =>
  result.body === undefined ? undefined : JSON.parse(result.body);

describe('routes(contract, handlers): payloads', () => {
  it.each([
    ['a zod schema', 'join', { room: '  lobby ' }, { room: 'lobby' }],
    ['a valibot schema', 'say', { text: 'hi' }, { text: 'hi' }],
  ] as const)(
    'hands the handler the payload validated by %s, as its output, in event.body',
    async (_, action, payload, output) => {
      const seen = vi.fn();
      const { handler } = lambda(
        routes(chat, {
          join: (event) => {
            seen(event.body);
            return { members: 1 };
          },
          say: (event) => seen(event.body),
        }),
      );

      const result = await handler(message({ action, payload }), createLambdaContext());

      expect(result).toStrictEqual({ statusCode: 200 });
      expect(seen).toHaveBeenCalledExactlyOnceWith(output);
      expect(sent).toEqual([]);
    },
  );

  it('answers an invalid payload 422 with its issues, relative to the payload, and never runs the handler', async () => {
    const join = vi.fn();
    const { handler, logged } = lambda(routes(chat, { join }));

    const result = await handler(message({ action: 'join', payload: { room: 7 } }), createLambdaContext());

    expect(result.statusCode).toBe(422);
    expect(bodyOf(result)).toEqual({
      message: 'Invalid message',
      issues: [{ path: ['room'], message: expect.any(String) }],
    });
    expect(join).not.toHaveBeenCalled();
    expect(sent).toEqual([]);
    expect(logged).toEqual([]);
  });

  it('reads a missing payload as undefined, for the schema to judge', async () => {
    const { handler } = lambda(routes(chat, { say: () => {} }));
    const result = await handler(message({ action: 'say' }), createLambdaContext());
    expect(bodyOf(result)).toEqual({
      message: 'Invalid message',
      issues: [{ path: [], message: expect.any(String) }],
    });
  });

  it.each([
    ['a JSON string', '"hello"', [{ path: [], message: 'Expected an object {"action", "payload", "id"?}' }]],
    ['an array', [1, 2], [{ path: [], message: 'Expected an object {"action", "payload", "id"?}' }]],
    [
      'another action',
      { action: 'say', payload: { room: 'x' } },
      [{ path: ['action'], message: 'Expected "join"' }],
    ],
    ['no action', { payload: { room: 'x' } }, [{ path: ['action'], message: 'Expected "join"' }]],
    [
      'an id that is a number',
      { action: 'join', payload: { room: 'x' }, id: 1 },
      [{ path: ['id'], message: 'Expected a non-empty string of at most 64 characters' }],
    ],
    [
      'an empty id',
      { action: 'join', payload: { room: 'x' }, id: '' },
      [{ path: ['id'], message: 'Expected a non-empty string of at most 64 characters' }],
    ],
    [
      'an id of 65 characters',
      { action: 'join', payload: { room: 'x' }, id: 'x'.repeat(65) },
      [{ path: ['id'], message: 'Expected a non-empty string of at most 64 characters' }],
    ],
  ])('answers a body that is %s 422 as no action frame for the route', async (_, body, issues) => {
    const join = vi.fn();
    const { handler } = lambda(routes(chat, { join }));

    const event = createMessageEvent(body, { requestContext: { routeKey: 'join' } });
    const result = await handler(event, createLambdaContext());

    expect(result.statusCode).toBe(422);
    expect(bodyOf(result)).toEqual({ message: 'Invalid action frame', issues });
    expect(join).not.toHaveBeenCalled();
    expect(sent).toEqual([]);
  });

  it('handles an asynchronous schema, valid and invalid', async () => {
    const rooms = defineContract({
      actions: {
        join: z.object({ room: z.string() }).refine(async ({ room }) => room !== 'closed', {
          message: 'This room is closed',
          path: ['room'],
        }),
      },
    });
    const join = vi.fn();
    const { handler } = lambda(routes(rooms, { join }));

    const ok = await handler(message({ action: 'join', payload: { room: 'lobby' } }), createLambdaContext());
    const refused = await handler(
      message({ action: 'join', payload: { room: 'closed' } }),
      createLambdaContext(),
    );

    expect(ok).toStrictEqual({ statusCode: 200 });
    expect(join).toHaveBeenCalledOnce();
    expect(bodyOf(refused)).toEqual({
      message: 'Invalid message',
      issues: [{ path: ['room'], message: 'This room is closed' }],
    });
  });

  it('parses a raw body itself when webSocketLambda leaves it a string (jsonBody: false)', async () => {
    const say = vi.fn();
    const { handler } = lambda(routes(chat, { say }), { jsonBody: false });

    const ok = await handler(message({ action: 'say', payload: { text: 'hi' } }), createLambdaContext());
    const notJson = await handler(
      createMessageEvent('hello', { requestContext: { routeKey: 'say' } }),
      createLambdaContext(),
    );

    expect(ok).toStrictEqual({ statusCode: 200 });
    expect(say).toHaveBeenCalledOnce();
    expect(say.mock.calls[0]?.[0].body).toEqual({ text: 'hi' });
    expect(notJson.statusCode).toBe(422);
    expect(bodyOf(notJson)).toEqual({
      message: 'Invalid action frame',
      issues: [{ path: [], message: 'Expected an object {"action", "payload", "id"?}' }],
    });
  });
});

describe('routes(contract, handlers): routing as routes(table)', () => {
  it('answers an action without a handler, and no $default, 400 as today', async () => {
    const { handler } = lambda(routes(chat, { join: () => ({ members: 1 }) }));
    const result = await handler(message({ action: 'say', payload: { text: 'hi' } }), createLambdaContext());
    expect(result).toStrictEqual({ statusCode: 400, body: '{"message":"Unknown route key"}' });
    expect(sent).toEqual([]);
  });

  it('sends a request for an unknown route an error reply too, so the client need not wait', async () => {
    const { handler } = lambda(routes(chat, {}));
    const result = await handler(message({ action: 'shout', payload: {}, id: 'r9' }), createLambdaContext());
    expect(result).toStrictEqual({ statusCode: 400, body: '{"message":"Unknown route key"}' });
    expect(sent).toEqual([
      {
        method: 'POST',
        connectionId: 'REQUESTER123456=',
        body: { reply: 'r9', ok: false, error: { status: 400, message: 'Unknown route key' } },
      },
    ]);
  });

  it('runs $connect, $disconnect and $default untyped, with emit on their context', async () => {
    const seen: string[] = [];
    const { handler } = lambda(
      routes(chat, {
        $connect: (_event, context) => {
          seen.push(`connect ${typeof context.emit}`);
        },
        $disconnect: () => {
          seen.push('disconnect');
        },
        $default: (event: WebSocketEvent) => {
          seen.push(`default ${JSON.stringify(event.body)}`);
          return { statusCode: 400, body: { message: 'Unknown action' } };
        },
      }),
    );

    await handler(createConnectEvent(), createLambdaContext());
    await handler(createDisconnectEvent(), createLambdaContext());
    const result = await handler(message({ action: 'shout' }), createLambdaContext());

    expect(seen).toEqual(['connect function', 'disconnect', 'default {"action":"shout"}']);
    expect(result).toStrictEqual({ statusCode: 400, body: '{"message":"Unknown action"}' });
  });

  it('accepts connections and disconnections without those handlers, as AWS does', async () => {
    const { handler } = lambda(routes(chat, {}));
    expect(await handler(createConnectEvent(), createLambdaContext())).toStrictEqual({ statusCode: 200 });
    expect(await handler(createDisconnectEvent(), createLambdaContext())).toStrictEqual({ statusCode: 200 });
  });

  it('lists its handlers under ROUTE_KEYS, in order', () => {
    const { handler } = lambda(
      routes(chat, { $connect: () => {}, say: () => {}, join: () => ({ members: 0 }) }),
    );
    expect(handler[ROUTE_KEYS]).toEqual(['$connect', 'say', 'join']);
  });
});

describe('routes(contract, handlers): requests and replies through the management API', () => {
  it("sends the handler's return value to the requester as the reply frame", async () => {
    const { handler } = lambda(routes(chat, { join: () => ({ members: 3 }) }));

    const result = await handler(
      message({ action: 'join', payload: { room: 'a' }, id: 'r1' }),
      createLambdaContext(),
    );

    expect(result).toStrictEqual({ statusCode: 200 });
    expect(sent).toEqual([
      {
        method: 'POST',
        connectionId: 'REQUESTER123456=',
        body: { reply: 'r1', ok: true, payload: { members: 3 } },
      },
    ]);
  });

  it('replies null for a handler that returns nothing, and sends no reply to a one-way send', async () => {
    const { handler } = lambda(routes(chat, { say: async () => {} }));

    await handler(message({ action: 'say', payload: { text: 'a' }, id: 'r2' }), createLambdaContext());
    await handler(message({ action: 'say', payload: { text: 'b' } }), createLambdaContext());

    expect(sent.map((request) => request.body)).toEqual([{ reply: 'r2', ok: true, payload: null }]);
  });

  it('replies 422 with the issues to a request with an invalid payload', async () => {
    const { handler } = lambda(routes(chat, { say: () => {} }));

    const result = await handler(
      message({ action: 'say', payload: { text: 'far too long' }, id: 'r3' }),
      createLambdaContext(),
    );

    const issues = [{ path: ['text'], message: expect.any(String) }];
    expect(result.statusCode).toBe(422);
    expect(bodyOf(result)).toEqual({ message: 'Invalid message', issues });
    expect(sent.map((request) => request.body)).toEqual([
      { reply: 'r3', ok: false, error: { status: 422, message: 'Invalid message', issues } },
    ]);
  });

  it('replies a thrown 4xx with its status and message, unlogged, and answers it as today', async () => {
    const { handler, logged } = lambda(
      routes(chat, {
        join: () => {
          throw createError(403, 'Members only');
        },
      }),
    );

    const result = await handler(
      message({ action: 'join', payload: { room: 'a' }, id: 'r4' }),
      createLambdaContext(),
    );

    expect(result).toStrictEqual({ statusCode: 403, body: '{"message":"Members only"}' });
    expect(sent.map((request) => request.body)).toEqual([
      { reply: 'r4', ok: false, error: { status: 403, message: 'Members only' } },
    ]);
    expect(logged).toEqual([]);
  });

  it('replies any other failure as 500 without its internals, and logs it once', async () => {
    const { handler, logged } = lambda(
      routes(chat, {
        join: () => {
          throw new Error('database password is hunter2');
        },
      }),
    );
    const event = message({ action: 'join', payload: { room: 'a' }, id: 'r5' });

    const result = await handler(event, createLambdaContext());

    expect(sent.map((request) => request.body)).toEqual([
      { reply: 'r5', ok: false, error: { status: 500, message: 'Internal server error' } },
    ]);
    expect(JSON.stringify(sent)).not.toContain('hunter2');
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('hunter2');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      message: 'WebSocket handler failed',
      error: { name: 'Error', message: 'database password is hunter2' },
      routeKey: 'join',
    });
  });

  it('answers 200 without logging when the requester has gone before its reply', async () => {
    respond = (_request, response) => {
      response
        .writeHead(410, { 'content-type': 'application/json', 'x-amzn-ErrorType': 'GoneException' })
        .end('{"message":"Gone"}');
    };
    const { handler, logged } = lambda(routes(chat, { join: () => ({ members: 0 }) }));

    const result = await handler(
      message({ action: 'join', payload: { room: 'a' }, id: 'r6' }),
      createLambdaContext(),
    );

    expect(result).toStrictEqual({ statusCode: 200 });
    expect(sent).toHaveLength(1);
    expect(logged).toEqual([]);
  });
});

describe("routes(contract, handlers, { replies: 'routeResponse' })", () => {
  const options = { replies: 'routeResponse' } as const;

  it('returns the reply frame as the route result body and sends nothing', async () => {
    const { handler } = lambda(routes(chat, { join: () => ({ members: 2 }) }, options));

    const result = await handler(
      message({ action: 'join', payload: { room: 'a' }, id: 'r1' }),
      createLambdaContext(),
    );

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ reply: 'r1', ok: true, payload: { members: 2 } });
    expect(sent).toEqual([]);
  });

  it('returns error frames for a 422, a thrown 4xx and a 500, the 500 logged once and bare', async () => {
    const { handler, logged } = lambda(
      routes(
        chat,
        {
          join: () => {
            throw createError(409, 'Already a member');
          },
          say: () => {
            throw new TypeError('secret internals');
          },
        },
        options,
      ),
    );

    const invalid = await handler(message({ action: 'join', payload: {}, id: 'a' }), createLambdaContext());
    const conflict = await handler(
      message({ action: 'join', payload: { room: 'x' }, id: 'b' }),
      createLambdaContext(),
    );
    const failed = await handler(
      message({ action: 'say', payload: { text: 'x' }, id: 'c' }),
      createLambdaContext(),
    );

    expect(invalid.statusCode).toBe(422);
    expect(bodyOf(invalid)).toEqual({
      reply: 'a',
      ok: false,
      error: {
        status: 422,
        message: 'Invalid message',
        issues: [{ path: ['room'], message: expect.any(String) }],
      },
    });
    expect(conflict.statusCode).toBe(409);
    expect(bodyOf(conflict)).toEqual({
      reply: 'b',
      ok: false,
      error: { status: 409, message: 'Already a member' },
    });
    expect(failed.statusCode).toBe(500);
    expect(bodyOf(failed)).toEqual({
      reply: 'c',
      ok: false,
      error: { status: 500, message: 'Internal server error' },
    });
    expect(logged).toHaveLength(1);
    expect(logged[0]?.error).toMatchObject({ name: 'TypeError', message: 'secret internals' });
    expect(sent).toEqual([]);
  });

  it('answers a failed one-way send as today, without a frame', async () => {
    const { handler } = lambda(routes(chat, { say: () => {} }, options));
    const result = await handler(message({ action: 'say', payload: { text: 1 } }), createLambdaContext());
    expect(result.statusCode).toBe(422);
    expect(bodyOf(result)).toMatchObject({ message: 'Invalid message' });
  });
});

describe('context.emit', () => {
  it('sends the event frame to the connection through the management API', async () => {
    const { handler } = lambda(
      routes(chat, {
        say: async (event, context) => {
          await context.emit('LISTENER1234567=', 'message', {
            from: context.connectionId,
            text: event.body.text,
          });
          await context.emit(context.connectionId, 'joined', { room: 'lobby' });
        },
      }),
    );

    await handler(message({ action: 'say', payload: { text: 'hi' } }), createLambdaContext());

    expect(sent).toEqual([
      {
        method: 'POST',
        connectionId: 'LISTENER1234567=',
        body: { event: 'message', payload: { from: 'REQUESTER123456=', text: 'hi' } },
      },
      {
        method: 'POST',
        connectionId: 'REQUESTER123456=',
        body: { event: 'joined', payload: { room: 'lobby' } },
      },
    ]);
  });

  it('refuses an event the contract does not declare, whatever the types said', async () => {
    let refusal: unknown;
    const { handler } = lambda(
      routes(chat, {
        say: async (_event, context) => {
          refusal = await (context.emit as (id: string, event: string, payload: unknown) => Promise<void>)(
            context.connectionId,
            'shout',
            {},
          ).catch((error: unknown) => error);
        },
      }),
    );
    await handler(message({ action: 'say', payload: { text: 'hi' } }), createLambdaContext());
    expect(refusal).toEqual(new TypeError('context.emit: "shout" is not an event of the contract'));
    expect(sent).toEqual([]);
  });

  it('sends an invalid payload unchecked by default: the schemas guard what comes in', async () => {
    const { handler } = lambda(
      routes(chat, {
        say: (_event, context) => context.emit('X1234567890123=', 'joined', { room: 1 } as never),
      }),
    );
    await handler(message({ action: 'say', payload: { text: 'hi' } }), createLambdaContext());
    expect(sent.map((request) => request.body)).toEqual([{ event: 'joined', payload: { room: 1 } }]);
  });
});

describe('validateEvents: true', () => {
  const strict = { validateEvents: true } as const;

  it('throws a TypeError listing the issues of an invalid emit payload, before sending', async () => {
    let refusal: unknown;
    const { handler } = lambda(
      routes(
        chat,
        {
          say: async (_event, context) => {
            await context.emit('X1234567890123=', 'message', { from: 'a', text: 'ok' });
            refusal = await context
              .emit('X1234567890123=', 'message', { from: 1, text: 2 } as never)
              .catch((error: unknown) => error);
          },
        },
        strict,
      ),
    );

    await handler(message({ action: 'say', payload: { text: 'hi' } }), createLambdaContext());

    expect(refusal).toBeInstanceOf(TypeError);
    expect((refusal as TypeError).message).toMatch(
      /^context\.emit: invalid "message" payload: from: .+; text: .+$/,
    );
    // A cause is an Error or absent: the issues are in the message.
    expect((refusal as TypeError).cause).toBeUndefined();
    expect(sent.map((request) => request.body)).toEqual([
      { event: 'message', payload: { from: 'a', text: 'ok' } },
    ]);
  });

  it('checks a reply against the contract, answering an invalid one 500 and logging why', async () => {
    const { handler, logged } = lambda(routes(chat, { join: () => ({ members: 'many' }) as never }, strict));

    const result = await handler(
      message({ action: 'join', payload: { room: 'a' }, id: 'r1' }),
      createLambdaContext(),
    );

    expect(result.statusCode).toBe(500);
    expect(sent.map((request) => request.body)).toEqual([
      { reply: 'r1', ok: false, error: { status: 500, message: 'Internal server error' } },
    ]);
    expect(logged[0]?.error).toMatchObject({
      name: 'TypeError',
      message: expect.stringMatching(/^invalid reply to "join": members: /),
    });
  });

  it('checks with asynchronous schemas too', async () => {
    const contract = defineContract({
      actions: { go: z.null() },
      events: { tick: z.number().refine(async (n) => n > 0, 'must be positive') },
    });
    let refusal: unknown;
    const { handler } = lambda(
      routes(
        contract,
        {
          go: async (_event, context) => {
            refusal = await context.emit(context.connectionId, 'tick', -1).catch((error: unknown) => error);
          },
        },
        strict,
      ),
    );
    await handler(message({ action: 'go', payload: null }), createLambdaContext());
    expect(refusal).toEqual(
      new TypeError('context.emit: invalid "tick" payload: (payload): must be positive'),
    );
  });
});

describe('routes(contract, handlers) at construction', () => {
  it.each([
    [
      { replies: 'socket' },
      'routes(contract, handlers) options: option "replies" must be "managementApi" or "routeResponse"',
    ],
    [
      { validateEvents: 'yes' },
      'routes(contract, handlers) options: option "validateEvents" must be a boolean',
    ],
    [{ validate: true }, 'routes(contract, handlers) options: unknown option "validate"'],
  ])('refuses the options %j with a TypeError', (options, message) => {
    expect(() => routes(chat, {}, options as never)).toThrow(
      expect.objectContaining({ name: 'OptionsError', message }),
    );
    expect(() => routes(chat, {}, options as never)).toThrow(TypeError);
  });

  it('refuses a handler for no action, a misspelled $ key and a handler that is no function', () => {
    expect(() => routes(chat, { shout: () => {} } as never)).toThrow(
      new TypeError('routes(contract, handlers): "shout" is not an action of the contract'),
    );
    expect(() => routes(chat, { $conect: () => {} } as never)).toThrow(/unknown route key "\$conect"/);
    expect(() => routes(chat, { join: 'nope' } as never)).toThrow(
      new TypeError('routes(contract, handlers): handler "join" must be a function'),
    );
  });

  it('refuses a contract that is not one', () => {
    expect(() => routes(null as unknown as Contract, {})).toThrow(TypeError);
    expect(() => routes({ actions: { join: {} } } as unknown as Contract, {})).toThrow(
      /contract\.actions "join" is not a Standard Schema/,
    );
  });
});
