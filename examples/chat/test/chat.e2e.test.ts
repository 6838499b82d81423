// The chat end to end: real `ws` clients through the local gateway (its WebSocket server, its
// $connect authorizer, its management API and the MOCK heartbeat route), for both versions of the
// chat, each on a fresh in-memory store. Every client signs in with a token, as the page does, and
// speaks the contract's wire format: action frames in, event and reply frames out.
import { type ConnectionStore, MemoryConnectionStore } from 'aws-framework';
import { createLambdaContext, createMessageEvent } from 'aws-framework/testing';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { type LocalGateway, startLocalGateway } from '../../../packages/local-gateway/src/index.js';
import { ChatLambda } from '../src/ChatLambda.js';
import { MAX_MESSAGE_LENGTH, MAX_NAME_LENGTH, USAGE } from '../src/chatRules.js';
import { CHAT_ROUTES, HEARTBEAT_ROUTE } from '../src/contract.js';
import { createChatAuthorizer } from '../src/createChatAuthorizer.js';
import { createChatHandler } from '../src/createChatHandler.js';
import { CHAT_IDENTITY_SOURCE, issueChatToken } from '../src/issueChatToken.js';
import {
  type ChatClient,
  collect,
  connectionIdsNamed,
  expectRefusal,
  openClient,
  QUIET_MS,
  sleep,
  WAIT_MS,
  waitUntil,
  withTimeout,
} from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: both versions' handlers, as the gateway calls them
type ChatHandler = (event: any, context: any) => unknown;

const versions: {
  version: string;
  makeHandler: (store: ConnectionStore) => ChatHandler;
}[] = [
  {
    version: 'functional createChatHandler(store)',
    makeHandler: (store) => createChatHandler(store),
  },
  {
    version: 'class new ChatLambda(store).handler',
    makeHandler: (store) => new ChatLambda(store).handler,
  },
];

const SECRET = 'the e2e tests development secret, 32+ bytes';
const authorizer = {
  handler: createChatAuthorizer({ secret: SECRET }),
  identitySource: CHAT_IDENTITY_SOURCE,
};
const tokenFor = (name: string) => issueChatToken({ name, secret: SECRET });

/** The query string of a client signed in as `name`, joining `room` (the default room when absent). */
function signedIn(name: string, room?: string, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({ ...extra, token: tokenFor(name) });
  if (room !== undefined) query.set('room', room);
  return `?${query}`;
}

const gateways: LocalGateway[] = [];
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await withTimeout(Promise.all(gateways.splice(0).map((g) => g.close())), 5_000, 'the gateways to close');
});

const track = (ws: WebSocket) => {
  sockets.push(ws);
};

/** The gateway as `pnpm start` and the stack configure it: the chat's routes, `ping` on a MOCK integration. */
const gatewayOptions = {
  authorizer,
  routeKeys: CHAT_ROUTES.filter((key) => !key.startsWith('$')),
  mockRoutes: [HEARTBEAT_ROUTE],
  port: 0,
  logger: false as const,
};

/** A `message` event frame as every member of the room receives it. */
const message = (from: string, text: string) => ({
  event: 'message',
  payload: { from, text, at: expect.any(Number) },
});

describe.each(versions)('the chat, $version, through the local gateway', ({ makeHandler }) => {
  let store: MemoryConnectionStore;
  let gateway: LocalGateway;
  let invocations: string[];

  async function start(): Promise<void> {
    store = new MemoryConnectionStore();
    invocations = [];
    const handler = makeHandler(store);
    gateway = await startLocalGateway({
      ...gatewayOptions,
      // Every invocation's route key, to prove which frames reached the Lambda.
      handler: (event: { requestContext: { routeKey: string } }, context: unknown) => {
        invocations.push(event.requestContext.routeKey);
        return handler(event, context);
      },
    });
    gateways.push(gateway);
  }

  /** How many frames each client had received when `join` returned (its hello's reply). */
  const joinedAt = new WeakMap<ChatClient, number>();

  /** Signs in as `name`, connects to `room` and says hello, as the page does; its reply is read. */
  async function join(name: string, room?: string): Promise<ChatClient> {
    const client = await openClient(`${gateway.url}${signedIn(name, room)}`, track);
    await client.send({ action: 'hello', id: 'hello' });
    expect(await client.next()).toEqual({
      reply: 'hello',
      ok: true,
      payload: { names: expect.arrayContaining([name.trim()]) },
    });
    joinedAt.set(client, client.history.length);
    return client;
  }

  /** The frames `client` received since `join` returned, parsed. */
  function since(client: ChatClient): unknown[] {
    return client.history.slice(joinedAt.get(client) ?? 0).map((text) => JSON.parse(text));
  }

  /** The one stored connection whose data names `name`. */
  async function idOf(name: string): Promise<string> {
    const ids = await connectionIdsNamed(store, name);
    expect(ids, `stored connections named ${name}`).toHaveLength(1);
    return ids[0] as string;
  }

  /** Proves `clients` received nothing (more) for a while. */
  async function expectSilence(...clients: ChatClient[]): Promise<void> {
    await sleep(QUIET_MS);
    for (const client of clients)
      expect(client.pending, `unread frames: ${client.history.join(' | ')}`).toBe(0);
  }

  /** alice and bob in red (alice told that bob joined), carol alone in blue. */
  async function threeClients() {
    await start();
    const alice = await join('alice', 'red');
    const bob = await join('bob', 'red');
    expect(await alice.next()).toEqual({
      event: 'joined',
      payload: { name: 'bob', names: ['alice', 'bob'] },
    });
    const carol = await join('carol', 'blue');
    return { alice, bob, carol };
  }

  it("saves each connection with its name and room, and delivers a message to exactly its sender's room", async () => {
    const { alice, bob, carol } = await threeClients();
    expect((await store.get(await idOf('alice')))?.data).toEqual({ name: 'alice', room: 'red' });
    expect((await store.get(await idOf('carol')))?.data).toEqual({ name: 'carol', room: 'blue' });
    expect((await collect(store.members('red'))).sort()).toEqual(
      [await idOf('alice'), await idOf('bob')].sort(),
    );
    expect(await collect(store.members('blue'))).toEqual([await idOf('carol')]);

    await alice.send({ action: 'sendMessage', payload: { text: 'hi red' } });
    const received = await alice.next();
    expect(received).toEqual(message('alice', 'hi red'));
    expect(await bob.next()).toEqual(received);
    await expectSilence(alice, bob, carol);
    expect(since(carol)).toEqual([]);

    await carol.send({ action: 'sendMessage', payload: { text: 'anyone in blue?' } });
    expect(await carol.next()).toEqual(message('carol', 'anyone in blue?'));
    await expectSilence(alice, bob, carol);
    expect(since(alice)).toHaveLength(2);
    expect(since(bob)).toHaveLength(1);
  });

  it("stamps a message with the server's time", async () => {
    await start();
    const dan = await join('dan', 'red');
    const before = Date.now();
    await dan.send({ action: 'sendMessage', payload: { text: 'what time is it?' } });
    const { payload } = (await dan.next()) as { payload: { at: number } };
    expect(payload.at).toBeGreaterThanOrEqual(before);
    expect(payload.at).toBeLessThanOrEqual(Date.now());
  });

  it('answers a request with its reply frame, after the message went to the room', async () => {
    const { alice, bob } = await threeClients();
    await alice.send({ action: 'sendMessage', payload: { text: 'did you get this?' }, id: 'r1' });
    const received = (await alice.next()) as { payload: { at: number } };
    expect(received).toEqual(message('alice', 'did you get this?'));
    expect(await alice.next()).toEqual({ reply: 'r1', ok: true, payload: { at: received.payload.at } });
    expect(await bob.next()).toEqual(received);
    await expectSilence(alice, bob);
  });

  it('answers hello with everyone in the room, each name once, and tells the others only', async () => {
    const { alice, bob, carol } = await threeClients();
    // Connected, not yet said hello: in the room, but nobody was told.
    const dan = await openClient(`${gateway.url}${signedIn('dan', 'red')}`, track);
    await expectSilence(alice, bob, carol, dan);
    await dan.send({ action: 'hello', payload: {}, id: '7' });
    expect(await dan.next()).toEqual({ reply: '7', ok: true, payload: { names: ['alice', 'bob', 'dan'] } });
    const joined = { event: 'joined', payload: { name: 'dan', names: ['alice', 'bob', 'dan'] } };
    expect(await alice.next()).toEqual(joined);
    expect(await bob.next()).toEqual(joined);

    // A second tab of bob's: the others are told, the list names him once.
    const bobAgain = await join('bob', 'red');
    const again = { event: 'joined', payload: { name: 'bob', names: ['alice', 'bob', 'dan'] } };
    expect(await alice.next()).toEqual(again);
    expect(await bob.next()).toEqual(again);
    expect(await dan.next()).toEqual(again);
    await expectSilence(alice, bob, bobAgain, carol, dan);
    expect(since(bobAgain)).toEqual([]);
    expect(since(carol)).toEqual([]);
  });

  it('tells the room who joined and who left, with everyone in it now, and no other room', async () => {
    await start();
    const alice = await join('alice', 'red');
    const carol = await join('carol', 'blue');
    const bob = await join('bob', 'red');
    expect(await alice.next()).toEqual({
      event: 'joined',
      payload: { name: 'bob', names: ['alice', 'bob'] },
    });
    const dan = await join('dan', 'red');
    const withDan = { event: 'joined', payload: { name: 'dan', names: ['alice', 'bob', 'dan'] } };
    expect(await alice.next()).toEqual(withDan);
    expect(await bob.next()).toEqual(withDan);

    // Closing a tab: its $disconnect tells the others.
    const bobId = await idOf('bob');
    await bob.close();
    const left = { event: 'left', payload: { name: 'bob', names: ['alice', 'dan'] } };
    expect(await alice.next()).toEqual(left);
    expect(await dan.next()).toEqual(left);
    expect(await store.get(bobId)).toBeUndefined();
    await expectSilence(alice, dan, carol);
    expect(since(carol)).toEqual([]);
    // The one joining is not told of itself: the reply to its hello says who is there.
    expect(since(dan)).toHaveLength(1);
  });

  it('joins the lobby when no room is given', async () => {
    await start();
    const dan = await join('dan');
    const id = await idOf('dan');
    expect((await store.get(id))?.data).toEqual({ name: 'dan', room: 'lobby' });
    expect(await collect(store.members('lobby'))).toEqual([id]);

    await dan.send({ action: 'sendMessage', payload: { text: 'hello?' } });
    expect(await dan.next()).toEqual(message('dan', 'hello?'));
  });

  it('refuses a connection without a token with HTTP 401, before the chat is asked', async () => {
    await start();
    for (const query of ['', '?room=red', '?room=red&name=alice', '?token=']) {
      const refusal = await expectRefusal(`${gateway.url}${query}`, track);
      expect(refusal, query).toEqual({ status: 401, body: '{"message":"Unauthorized"}' });
    }
    expect(await collect(store.list())).toEqual([]);
    expect(invocations).toEqual([]);
  });

  it('refuses a forged, expired or malformed token with HTTP 401', async () => {
    await start();
    const now = Math.floor(Date.now() / 1000);
    const tokens = {
      forged: issueChatToken({ name: 'alice', secret: 'not the secret, but just as long as it' }),
      expired: issueChatToken({ name: 'alice', secret: SECRET, now: now - 3_600, ttlSeconds: 60 }),
      'from another issuer': issueChatToken({ name: 'alice', secret: SECRET, issuer: 'someone-else' }),
      'for another audience': issueChatToken({ name: 'alice', secret: SECRET, audience: 'another-app' }),
      malformed: 'not.a.jwt',
    };
    for (const [what, token] of Object.entries(tokens)) {
      const refusal = await expectRefusal(
        `${gateway.url}?room=red&token=${encodeURIComponent(token)}`,
        track,
      );
      expect(refusal.status, what).toBe(401);
    }
    expect(await collect(store.list())).toEqual([]);
  });

  it('shows the name the token was issued for, whatever name the client claims', async () => {
    await start();
    const alice = await openClient(`${gateway.url}${signedIn('alice', 'red', { name: 'mallory' })}`, track);
    const bob = await join('bob', 'red');
    expect(await alice.next()).toEqual({
      event: 'joined',
      payload: { name: 'bob', names: ['alice', 'bob'] },
    });
    expect(await connectionIdsNamed(store, 'mallory')).toEqual([]);
    expect((await store.get(await idOf('alice')))?.data).toEqual({ name: 'alice', room: 'red' });

    await alice.send({
      action: 'sendMessage',
      payload: { text: 'it is me', from: 'mallory', name: 'mallory' },
      from: 'mallory',
    });
    expect(await bob.next()).toEqual(message('alice', 'it is me'));
    expect(await alice.next()).toEqual(message('alice', 'it is me'));
  });

  it('refuses the upgrade with HTTP 400 for a token naming someone over the limit, saving nothing', async () => {
    await start();
    const name = 'n'.repeat(MAX_NAME_LENGTH + 1);
    expect(name).toHaveLength(33);
    const refusal = await expectRefusal(`${gateway.url}${signedIn(name, 'red')}`, track);
    expect(refusal.status).toBe(400);
    expect(refusal.body).toContain('name must be at most 32 characters');
    expect(await collect(store.list())).toEqual([]);

    // A name of exactly the limit is fine.
    await join('n'.repeat(MAX_NAME_LENGTH), 'red');
    expect(await collect(store.list())).toHaveLength(1);
  });

  it('answers a request whose payload the contract refuses with 422 and the issues, to the sender only', async () => {
    const { alice, bob, carol } = await threeClients();
    await alice.send({ action: 'sendMessage', id: 'a' });
    expect(await alice.next()).toEqual({
      reply: 'a',
      ok: false,
      error: { status: 422, message: 'Invalid message', issues: [expect.objectContaining({ path: [] })] },
    });
    await alice.send({ action: 'sendMessage', payload: { text: '   ' }, id: 'b' });
    expect(await alice.next()).toEqual({
      reply: 'b',
      ok: false,
      error: {
        status: 422,
        message: 'Invalid message',
        issues: [{ path: ['text'], message: 'text must not be blank' }],
      },
    });
    await expectSilence(alice, bob, carol);
    expect(since(bob)).toEqual([]);
    expect(since(carol)).toEqual([]);
  });

  it('sends nothing back for a one-way send the contract refuses, and delivers nothing', async () => {
    const { alice, bob, carol } = await threeClients();
    await alice.send({ action: 'sendMessage' });
    await alice.send({ action: 'sendMessage', payload: { text: 42 } });
    await alice.send({ action: 'sendMessage', message: 'the old format' });
    await expectSilence(alice, bob, carol);
    expect(since(alice)).toHaveLength(1);
    expect(since(bob)).toEqual([]);
  });

  it('answers a message over the limit with 422, and delivers one of exactly the limit', async () => {
    const { alice, bob, carol } = await threeClients();
    const text = 'm'.repeat(MAX_MESSAGE_LENGTH + 1);
    expect(text).toHaveLength(1001);
    await bob.send({ action: 'sendMessage', payload: { text }, id: 'long' });
    expect(await bob.next()).toEqual({
      reply: 'long',
      ok: false,
      error: {
        status: 422,
        message: 'Invalid message',
        issues: [{ path: ['text'], message: 'text must be at most 1000 characters' }],
      },
    });
    await expectSilence(alice, bob, carol);
    expect(since(alice)).toHaveLength(1);
    expect(since(carol)).toEqual([]);

    await bob.send({ action: 'sendMessage', payload: { text: text.slice(1) } });
    expect(await alice.next()).toEqual(message('bob', text.slice(1)));
    expect(await bob.next()).toEqual(message('bob', text.slice(1)));
  });

  it('tells the sender how to use the chat for an unknown action, and no one else', async () => {
    const { alice, bob, carol } = await threeClients();
    await alice.send({ action: 'dance' });
    expect(await alice.next()).toEqual({ event: 'help', payload: { usage: USAGE } });
    await expectSilence(alice, bob, carol);
    expect(since(bob)).toEqual([]);
    expect(since(carol)).toEqual([]);
  });

  // API Gateway routes text that is not JSON to $default, which must answer with help, not a 422.
  it('tells the sender how to use the chat for a frame that is not JSON', async () => {
    const { alice, bob, carol } = await threeClients();
    await alice.send('hello, is this thing on?');
    expect(await alice.next(1_000)).toEqual({ event: 'help', payload: { usage: USAGE } });
    await expectSilence(alice, bob, carol);
    expect(since(bob)).toEqual([]);
    expect(since(carol)).toEqual([]);
  });

  it("answers the client's heartbeat on the MOCK route ping: no Lambda runs, nothing comes back", async () => {
    const { alice, bob } = await threeClients();
    const before = invocations.length;
    await alice.send({ action: 'ping' });
    await alice.send({ action: 'ping' });
    await expectSilence(alice, bob);
    expect(invocations.length).toBe(before);
    expect(since(alice)).toHaveLength(1);
  });

  it('refuses a room outside the rules with HTTP 400, and takes a blank room as the default', async () => {
    await start();
    const refusal = await expectRefusal(`${gateway.url}${signedIn('dan', 'a/b')}`, track);
    expect(refusal.status).toBe(400);
    expect(refusal.body).toContain('room must be');
    await join('dan', '   ');
    expect((await store.get(await idOf('dan')))?.data).toEqual({ name: 'dan', room: 'lobby' });
  });

  it('answers a request from a sender the store forgot with 410 "reconnect"', async () => {
    const { alice, bob } = await threeClients();
    await store.remove(await idOf('alice'));
    await alice.send({ action: 'sendMessage', payload: { text: 'am I here?' }, id: 'x' });
    expect(await alice.next()).toEqual({
      reply: 'x',
      ok: false,
      error: { status: 410, message: expect.stringContaining('reconnect') },
    });
    await alice.send({ action: 'hello', id: 'y' });
    expect(await alice.next()).toEqual({
      reply: 'y',
      ok: false,
      error: { status: 410, message: expect.stringContaining('reconnect') },
    });
    await expectSilence(alice, bob);
    expect(since(bob)).toEqual([]);
  });

  it('prunes a connection that vanished without $disconnect on the next broadcast to its room', async () => {
    const { alice, bob, carol } = await threeClients();
    // In the store, unknown to the gateway: as a connection whose $disconnect never arrived.
    const ghost = 'GhostConnId0=';
    await store.save({ connectionId: ghost, connectedAt: Date.now(), data: { name: 'ghost', room: 'red' } });
    await store.join('red', ghost);
    expect(await collect(store.members('red'))).toContain(ghost);

    await alice.send({ action: 'sendMessage', payload: { text: 'who is here?' } });
    expect(await alice.next()).toEqual(message('alice', 'who is here?'));
    expect(await bob.next()).toEqual(message('alice', 'who is here?'));
    await waitUntil(
      async () => (await store.get(ghost)) === undefined,
      'the vanished connection to be pruned',
    );
    expect(await collect(store.members('red'))).not.toContain(ghost);
    expect((await collect(store.members('red'))).sort()).toEqual(
      [await idOf('alice'), await idOf('bob')].sort(),
    );
    await expectSilence(alice, bob, carol);

    // The room goes on working for the others.
    await bob.send({ action: 'sendMessage', payload: { text: 'still here' } });
    expect(await alice.next()).toEqual(message('bob', 'still here'));
    expect(await bob.next()).toEqual(message('bob', 'still here'));
  });
});

describe('the class version called directly', () => {
  it("answers an event without a connection ID with 400 'Missing connection ID', touching nothing", async () => {
    const store = new MemoryConnectionStore();
    const event = createMessageEvent(
      { action: 'sendMessage', payload: { text: 'hi' } },
      { requestContext: { connectionId: undefined } },
    );
    expect(event.requestContext.connectionId).toBeUndefined();
    const result = await new ChatLambda(store).handler(
      event as unknown as APIGatewayProxyEvent,
      createLambdaContext(),
    );
    expect(result).toEqual({ statusCode: 400, body: '{"message":"Missing connection ID"}' });
    expect(await collect(store.list())).toEqual([]);
  });
});

describe('the Lambda entry points, on the store their environment names (memory here)', () => {
  it.each([
    ['src/handler.ts (functional)', () => import('../src/handler.js')],
    ['src/ChatLambda.ts (class)', () => import('../src/ChatLambda.js')],
  ])('%s chats through the gateway', async (_name, load) => {
    expect(process.env.TABLE_NAME ?? '', 'these tests need the in-memory store').toBe('');
    const { handler } = await load();
    const gateway = await startLocalGateway({ ...gatewayOptions, handler });
    gateways.push(gateway);
    const room = `room-${Math.random().toString(36).slice(2, 8)}`;
    const dave = await openClient(`${gateway.url}${signedIn('dave', room)}`, track);
    const erin = await openClient(`${gateway.url}${signedIn('erin', room)}`, track);
    await erin.send({ action: 'hello' });
    expect(await dave.next(WAIT_MS)).toEqual({
      event: 'joined',
      payload: { name: 'erin', names: ['dave', 'erin'] },
    });
    await erin.send({ action: 'sendMessage', payload: { text: 'hi dave' }, id: '1' });
    expect(await dave.next(WAIT_MS)).toEqual(message('erin', 'hi dave'));
    expect(await erin.next(WAIT_MS)).toEqual(message('erin', 'hi dave'));
    expect(await erin.next(WAIT_MS)).toEqual({ reply: '1', ok: true, payload: { at: expect.any(Number) } });
  });
});
