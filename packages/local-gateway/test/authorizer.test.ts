import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../src/authorizerResult.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../src/index.js';
import { openRecorded, Recorder, sleep, useGateways } from './helpers.js';

const harness = useGateways();

type AuthorizerEvent = {
  type: string;
  methodArn: string;
  headers?: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  requestContext: { connectionId: string; routeKey: string; eventType: string };
};

const allow = (event: AuthorizerEvent, principalId = 'user-1', context?: Record<string, unknown>) => ({
  principalId,
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
  },
  ...(context ? { context } : {}),
});

/** An authorizer that records its events and answers with `decide`. */
function authorizerOf(decide: (event: AuthorizerEvent) => unknown) {
  const events: AuthorizerEvent[] = [];
  return {
    events,
    handler: (event: AuthorizerEvent) => {
      events.push(event);
      return decide(event);
    },
  };
}

describe('the $connect authorizer', () => {
  it('a missing identity source is 401 without invoking the authorizer', async () => {
    const authorizer = authorizerOf((event) => allow(event));
    const recorder = new Recorder();
    const gateway = await harness.start({
      handler: recorder.handler,
      authorizer: { handler: authorizer.handler, identitySource: ['route.request.querystring.token'] },
    });
    expect(await harness.refusal(gateway.url)).toEqual({ status: 401, body: '{"message":"Unauthorized"}' });
    expect((await harness.refusal(`${gateway.url}?token=`)).status).toBe(401);
    expect(authorizer.events).toHaveLength(0);
    expect(recorder.events).toHaveLength(0);
  });

  it('header identity sources match in any letter case; every source must be there', async () => {
    const authorizer = authorizerOf((event) => allow(event));
    const gateway = await harness.start({
      handler: () => undefined,
      authorizer: {
        handler: authorizer.handler,
        identitySource: ['route.request.header.Authorization', 'route.request.querystring.room'],
      },
    });
    expect((await harness.refusal(`${gateway.url}?room=a`)).status).toBe(401);
    expect((await harness.refusal(gateway.url, { headers: { authorization: 'Bearer x' } })).status).toBe(401);
    await harness.open(`${gateway.url}?room=a`, { headers: { authorization: 'Bearer x' } });
    expect(authorizer.events).toHaveLength(1);
  });

  it('gets a REQUEST event for $connect with the method ARN, headers and query', async () => {
    const authorizer = authorizerOf((event) => allow(event));
    const recorder = new Recorder();
    const gateway = await harness.start({
      handler: recorder.handler,
      stage: 'dev',
      authorizer: { handler: authorizer.handler },
    });
    const { connect } = await openRecorded(harness, gateway, recorder, { headers: { 'X-Custom': 'v' } });
    const [event] = authorizer.events;
    expect(event).toMatchObject({
      type: 'REQUEST',
      methodArn: `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${connect.requestContext.apiId}/dev/$connect`,
      headers: { 'X-Custom': 'v' },
      requestContext: {
        routeKey: '$connect',
        eventType: 'CONNECT',
        connectionId: connect.requestContext.connectionId,
      },
    });
    await harness.open(`${gateway.url}?token=abc`);
    expect(authorizer.events[1]?.queryStringParameters).toEqual({ token: 'abc' });
  });

  it('a failure with the message Unauthorized is 401, and $connect does not run', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({
      handler: recorder.handler,
      authorizer: {
        handler: async () => {
          throw new Error('Unauthorized');
        },
      },
    });
    expect((await harness.refusal(gateway.url)).status).toBe(401);
    expect(recorder.events).toHaveLength(0);
  });

  it('a Deny is 403; an Allow that does not cover the method ARN (stage/*/*) is 403', async () => {
    const deny = await harness.start({
      handler: () => undefined,
      authorizer: {
        handler: (event: AuthorizerEvent) => ({
          principalId: 'u',
          policyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' },
              { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: event.methodArn },
            ],
          },
        }),
      },
    });
    expect(await harness.refusal(deny.url)).toEqual({ status: 403, body: '{"message":"Forbidden"}' });

    // powertools-lambda-python#5800: a helper that wrote .../stage/*/* refused every connection.
    const tooNarrow = await harness.start({
      handler: () => undefined,
      authorizer: {
        handler: (event: AuthorizerEvent) => {
          const [arn] = event.methodArn.split('/');
          return {
            principalId: 'u',
            policyDocument: {
              Version: '2012-10-17',
              Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${arn}/local/*/*` }],
            },
          };
        },
      },
    });
    expect((await harness.refusal(tooNarrow.url)).status).toBe(403);
  });

  it('wildcards that do cover the ARN allow', async () => {
    const gateway = await harness.start({
      handler: () => undefined,
      authorizer: {
        handler: (event: AuthorizerEvent) => ({
          principalId: 'u',
          policyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Action: 'execute-api:*', Effect: 'Allow', Resource: [`${event.methodArn.split('/')[0]}/*`] },
            ],
          },
        }),
      },
    });
    await harness.open(gateway.url);
  });

  it.each([
    ['another error', () => Promise.reject(new Error('database down'))],
    ['no principalId', (event: AuthorizerEvent) => ({ ...allow(event), principalId: undefined })],
    ['no policy', () => ({ principalId: 'u' })],
    ['an object in the context', (event: AuthorizerEvent) => allow(event, 'u', { roles: ['a'] })],
    ['null in the context', (event: AuthorizerEvent) => allow(event, 'u', { name: null })],
    ['a result over 8 KB', (event: AuthorizerEvent) => allow(event, 'u', { big: 'x'.repeat(8_200) })],
    ['nothing', () => undefined],
  ])('%s is 500', async (_name, decide) => {
    const recorder = new Recorder();
    const errors: string[] = [];
    const gateway = await harness.start({
      handler: recorder.handler,
      authorizer: { handler: decide as (event: AuthorizerEvent) => unknown },
      logger: { info: () => {}, error: (line) => errors.push(line) },
    });
    expect((await harness.refusal(gateway.url)).status).toBe(500);
    expect(recorder.events).toHaveLength(0);
    expect(errors).toHaveLength(1);
  });

  it('an authorizer that overruns the integration timeout is 500, on time', async () => {
    const gateway = await harness.start({
      handler: () => undefined,
      integrationTimeoutMs: 100,
      authorizer: { handler: () => sleep(2_000) },
    });
    const started = Date.now();
    expect((await harness.refusal(gateway.url)).status).toBe(500);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('allowed: $connect, every message and $disconnect carry { principalId, ...context }, $connect also integrationLatency', async () => {
    const authorizer = authorizerOf((event) =>
      allow(event, 'user-42', { name: 'Ana', admin: true, level: 3 }),
    );
    const recorder = new Recorder();
    const gateway = await harness.start({
      handler: recorder.handler,
      authorizer: { handler: authorizer.handler },
    });
    const { client, connectionId, connect } = await openRecorded(harness, gateway, recorder);
    await client.send('{"action":"say"}');
    await client.send('{"action":"say"}');
    const message = await recorder.waitFor((e) => e.requestContext.eventType === 'MESSAGE', 'a message');
    client.ws.close();
    const disconnect = await recorder.waitForType('DISCONNECT', connectionId);
    // Context values arrive as strings (AWS: "The returned values are all stringified"), and only
    // $connect's event says how long the authorizer took.
    const identity = { principalId: 'user-42', name: 'Ana', admin: 'true', level: '3' };
    expect(connect.requestContext.authorizer).toEqual({
      ...identity,
      integrationLatency: expect.any(Number),
    });
    expect(message.requestContext.authorizer).toEqual(identity);
    expect(disconnect.requestContext.authorizer).toEqual(identity);
    // Each event has its own copy.
    expect(connect.requestContext.authorizer).not.toBe(message.requestContext.authorizer);
  });

  it('runs on every $connect: no result caching for WebSocket APIs', async () => {
    const authorizer = authorizerOf((event) => allow(event));
    const gateway = await harness.start({
      handler: () => undefined,
      authorizer: { handler: authorizer.handler },
    });
    for (let i = 0; i < 3; i++) await harness.open(`${gateway.url}?token=same`);
    expect(authorizer.events).toHaveLength(3);
  });

  it('without an authorizer, events carry no authorizer', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { connect } = await openRecorded(harness, gateway, recorder);
    expect(connect.requestContext.authorizer).toBeUndefined();
  });

  const noop = (): undefined => undefined;
  it.each<[unknown, RegExp]>([
    [{ handler: 'x' }, /authorizer.handler/],
    [{ handler: noop, identitySource: ['route.request.body.token'] }, /route\.request\.body\.token/],
    [{ handler: noop, identitySource: 'route.request.querystring.t' }, /array/],
    [{ handler: noop, cache: true }, /cache/],
  ])('a bad authorizer option throws a TypeError naming it: %o', async (authorizer, message) => {
    await expect(harness.start({ handler: noop, authorizer: authorizer as never })).rejects.toThrow(message);
  });
});

describe('matchesPattern (IAM wildcards)', () => {
  const arn = 'arn:aws:execute-api:us-east-1:000000000000:abc/local/$connect';
  it.each([
    [arn, true],
    ['*', true],
    ['arn:aws:execute-api:us-east-1:000000000000:abc/*', true],
    ['arn:aws:execute-api:us-east-1:000000000000:abc/local/*', true],
    ['arn:aws:execute-api:us-east-1:000000000000:abc/local/*/*', false],
    ['arn:aws:execute-api:us-east-1:000000000000:abc/local/$disconnect', false],
    ['arn:aws:execute-api:us-east-1:000000000000:abc/loca?/$connect', true],
    ['arn:aws:execute-api:*:*:abc/local/$connect', true],
  ])('%s covers the $connect ARN: %s', (pattern, expected) => {
    expect(matchesPattern(pattern, arn)).toBe(expected);
  });
});
