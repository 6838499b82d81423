import { createHmac } from 'node:crypto';
import {
  deny,
  routes,
  tokenFrom,
  type WebSocketEvent,
  webSocketAuthorizer,
  webSocketLambda,
} from 'aws-framework';
import { jwtAuthorizer } from 'aws-framework/jwt';
import { describe, expect, it } from 'vitest';
import { useGateways, waitUntil } from './helpers.js';

const harness = useGateways();

type Identity = { name: string };

/** What the routes saw of the identity, per event type. */
function chatRoutes(seen: Array<{ eventType: string; principalId: string; name: string }>) {
  return webSocketLambda(
    routes<Identity>({
      $connect: async (_event, context) => {
        seen.push({
          eventType: 'CONNECT',
          principalId: context.authorizer.principalId,
          name: context.authorizer.name,
        });
      },
      $disconnect: async (_event, context) => {
        seen.push({
          eventType: 'DISCONNECT',
          principalId: context.authorizer.principalId,
          name: context.authorizer.name,
        });
      },
      say: async (event: WebSocketEvent<{ text: string }, Identity>, context) => {
        seen.push({
          eventType: 'MESSAGE',
          principalId: context.authorizer.principalId,
          name: context.authorizer.name,
        });
        await context.send(context.connectionId, { from: context.authorizer.name, text: event.body?.text });
      },
    }),
    { logger: false },
  );
}

describe('webSocketAuthorizer and typed routes through the local gateway', () => {
  const authorizer = webSocketAuthorizer<Identity>(
    (event) => {
      const token = tokenFrom(event, { query: 'token', header: 'Authorization' });
      if (token === 'banned') return deny('mallory');
      if (token?.startsWith('user:'))
        return { principalId: token.slice(5), context: { name: `Name of ${token.slice(5)}` } };
      return false;
    },
    { logger: false },
  );

  async function start() {
    const seen: Array<{ eventType: string; principalId: string; name: string }> = [];
    const gateway = await harness.start({
      handler: chatRoutes(seen),
      authorizer: { handler: authorizer, identitySource: ['route.request.querystring.token'] },
    });
    return { gateway, seen };
  }

  it('no token 401, a refused token 401, a denied one 403', async () => {
    const { gateway, seen } = await start();
    expect((await harness.refusal(gateway.url)).status).toBe(401);
    expect((await harness.refusal(`${gateway.url}?token=nobody`)).status).toBe(401);
    expect((await harness.refusal(`${gateway.url}?token=banned`)).status).toBe(403);
    expect(seen).toEqual([]);
  });

  it('allowed: the identity reaches $connect, each message and $disconnect as context.authorizer', async () => {
    const { gateway, seen } = await start();
    const client = await harness.open(`${gateway.url}?token=user:ana`);
    await client.send(JSON.stringify({ action: 'say', text: 'hi' }));
    expect(await client.nextJson()).toEqual({ from: 'Name of ana', text: 'hi' });
    client.ws.close();
    await waitUntil(() => seen.length === 3, 'the $disconnect');
    expect(seen).toEqual([
      { eventType: 'CONNECT', principalId: 'ana', name: 'Name of ana' },
      { eventType: 'MESSAGE', principalId: 'ana', name: 'Name of ana' },
      { eventType: 'DISCONNECT', principalId: 'ana', name: 'Name of ana' },
    ]);
  });
});

describe('jwtAuthorizer (HS256) through the local gateway', () => {
  const secret = 'a development secret of at least thirty-two bytes';
  const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  /** An HS256 JWT made by hand, so the test does not sign with the library it checks. */
  function token(claims: Record<string, unknown>, key = secret): string {
    const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims)}`;
    return `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
  }
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (extra: Record<string, unknown> = {}) => ({
    iss: 'https://chat.local',
    aud: 'chat',
    sub: 'user-7',
    name: 'Ana',
    exp: now() + 60,
    ...extra,
  });

  async function start() {
    const seen: Array<{ eventType: string; principalId: string; name: string }> = [];
    const gateway = await harness.start({
      handler: chatRoutes(seen),
      authorizer: {
        handler: jwtAuthorizer({
          issuer: 'https://chat.local',
          audience: 'chat',
          secret,
          tokenFrom: { query: 'token' },
          claims: ['name'],
          logger: false,
        }),
        identitySource: ['route.request.querystring.token'],
      },
    });
    return { gateway, seen };
  }

  it('a valid token connects as its sub with its name claim', async () => {
    const { gateway, seen } = await start();
    const client = await harness.open(`${gateway.url}?token=${token(claims())}`);
    await client.send(JSON.stringify({ action: 'say', text: 'hello' }));
    expect(await client.nextJson()).toEqual({ from: 'Ana', text: 'hello' });
    expect(seen[0]).toEqual({ eventType: 'CONNECT', principalId: 'user-7', name: 'Ana' });
  });

  it.each([
    ['expired', () => token(claims({ exp: now() - 60 }))],
    ['another issuer', () => token(claims({ iss: 'https://elsewhere' }))],
    ['another audience', () => token(claims({ aud: 'other' }))],
    ['signed with another key', () => token(claims(), 'another secret of at least thirty-two bytes!!')],
    ['not a JWT', () => 'garbage'],
  ])('%s: 401, and no route runs', async (_name, make) => {
    const { gateway, seen } = await start();
    expect((await harness.refusal(`${gateway.url}?token=${make()}`)).status).toBe(401);
    expect(seen).toEqual([]);
  });
});
