import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { createError } from '@middy/util';
import {
  BaseLambda,
  ConnectionGoneError,
  OutsideInvocationError,
  type WebSocketEvent,
  WebSocketLambda,
  type WebSocketLambdaClassOptions,
  type WebSocketResponse,
} from 'aws-framework';
import { createConnectEvent, createLambdaContext, createMessageEvent } from 'aws-framework/testing';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

// ---------------------------------------------------------------------------------------------
// A real HTTP server standing in for the API Gateway management API: it records every request
// (method, raw path, stage, decoded connection ID, body) and answers 200, or 410 GoneException
// for the connection IDs in `gone`.
// ---------------------------------------------------------------------------------------------

interface ReceivedRequest {
  method: string;
  path: string;
  stage: string;
  connectionId: string;
  body: string;
}

const received: ReceivedRequest[] = [];
const gone = new Set<string>();
let server: Server;
let domainName: string;
// Resolves the waiters registered by `nextRequest` as requests arrive.
let onRequest: ((request: ReceivedRequest) => void)[] = [];

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await readBody(req);
    const path = req.url ?? '';
    const match = /^\/([^/]+)\/@connections\/([^/?]+)$/.exec(path);
    const request: ReceivedRequest = {
      method: req.method ?? '',
      path,
      stage: match?.[1] ?? '',
      connectionId: match?.[2] ? decodeURIComponent(match[2]) : '',
      body,
    };
    received.push(request);
    const waiters = onRequest;
    onRequest = [];
    for (const waiter of waiters) waiter(request);
    if (gone.has(request.connectionId)) {
      res.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' });
      res.end(JSON.stringify({ message: 'Gone' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  domainName = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
  gone.clear();
  onRequest = [];
  // The endpoint must come from the event, not from a variable set on this machine.
  vi.stubEnv('WEBSOCKET_MANAGEMENT_ENDPOINT', '');
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

function nextRequest(): Promise<ReceivedRequest> {
  return new Promise((resolve) => onRequest.push(resolve));
}

// ---------------------------------------------------------------------------------------------
// Events and subclasses
// ---------------------------------------------------------------------------------------------

/** Our complete WebSocket event, typed as the class adapter's `APIGatewayProxyEvent`. */
function asProxyEvent(event: WebSocketEvent<string>): APIGatewayProxyEvent {
  return event as unknown as APIGatewayProxyEvent;
}

function messageEvent(
  body: unknown,
  requestContext: Partial<WebSocketEvent['requestContext']> = {},
): APIGatewayProxyEvent {
  return asProxyEvent(createMessageEvent(body, { requestContext: { domainName, ...requestContext } }));
}

function connectEvent(requestContext: Partial<WebSocketEvent['requestContext']> = {}): APIGatewayProxyEvent {
  return asProxyEvent(createConnectEvent({ requestContext: { domainName, ...requestContext } }));
}

/** An event with no connection ID at all. */
function eventWithoutConnectionId(): APIGatewayProxyEvent {
  const event = createMessageEvent({ action: 'sendMessage' }, { requestContext: { domainName } });
  delete (event.requestContext as Partial<WebSocketEvent['requestContext']>).connectionId;
  return asProxyEvent(event);
}

type Process = (lambda: Probe, event: APIGatewayProxyEvent) => Promise<WebSocketResponse>;

/** A WebSocketLambda whose `processWebSocket` is given per test, with its protected API exposed. */
class Probe extends WebSocketLambda {
  readonly #process: Process;

  constructor(process: Process, options?: WebSocketLambdaClassOptions) {
    super(options);
    this.#process = process;
  }

  protected async processWebSocket(event: APIGatewayProxyEvent): Promise<WebSocketResponse> {
    return this.#process(this, event);
  }

  connectionIdOf(event: APIGatewayProxyEvent): string | undefined {
    return this.getConnectionId(event);
  }

  routeKeyOf(event: APIGatewayProxyEvent): string | undefined {
    return this.getRouteKey(event);
  }

  send(connectionId: string, data: unknown): Promise<void> {
    return this.sendMessage(connectionId, data);
  }

  callHandleError(error: unknown) {
    return this.handleError(error);
  }
}

function probe(process: Process, options?: WebSocketLambdaClassOptions): Probe {
  return new Probe(process, options);
}

/** The specification's example, minus the storage stubs: it decides about a missing connection ID. */
class SpecExample extends WebSocketLambda {
  protected async processWebSocket(event: APIGatewayProxyEvent): Promise<WebSocketResponse> {
    const connectionId = this.getConnectionId(event);
    if (!connectionId) return { statusCode: 400, body: { message: 'Missing connection ID' } };
    const routeKey = this.getRouteKey(event);
    if (routeKey !== 'sendMessage') return { statusCode: 400, body: { message: 'Unknown route key' } };
    return { statusCode: 200 };
  }
}

/** Replies with the raw body to the sender through `sendMessage`. */
class Echo extends WebSocketLambda {
  protected async processWebSocket(event: APIGatewayProxyEvent): Promise<WebSocketResponse> {
    await this.sendMessage(this.getConnectionId(event)!, event.body ?? '');
    return { statusCode: 200 };
  }
}

function silenceConsoleError() {
  return vi.spyOn(console, 'error').mockImplementation(() => {});
}

// ---------------------------------------------------------------------------------------------
// BaseLambda
// ---------------------------------------------------------------------------------------------

describe('BaseLambda', () => {
  class Upper extends BaseLambda<string, string> {
    readonly handled: unknown[] = [];
    readonly contexts: (Context | undefined)[] = [];

    protected async process(event: string, context?: Context): Promise<string> {
      this.contexts.push(context);
      if (event === 'boom') throw new Error('process failed');
      if (event === 'string') throw 'a thrown string';
      return event.toUpperCase();
    }

    protected async handleError(error: unknown): Promise<string> {
      this.handled.push(error);
      return `handled: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  it('returns what process returns and passes it the context, without calling handleError', async () => {
    const lambda = new Upper();
    const context = createLambdaContext();
    expect(await lambda.handler('hello', context)).toBe('HELLO');
    expect(lambda.contexts).toEqual([context]);
    expect(lambda.handled).toEqual([]);
  });

  it('returns handleError(error) for an Error that process throws', async () => {
    const lambda = new Upper();
    expect(await lambda.handler('boom', createLambdaContext())).toBe('handled: process failed');
    expect(lambda.handled).toHaveLength(1);
    expect(lambda.handled[0]).toBeInstanceOf(Error);
  });

  it('hands handleError a thrown non-Error value as it was thrown', async () => {
    const lambda = new Upper();
    expect(await lambda.handler('string')).toBe('handled: a thrown string');
    expect(lambda.handled).toEqual(['a thrown string']);
  });

  it('works as an unbound function', async () => {
    const lambda = new Upper();
    const { handler } = lambda;
    expect(await handler('boom')).toBe('handled: process failed');
    expect(await handler('ok')).toBe('OK');
  });
});

// ---------------------------------------------------------------------------------------------
// WebSocketLambda: events and results
// ---------------------------------------------------------------------------------------------

describe('WebSocketLambda processWebSocket', () => {
  it('receives the raw event, its body still the JSON string', async () => {
    const seen: APIGatewayProxyEvent[] = [];
    const lambda = probe(async (_, event) => {
      seen.push(event);
      return { statusCode: 200 };
    });
    const event = messageEvent({ action: 'sendMessage', message: 'hi' });
    await lambda.handler(event, createLambdaContext());
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(event);
    expect(seen[0]?.body).toBe('{"action":"sendMessage","message":"hi"}');
  });

  it('receives a body that is not JSON untouched, rather than the invocation being refused', async () => {
    const bodies: (string | null)[] = [];
    const lambda = probe(async (_, event) => {
      bodies.push(event.body);
      return { statusCode: 200 };
    });
    const result = await lambda.handler(messageEvent('not json {'), createLambdaContext());
    expect(result).toEqual({ statusCode: 200 });
    expect(bodies).toEqual(['not json {']);
  });

  it('runs even without a connection ID, so the subclass answers 400 Missing connection ID', async () => {
    const result = await new SpecExample().handler(eventWithoutConnectionId(), createLambdaContext());
    expect(result).toEqual({ statusCode: 400, body: '{"message":"Missing connection ID"}' });
  });

  it('runs with an empty connection ID too, which getConnectionId reports as missing', async () => {
    const event = messageEvent({ action: 'sendMessage' }, { connectionId: '' });
    const result = await new SpecExample().handler(event, createLambdaContext());
    expect(result).toEqual({ statusCode: 400, body: '{"message":"Missing connection ID"}' });
  });

  it('answers the subclass 400 for an unknown route key', async () => {
    const result = await new SpecExample().handler(messageEvent({ action: 'dance' }), createLambdaContext());
    expect(result).toEqual({ statusCode: 400, body: '{"message":"Unknown route key"}' });
  });

  it('runs without a Lambda context', async () => {
    const result = await new SpecExample().handler(messageEvent({ action: 'sendMessage' }));
    expect(result).toEqual({ statusCode: 200 });
  });
});

describe('WebSocketLambda result mapping', () => {
  it('sends an object body as JSON', async () => {
    const lambda = probe(async () => ({ statusCode: 201, body: { ok: true, list: [1, 2] } }));
    expect(await lambda.handler(messageEvent('x'), createLambdaContext())).toEqual({
      statusCode: 201,
      body: '{"ok":true,"list":[1,2]}',
    });
  });

  it('sends a string body as is, not JSON-quoted', async () => {
    const lambda = probe(async () => ({ statusCode: 200, body: 'plain "text"' }));
    expect(await lambda.handler(messageEvent('x'), createLambdaContext())).toEqual({
      statusCode: 200,
      body: 'plain "text"',
    });
  });

  it('answers a statusCode without a body with no body', async () => {
    const lambda = probe(async () => ({ statusCode: 204 }));
    const result = await lambda.handler(messageEvent('x'), createLambdaContext());
    expect(result).toEqual({ statusCode: 204 });
    expect(result).not.toHaveProperty('body');
  });

  it('answers 200 when processWebSocket resolves to nothing at runtime, as webSocketLambda does', async () => {
    // The type says WebSocketResponse; a JavaScript subclass can still return nothing.
    const lambda = probe(async () => undefined as unknown as WebSocketResponse);
    expect(await lambda.handler(messageEvent('x'), createLambdaContext())).toEqual({ statusCode: 200 });
  });

  it.each([
    ['a string', '200'],
    ['a fraction', 200.5],
    ['below 100', 99],
    ['above 599', 600],
    ['missing', undefined],
  ])('answers the integration-error 500 for a statusCode that is %s, and logs it', async (_, statusCode) => {
    const consoleError = silenceConsoleError();
    const lambda = probe(async () => ({ statusCode }) as unknown as WebSocketResponse);
    const event = messageEvent('x');
    const result = await lambda.handler(event, createLambdaContext());
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body)).toEqual({
      message: 'Internal server error',
      connectionId: event.requestContext.connectionId,
      requestId: event.requestContext.requestId,
    });
    expect(consoleError).toHaveBeenCalledTimes(1);
    expect(JSON.parse(String(consoleError.mock.calls[0]?.[0])).error.name).toBe('InvalidResponseError');
  });
});

describe('WebSocketLambda errors', () => {
  it('answers a throw with 500 shaped like API Gateway integration error, without its message', async () => {
    silenceConsoleError();
    const lambda = probe(async () => {
      throw new Error('database password is hunter2');
    });
    const event = messageEvent('x');
    const result = await lambda.handler(event, createLambdaContext());
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body)).toEqual({
      message: 'Internal server error',
      connectionId: event.requestContext.connectionId,
      requestId: event.requestContext.requestId,
    });
    expect(result.body).not.toContain('hunter2');
  });

  it('logs a throw once, as one JSON line on console.error', async () => {
    const consoleError = silenceConsoleError();
    const lambda = probe(async () => {
      throw new TypeError('boom');
    });
    const event = messageEvent('x');
    const context = createLambdaContext();
    await lambda.handler(event, context);
    expect(consoleError).toHaveBeenCalledTimes(1);
    expect(consoleError.mock.calls[0]).toHaveLength(1);
    const entry = JSON.parse(String(consoleError.mock.calls[0]?.[0]));
    expect(entry).toMatchObject({
      level: 'error',
      error: { name: 'TypeError', message: 'boom' },
      requestId: event.requestContext.requestId,
      awsRequestId: context.awsRequestId,
      connectionId: event.requestContext.connectionId,
      routeKey: event.requestContext.routeKey,
    });
    expect(entry.error.stack).toContain('boom');
  });

  it('logs nothing with the constructor option logger: false, and still answers 500', async () => {
    const consoleError = silenceConsoleError();
    const lambda = probe(
      async () => {
        throw new Error('boom');
      },
      { logger: false },
    );
    const result = await lambda.handler(messageEvent('x'), createLambdaContext());
    expect(result.statusCode).toBe(500);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it('hands each 500 to a logger given as constructor option instead of console.error', async () => {
    const consoleError = silenceConsoleError();
    const logger = vi.fn();
    const lambda = probe(
      async () => {
        throw new Error('boom');
      },
      { logger },
    );
    await lambda.handler(messageEvent('x'), createLambdaContext());
    expect(logger).toHaveBeenCalledTimes(1);
    expect(logger.mock.calls[0]?.[0]).toMatchObject({ level: 'error', error: { message: 'boom' } });
    expect(consoleError).not.toHaveBeenCalled();
  });

  it('keeps the status and message of a thrown createError(403), without logging it', async () => {
    const consoleError = silenceConsoleError();
    const lambda = probe(async () => {
      throw createError(403, 'Not a member of this room');
    });
    const result = await lambda.handler(messageEvent('x'), createLambdaContext());
    expect(result).toEqual({ statusCode: 403, body: '{"message":"Not a member of this room"}' });
    expect(consoleError).not.toHaveBeenCalled();
  });

  it('handleError returns the standardized 500', async () => {
    const lambda = probe(async () => ({ statusCode: 200 }));
    const result = await lambda.callHandleError(new Error('anything'));
    expect(result).toEqual({ statusCode: 500, body: '{"message":"Internal server error"}' });
    expect(await lambda.callHandleError('not even an Error')).toEqual(result);
  });
});

describe('WebSocketLambda getConnectionId and getRouteKey', () => {
  const lambda = probe(async () => ({ statusCode: 200 }));

  it('return the connection ID and route key of the event', () => {
    const event = messageEvent({ action: 'sendMessage' }, { connectionId: 'L0SM9cOFvHcCIhw=' });
    expect(lambda.connectionIdOf(event)).toBe('L0SM9cOFvHcCIhw=');
    expect(lambda.routeKeyOf(event)).toBe('sendMessage');
    expect(lambda.routeKeyOf(connectEvent())).toBe('$connect');
  });

  it('return undefined when they are empty', () => {
    const event = messageEvent('x', { connectionId: '', routeKey: '' });
    expect(lambda.connectionIdOf(event)).toBeUndefined();
    expect(lambda.routeKeyOf(event)).toBeUndefined();
  });

  it('return undefined when they or the whole requestContext are missing', () => {
    expect(lambda.connectionIdOf(eventWithoutConnectionId())).toBeUndefined();
    const noContext = {} as APIGatewayProxyEvent;
    expect(lambda.connectionIdOf(noContext)).toBeUndefined();
    expect(lambda.routeKeyOf(noContext)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// WebSocketLambda: sendMessage against a real management API stand-in
// ---------------------------------------------------------------------------------------------

describe('WebSocketLambda options', () => {
  it.each(['not a url', 'ftp://x'])(
    'refuses the endpoint %j in the constructor, with a TypeError, rather than at every invocation',
    (endpoint) => {
      const build = () => probe(async () => ({ statusCode: 200 }), { endpoint });
      expect(build).toThrow(TypeError);
      expect(build).toThrow(/Invalid management endpoint/);
    },
  );
});

describe('WebSocketLambda sendMessage', () => {
  it('POSTs a string as its UTF-8 bytes to /{stage}/@connections/{URL-encoded id} of the event', async () => {
    const lambda = probe(async (self) => {
      await self.send('abc/def=+', 'héllo ✓');
      return { statusCode: 200 };
    });
    const result = await lambda.handler(messageEvent('x', { stage: 'dev' }), createLambdaContext());
    expect(result).toEqual({ statusCode: 200 });
    expect(received).toEqual([
      {
        method: 'POST',
        path: '/dev/@connections/abc%2Fdef%3D%2B',
        stage: 'dev',
        connectionId: 'abc/def=+',
        body: 'héllo ✓',
      },
    ]);
  });

  it('sends anything else as JSON', async () => {
    const lambda = probe(async (self) => {
      await self.send('conn-1', { from: 'a', message: 'hi', n: [1] });
      return { statusCode: 200 };
    });
    await lambda.handler(messageEvent('x'), createLambdaContext());
    expect(received.map((r) => JSON.parse(r.body))).toEqual([{ from: 'a', message: 'hi', n: [1] }]);
  });

  it('rejects with ConnectionGoneError when the management API answers 410', async () => {
    gone.add('gone-1');
    const errors: unknown[] = [];
    const lambda = probe(async (self) => {
      await self.send('gone-1', 'x').catch((error: unknown) => errors.push(error));
      return { statusCode: 200 };
    });
    await lambda.handler(messageEvent('x'), createLambdaContext());
    expect(received.map((r) => r.connectionId)).toEqual(['gone-1']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ConnectionGoneError);
    expect(errors[0]).toMatchObject({ name: 'ConnectionGoneError', connectionId: 'gone-1' });
  });

  it('turns a send failure that processWebSocket lets escape into the logged 500', async () => {
    gone.add('gone-2');
    const consoleError = silenceConsoleError();
    const lambda = probe(async (self) => {
      await self.send('gone-2', 'x');
      return { statusCode: 200 };
    });
    const result = await lambda.handler(messageEvent('x'), createLambdaContext());
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(String(consoleError.mock.calls[0]?.[0])).error.name).toBe('ConnectionGoneError');
  });

  it('uses the stage of each invocation of one instance in turn', async () => {
    const lambda = new Echo();
    await lambda.handler(messageEvent('one', { stage: 'first', connectionId: 'c1' }), createLambdaContext());
    await lambda.handler(messageEvent('two', { stage: 'second', connectionId: 'c2' }), createLambdaContext());
    expect(received.map(({ stage, connectionId, body }) => ({ stage, connectionId, body }))).toEqual([
      { stage: 'first', connectionId: 'c1', body: 'one' },
      { stage: 'second', connectionId: 'c2', body: 'two' },
    ]);
  });

  it('uses the endpoint constructor option instead of the one of the event', async () => {
    const lambda = probe(
      async (self) => {
        await self.send('c1', 'x');
        return { statusCode: 200 };
      },
      { endpoint: `http://${domainName}/configured/` },
    );
    await lambda.handler(messageEvent('x', { stage: 'fromEvent' }), createLambdaContext());
    expect(received.map((r) => r.path)).toEqual(['/configured/@connections/c1']);
  });

  it('sends to the endpoint of its own invocation when two invocations of one instance interleave', async () => {
    // Lambda multi-concurrency: one instance, two invocations at once. stageA starts first but
    // sends only after stageB has started, sent, and its request reached the server, so an
    // implementation keeping "the current invocation" on the instance would send A's to stageB.
    const started: string[] = [];
    const stageBArrived = nextRequest();
    const lambda = probe(async (self, event) => {
      const { stage } = event.requestContext;
      started.push(stage);
      if (stage === 'stageA') {
        await delay(5);
        await stageBArrived;
        await delay(5);
      } else {
        await delay(10);
      }
      await self.send(`conn-${stage}`, `from ${stage}`);
      return { statusCode: 200, body: stage };
    });

    const [resultA, resultB] = await Promise.all([
      lambda.handler(messageEvent('a', { stage: 'stageA' }), createLambdaContext()),
      lambda.handler(messageEvent('b', { stage: 'stageB' }), createLambdaContext()),
    ]);

    expect(started).toEqual(['stageA', 'stageB']);
    expect(resultA).toEqual({ statusCode: 200, body: 'stageA' });
    expect(resultB).toEqual({ statusCode: 200, body: 'stageB' });
    expect(received.map(({ path, body }) => ({ path, body }))).toEqual([
      { path: '/stageB/@connections/conn-stageB', body: 'from stageB' },
      { path: '/stageA/@connections/conn-stageA', body: 'from stageA' },
    ]);
  });

  it('rejects with a clear error when called outside an invocation, sending nothing', async () => {
    const lambda = new Echo();
    const exposed = lambda as unknown as { sendMessage(id: string, data: unknown): Promise<void> };
    const error = await exposed.sendMessage('c1', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutsideInvocationError);
    expect(error).toMatchObject({ name: 'OutsideInvocationError', method: 'sendMessage' });
    expect((error as Error).message).toMatch(/outside an invocation of handler\(\)/);

    // Nor does an invocation that has ended leave its endpoint behind.
    await lambda.handler(messageEvent('x', { connectionId: 'c0' }), createLambdaContext());
    await expect(exposed.sendMessage('c1', 'x')).rejects.toThrow(/outside an invocation of handler\(\)/);
    expect(received.map((r) => r.connectionId)).toEqual(['c0']);
  });
});

describe('WebSocketLambda handler export styles', () => {
  it('works bound to another instance, as in the specification', async () => {
    const handler = new Echo().handler.bind(new Echo());
    const result = await handler(messageEvent('bound', { connectionId: 'c1' }), createLambdaContext());
    expect(result).toEqual({ statusCode: 200 });
    expect(received.map(({ connectionId, body }) => ({ connectionId, body }))).toEqual([
      { connectionId: 'c1', body: 'bound' },
    ]);
  });

  it('works as a plain unbound function', async () => {
    const handler = new Echo().handler;
    const result = await handler(messageEvent('unbound', { connectionId: 'c2' }), createLambdaContext());
    expect(result).toEqual({ statusCode: 200 });
    expect(received.map(({ connectionId, body }) => ({ connectionId, body }))).toEqual([
      { connectionId: 'c2', body: 'unbound' },
    ]);
  });
});
