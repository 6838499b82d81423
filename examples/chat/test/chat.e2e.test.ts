// The chat end to end: real `ws` clients through the local gateway (its WebSocket server, its
// $connect authorizer and its management API), for both versions of the chat, each on a fresh
// in-memory store. Every client signs in with a token, as the page does.
import { type ConnectionStore, MemoryConnectionStore } from 'aws-framework';
import { createLambdaContext, createMessageEvent } from 'aws-framework/testing';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { type LocalGateway, startLocalGateway } from '../../../packages/local-gateway/src/index.js';
import { ChatLambda } from '../src/ChatLambda.js';
import { MAX_MESSAGE_LENGTH, MAX_NAME_LENGTH, USAGE } from '../src/chatRules.js';
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

describe.each(versions)('the chat, $version, through the local gateway', ({ makeHandler }) => {
  let store: MemoryConnectionStore;
  let gateway: LocalGateway;

  async function start(): Promise<void> {
    store = new MemoryConnectionStore();
    gateway = await startLocalGateway({ handler: makeHandler(store), authorizer, port: 0, logger: false });
    gateways.push(gateway);
  }

  /** Signs in as `name` and joins `room`. */
  function join(name: string, room?: string): Promise<ChatClient> {
    return openClient(`${gateway.url}${signedIn(name, room)}`, track);
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

  async function threeClients() {
    await start();
    const alice = await join('alice', 'red');
    const bob = await join('bob', 'red');
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

    await alice.send({ action: 'sendMessage', message: 'hi red' });
    expect(await alice.next()).toEqual({ from: 'alice', message: 'hi red' });
    expect(await bob.next()).toEqual({ from: 'alice', message: 'hi red' });
    await expectSilence(alice, bob, carol);
    expect(carol.history).toEqual([]);

    await carol.send({ action: 'sendMessage', message: 'anyone in blue?' });
    expect(await carol.next()).toEqual({ from: 'carol', message: 'anyone in blue?' });
    await expectSilence(alice, bob, carol);
    expect(alice.history).toHaveLength(1);
    expect(bob.history).toHaveLength(1);
  });

  it('joins the lobby when no room is given', async () => {
    await start();
    const dan = await join('dan');
    const id = await idOf('dan');
    expect((await store.get(id))?.data).toEqual({ name: 'dan', room: 'lobby' });
    expect(await collect(store.members('lobby'))).toEqual([id]);

    await dan.send({ action: 'sendMessage', message: 'hello?' });
    expect(await dan.next()).toEqual({ from: 'dan', message: 'hello?' });
  });

  it('refuses a connection without a token with HTTP 401, before the chat is asked', async () => {
    await start();
    for (const query of ['', '?room=red', '?room=red&name=alice', '?token=']) {
      const refusal = await expectRefusal(`${gateway.url}${query}`, track);
      expect(refusal, query).toEqual({ status: 401, body: '{"message":"Unauthorized"}' });
    }
    expect(await collect(store.list())).toEqual([]);
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
    expect(await connectionIdsNamed(store, 'mallory')).toEqual([]);
    expect((await store.get(await idOf('alice')))?.data).toEqual({ name: 'alice', room: 'red' });

    await alice.send({ action: 'sendMessage', message: 'it is me', from: 'mallory', name: 'mallory' });
    expect(await bob.next()).toEqual({ from: 'alice', message: 'it is me' });
    expect(await alice.next()).toEqual({ from: 'alice', message: 'it is me' });
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

  it('answers a sendMessage without a message with an error to the sender only', async () => {
    const { alice, bob, carol } = await threeClients();
    await alice.send({ action: 'sendMessage' });
    expect(await alice.next()).toEqual({ error: expect.stringContaining('message is required') });
    await expectSilence(alice, bob, carol);
    expect(bob.history).toEqual([]);
    expect(carol.history).toEqual([]);
  });

  it('answers a message over the limit with an error to the sender only', async () => {
    const { alice, bob, carol } = await threeClients();
    const message = 'm'.repeat(MAX_MESSAGE_LENGTH + 1);
    expect(message).toHaveLength(1001);
    await bob.send({ action: 'sendMessage', message });
    expect(await bob.next()).toEqual({ error: 'message must be at most 1000 characters' });
    await expectSilence(alice, bob, carol);
    expect(alice.history).toEqual([]);
    expect(carol.history).toEqual([]);

    // Exactly the limit is delivered.
    await bob.send({ action: 'sendMessage', message: message.slice(1) });
    expect(await alice.next()).toEqual({ from: 'bob', message: message.slice(1) });
    expect(await bob.next()).toEqual({ from: 'bob', message: message.slice(1) });
  });

  it('tells the sender how to use the chat for an unknown action, and no one else', async () => {
    const { alice, bob, carol } = await threeClients();
    await alice.send({ action: 'dance' });
    expect(await alice.next()).toEqual({ help: USAGE });
    await expectSilence(alice, bob, carol);
    expect(bob.history).toEqual([]);
    expect(carol.history).toEqual([]);
  });

  // API Gateway routes text that is not JSON to $default, which must answer with help, not a 422.
  it('tells the sender how to use the chat for a frame that is not JSON', async () => {
    const { alice, bob, carol } = await threeClients();
    await alice.send('hello, is this thing on?');
    expect(await alice.next(1_000)).toEqual({ help: USAGE });
    await expectSilence(alice, bob, carol);
    expect(bob.history).toEqual([]);
    expect(carol.history).toEqual([]);
  });

  it('refuses a room outside the rules with HTTP 400, and takes a blank room as the default', async () => {
    await start();
    const refusal = await expectRefusal(`${gateway.url}${signedIn('dan', 'a/b')}`, track);
    expect(refusal.status).toBe(400);
    expect(refusal.body).toContain('room must be');
    await join('dan', '   ');
    expect((await store.get(await idOf('dan')))?.data).toEqual({ name: 'dan', room: 'lobby' });
  });

  it('answers a blank message with an error, and a sender the store forgot with "reconnect"', async () => {
    const { alice, bob } = await threeClients();
    await alice.send({ action: 'sendMessage', message: '   ' });
    expect(await alice.next()).toEqual({ error: expect.stringContaining('message is required') });

    await store.remove(await idOf('alice'));
    await alice.send({ action: 'sendMessage', message: 'am I here?' });
    expect(await alice.next()).toEqual({ error: expect.stringContaining('reconnect') });
    await expectSilence(alice, bob);
    expect(bob.history).toEqual([]);
  });

  it('removes a connection from the store when its client closes ($disconnect)', async () => {
    const { alice, bob, carol } = await threeClients();
    const bobId = await idOf('bob');
    await bob.close();
    await waitUntil(
      async () => (await store.get(bobId)) === undefined,
      "bob's connection to leave the store",
    );
    expect(await collect(store.members('red'))).toEqual([await idOf('alice')]);

    await alice.send({ action: 'sendMessage', message: 'bob?' });
    expect(await alice.next()).toEqual({ from: 'alice', message: 'bob?' });
    await expectSilence(alice, carol);
    expect(bob.history).toEqual([]);
  });

  it('prunes a connection that vanished without $disconnect on the next broadcast to its room', async () => {
    const { alice, bob, carol } = await threeClients();
    // In the store, unknown to the gateway: as a connection whose $disconnect never arrived.
    const ghost = 'GhostConnId0=';
    await store.save({ connectionId: ghost, connectedAt: Date.now(), data: { name: 'ghost', room: 'red' } });
    await store.join('red', ghost);
    expect(await collect(store.members('red'))).toContain(ghost);

    await alice.send({ action: 'sendMessage', message: 'who is here?' });
    expect(await alice.next()).toEqual({ from: 'alice', message: 'who is here?' });
    expect(await bob.next()).toEqual({ from: 'alice', message: 'who is here?' });
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
    await bob.send({ action: 'sendMessage', message: 'still here' });
    expect(await alice.next()).toEqual({ from: 'bob', message: 'still here' });
    expect(await bob.next()).toEqual({ from: 'bob', message: 'still here' });
  });
});

describe('the class version called directly', () => {
  it("answers an event without a connection ID with 400 'Missing connection ID', touching nothing", async () => {
    const store = new MemoryConnectionStore();
    const event = createMessageEvent(
      { action: 'sendMessage', message: 'hi' },
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
    const gateway = await startLocalGateway({ handler, authorizer, port: 0, logger: false });
    gateways.push(gateway);
    const room = `room-${Math.random().toString(36).slice(2, 8)}`;
    const dave = await openClient(`${gateway.url}${signedIn('dave', room)}`, track);
    const erin = await openClient(`${gateway.url}${signedIn('erin', room)}`, track);
    await erin.send({ action: 'sendMessage', message: 'hi dave' });
    expect(await dave.next(WAIT_MS)).toEqual({ from: 'erin', message: 'hi dave' });
    expect(await erin.next(WAIT_MS)).toEqual({ from: 'erin', message: 'hi dave' });
  });
});
