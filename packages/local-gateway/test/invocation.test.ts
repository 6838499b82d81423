import { webSocketLambda } from 'aws-framework';
import { describe, expect, it } from 'vitest';
import type { GatewayLogger } from '../src/index.js';
import { type InvocationContext, openRecorded, Recorder, sleep, useGateways, waitUntil } from './helpers.js';

const harness = useGateways();

describe('Lambda-like context', () => {
  it('is fresh for every call, with a new awsRequestId and a functionName', async () => {
    const inherited: boolean[] = [];
    const recorder = new Recorder((_, context) => {
      // A handler that scribbles on its context must not leak into the next call.
      inherited.push('scribbled' in context);
      context.scribbled = true;
    });
    const gateway = await harness.start({ handler: recorder.handler });
    const { client } = await openRecorded(harness, gateway, recorder);
    await client.send('a');
    await client.send('b');
    await waitUntil(() => recorder.contexts.length === 3, 'three invocations');
    const ids = recorder.contexts.map((c) => c.awsRequestId);
    expect(new Set(ids).size).toBe(3);
    for (const context of recorder.contexts) {
      expect(context.awsRequestId).toMatch(/^\S+$/);
      expect(context.functionName).toMatch(/^\S+$/);
    }
    expect(recorder.contexts[0]).not.toBe(recorder.contexts[1]);
    expect(recorder.contexts[1]).not.toBe(recorder.contexts[2]);
    expect(inherited).toEqual([false, false, false]);
  });

  it('getRemainingTimeInMillis counts down from integrationTimeoutMs', async () => {
    const readings: number[][] = [];
    const gateway = await harness.start({
      integrationTimeoutMs: 2_000,
      routes: {
        $default: async (_event: unknown, context: InvocationContext) => {
          const first = context.getRemainingTimeInMillis();
          await sleep(120);
          readings.push([first, context.getRemainingTimeInMillis()]);
        },
      },
    });
    const client = await harness.open(gateway.url);
    await client.send('x');
    await waitUntil(() => readings.length === 1, 'the handler to finish');
    const [first, second] = readings[0] as [number, number];
    expect(first).toBeLessThanOrEqual(2_000);
    expect(first).toBeGreaterThan(1_800);
    expect(second).toBeLessThanOrEqual(first - 100);
    expect(second).toBeGreaterThan(1_500);
  });
});

describe('failing handlers', () => {
  it('a throw sends the caller Internal server error with its IDs, and the gateway keeps serving', async () => {
    const recorder = new Recorder((event) => {
      if (event.body === 'throw') throw new Error('handler blew up');
      if (event.body === 'reject') return Promise.reject(new Error('async blew up'));
      return event.requestContext.eventType === 'MESSAGE'
        ? { statusCode: 200, body: `ok:${event.body}` }
        : undefined;
    });
    const gateway = await harness.start({ handler: recorder.handler, routeResponses: true });
    const a = await openRecorded(harness, gateway, recorder);
    const b = await openRecorded(harness, gateway, recorder);

    await a.client.send('throw');
    const error = await a.client.nextJson();
    const thrownEvent = recorder.ofType('MESSAGE').find((e) => e.body === 'throw');
    expect(error).toEqual({
      message: 'Internal server error',
      connectionId: a.connectionId,
      requestId: thrownEvent?.requestContext.requestId,
    });

    await a.client.send('reject');
    expect(await a.client.nextJson()).toMatchObject({
      message: 'Internal server error',
      connectionId: a.connectionId,
    });

    // The same client and another one both still get served.
    await a.client.send('again');
    expect((await a.client.next()).text).toBe('ok:again');
    await b.client.send('other');
    expect((await b.client.next()).text).toBe('ok:other');
    expect(b.client.history).toHaveLength(1);
  });

  it('a handler that overruns the integration timeout fails on time and others keep working', async () => {
    const recorder = new Recorder((event) => {
      if (event.body === 'slow') return sleep(1_500).then(() => ({ statusCode: 200, body: 'too late' }));
      return event.requestContext.eventType === 'MESSAGE'
        ? { statusCode: 200, body: `ok:${event.body}` }
        : undefined;
    });
    const gateway = await harness.start({
      handler: recorder.handler,
      routeResponses: true,
      integrationTimeoutMs: 200,
    });
    const a = await openRecorded(harness, gateway, recorder);
    const b = await openRecorded(harness, gateway, recorder);

    const sent = Date.now();
    await a.client.send('slow');
    // While a's handler hangs, b is served.
    await b.client.send('meanwhile');
    expect((await b.client.next()).text).toBe('ok:meanwhile');

    const error = await a.client.nextJson();
    expect(Date.now() - sent).toBeLessThan(1_000);
    expect(error).toMatchObject({ message: 'Endpoint request timed out', connectionId: a.connectionId });
    expect(error.requestId).toBe(
      recorder.ofType('MESSAGE').find((e) => e.body === 'slow')?.requestContext.requestId,
    );

    await a.client.send('after');
    expect((await a.client.next()).text).toBe('ok:after');
  });

  it('a handler that throws a non-Error value is still contained', async () => {
    const gateway = await harness.start({
      routes: {
        $default: () => {
          throw 'a string';
        },
      },
    });
    const client = await harness.open(gateway.url);
    await client.send('x');
    expect(await client.nextJson()).toMatchObject({ message: 'Internal server error' });
    await client.send('y');
    expect(await client.nextJson()).toMatchObject({ message: 'Internal server error' });
  });
});

describe('route responses', () => {
  it('with routeResponses, the returned body goes back to the caller only', async () => {
    const recorder = new Recorder((event) =>
      event.requestContext.eventType === 'MESSAGE'
        ? { statusCode: 200, body: `reply to ${event.body}` }
        : undefined,
    );
    const gateway = await harness.start({ handler: recorder.handler, routeResponses: true });
    const a = await openRecorded(harness, gateway, recorder);
    const b = await openRecorded(harness, gateway, recorder);
    await a.client.send('hi');
    const reply = await a.client.next();
    expect(reply.isBinary).toBe(false);
    expect(reply.text).toBe('reply to hi');
    await sleep(50);
    expect(b.client.history).toHaveLength(0);
  });

  it('with routeResponses, an object body is sent as JSON and an empty result sends nothing', async () => {
    const gateway = await harness.start({
      routeResponses: true,
      routes: {
        object: () => ({ statusCode: 200, body: { n: 1 } }),
        nothing: () => undefined,
        empty: () => ({ statusCode: 200, body: '' }),
        $default: () => ({ statusCode: 200, body: 'marker' }),
      },
    });
    const client = await harness.open(gateway.url);
    await client.send('{"action":"object"}');
    expect(await client.nextJson()).toEqual({ n: 1 });
    await client.send('{"action":"nothing"}');
    await client.send('{"action":"empty"}');
    await client.send('marker please');
    expect((await client.next()).text).toBe('marker');
    await sleep(50);
    expect(client.history.map((m) => m.text)).toEqual(['{"n":1}', 'marker']);
  });

  it('without routeResponses (the default) the returned body is not sent', async () => {
    const recorder = new Recorder((event) =>
      event.requestContext.eventType === 'MESSAGE'
        ? { statusCode: 200, body: 'should stay on the server' }
        : undefined,
    );
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    await client.send('hi');
    await recorder.waitForType('MESSAGE', connectionId);
    await sleep(150);
    expect(client.history).toHaveLength(0);
  });
});

describe('callback handlers, as on the nodejs22.x runtime', () => {
  type Callback = (error?: unknown, result?: unknown) => void;

  it('callback(null, result) answers with the result; callback(error) fails the invocation', async () => {
    const gateway = await harness.start({
      routeResponses: true,
      routes: {
        $default: (event: { body: string }, _context: unknown, callback: Callback) => {
          setTimeout(() => {
            if (event.body === 'fail') callback(new Error('called back with an error'));
            else callback(null, { statusCode: 200, body: `called back:${event.body}` });
          }, 20);
        },
      },
    });
    const client = await harness.open(gateway.url);
    await client.send('hi');
    expect((await client.next()).text).toBe('called back:hi');
    await client.send('fail');
    expect(await client.nextJson()).toMatchObject({ message: 'Internal server error' });
    await client.send('again');
    expect((await client.next()).text).toBe('called back:again');
  });

  it('the first of the callback and the returned promise wins; later calls are ignored', async () => {
    const errors: string[] = [];
    const gateway = await harness.start({
      routeResponses: true,
      logger: { info: () => {}, error: (line) => errors.push(line) },
      routes: {
        // The callback before the promise settles, then again with an error: the first call stands.
        callbackFirst: async (_event: unknown, _context: unknown, callback: Callback) => {
          callback(null, { statusCode: 200, body: 'from the callback' });
          callback(new Error('second call'));
          await sleep(20);
          return { statusCode: 200, body: 'from the promise' };
        },
        // The promise before the callback.
        promiseFirst: async (_event: unknown, _context: unknown, callback: Callback) => {
          setTimeout(() => callback(new Error('too late')), 20);
          return { statusCode: 200, body: 'from the promise' };
        },
      },
    });
    const client = await harness.open(gateway.url);
    await client.send('{"action":"callbackFirst"}');
    expect((await client.next()).text).toBe('from the callback');
    await client.send('{"action":"promiseFirst"}');
    expect((await client.next()).text).toBe('from the promise');
    await sleep(100);
    expect(client.pending).toBe(0);
    expect(errors).toEqual([]);
  });

  it('a callback handler that never calls back times out; a two-parameter one answers with its return value', async () => {
    const gateway = await harness.start({
      routeResponses: true,
      integrationTimeoutMs: 200,
      routes: {
        silent: (_event: unknown, _context: unknown, _callback: Callback) => undefined,
        sync: (_event: unknown, _context: unknown) => ({ statusCode: 200, body: 'returned' }),
      },
    });
    const client = await harness.open(gateway.url);
    const sent = Date.now();
    await client.send('{"action":"silent"}');
    expect(await client.nextJson()).toMatchObject({ message: 'Endpoint request timed out' });
    expect(Date.now() - sent).toBeGreaterThanOrEqual(150);
    expect(Date.now() - sent).toBeLessThan(1_500);
    await client.send('{"action":"sync"}');
    expect((await client.next()).text).toBe('returned');
  });

  it('an aws-framework (Middy) handler, which takes no callback, answers through its promise', async () => {
    const handler = webSocketLambda(async (event) => ({ statusCode: 200, body: `middy:${event.body}` }), {
      jsonBody: false,
    });
    const gateway = await harness.start({ handler, routeResponses: true });
    const client = await harness.open(gateway.url);
    await client.send('hello');
    expect((await client.next()).text).toBe('middy:hello');
  });
});

describe('logger', () => {
  it('logs one line per invocation: route key, connection, status, ms; failures to error()', async () => {
    const info: string[] = [];
    const errors: string[] = [];
    const logger: GatewayLogger = { info: (l) => info.push(l), error: (l) => errors.push(l) };
    const recorder = new Recorder((event) => {
      if (event.body === 'boom') throw new Error('kaput');
      return event.requestContext.eventType === 'MESSAGE' ? { statusCode: 202 } : undefined;
    });
    const gateway = await harness.start({ handler: recorder.handler, logger });
    // The gateway also says once at start how it treats route keys; only invocations end in ms.
    const invocations = () => info.filter((line) => / [\d.]+ms$/.test(line));
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    await client.send('{"action":"greet"}');
    await waitUntil(() => invocations().length === 2, 'two invocation lines');
    await client.send('boom');
    await client.next();
    await waitUntil(() => errors.length === 1, 'an error line');

    expect(invocations()[0]).toMatch(new RegExp(`^\\$connect ${escapeRegExp(connectionId)} 200 [\\d.]+ms$`));
    expect(invocations()[1]).toMatch(new RegExp(`^greet ${escapeRegExp(connectionId)} 202 [\\d.]+ms$`));
    expect(errors[0]).toContain('$default');
    expect(errors[0]).toContain(connectionId);
    expect(errors[0]).toContain('kaput');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
