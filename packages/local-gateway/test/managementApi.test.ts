import {
  DeleteConnectionCommand,
  ForbiddenException,
  GetConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { webSocketLambda } from 'aws-framework';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LocalGateway } from '../src/index.js';
import {
  openRecorded,
  Recorder,
  rejectionOf,
  sdkFor,
  sleep,
  type TestClient,
  useGateways,
  WAIT_MS,
  withTimeout,
} from './helpers.js';

const harness = useGateways();

/** 128 KB, API Gateway's limit for one message. */
const LIMIT = 131_072;

async function setup() {
  const recorder = new Recorder();
  const gateway = await harness.start({ handler: recorder.handler });
  const sdk = sdkFor(gateway.endpoint);
  return { recorder, gateway, sdk };
}

describe('PostToConnection', () => {
  it('delivers UTF-8 bytes as a text frame', async () => {
    const { recorder, gateway, sdk } = await setup();
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    const result = await sdk.send(
      new PostToConnectionCommand({
        ConnectionId: connectionId,
        Data: new TextEncoder().encode('{"hi":"✓"}'),
      }),
    );
    expect(result.$metadata.httpStatusCode).toBe(200);
    const message = await client.next();
    expect(message.isBinary).toBe(false);
    expect(message.text).toBe('{"hi":"✓"}');
  });

  it('delivers bytes that are not UTF-8 as a binary frame', async () => {
    const { recorder, gateway, sdk } = await setup();
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    await sdk.send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: new Uint8Array([0xff, 0x00, 0xfe]) }),
    );
    const message = await client.next();
    expect(message.isBinary).toBe(true);
    expect([...message.bytes]).toEqual([0xff, 0x00, 0xfe]);
  });

  it('delivers exactly 128 KB, and answers 413 PayloadTooLargeException over it', async () => {
    const { recorder, gateway, sdk } = await setup();
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    await sdk.send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: new Uint8Array(LIMIT).fill(0x61) }),
    );
    expect((await client.next()).bytes.length).toBe(LIMIT);

    const error = await rejectionOf(
      sdk.send(
        new PostToConnectionCommand({
          ConnectionId: connectionId,
          Data: new Uint8Array(LIMIT + 1).fill(0x61),
        }),
      ),
    );
    expect(error.$metadata?.httpStatusCode).toBe(413);
    expect(error).toBeInstanceOf(PayloadTooLargeException);
    // Nothing was delivered, and the connection stays open.
    await sleep(50);
    expect(client.history).toHaveLength(1);
    await sdk.send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: new TextEncoder().encode('ok') }),
    );
    expect((await client.next()).text).toBe('ok');
  });

  it('reaches only the addressed connection', async () => {
    const { recorder, gateway, sdk } = await setup();
    const a = await openRecorded(harness, gateway, recorder);
    const b = await openRecorded(harness, gateway, recorder);
    await sdk.send(
      new PostToConnectionCommand({ ConnectionId: b.connectionId, Data: new TextEncoder().encode('for b') }),
    );
    expect((await b.client.next()).text).toBe('for b');
    await sleep(30);
    expect(a.client.history).toHaveLength(0);
  });

  it('works for many connections, whatever characters (- _ =) their IDs hold', async () => {
    const { recorder, gateway, sdk } = await setup();
    const opened: Array<{ client: TestClient; connectionId: string }> = [];
    for (let i = 0; i < 20; i++) opened.push(await openRecorded(harness, gateway, recorder));
    // IDs are base64url, so "-" or "_" is all but certain among 20; open more (bounded) until one shows.
    while (!opened.some((o) => /[-_]/.test(o.connectionId)) && opened.length < 60) {
      opened.push(await openRecorded(harness, gateway, recorder));
    }
    const ids = opened.map((o) => o.connectionId);
    expect(new Set(ids).size).toBe(ids.length);
    // AWS's alphabet, "=" included (which must be URL-encoded in the path).
    expect(ids.some((id) => /[-_]/.test(id))).toBe(true);
    expect(ids.some((id) => id.includes('='))).toBe(true);

    await Promise.all(
      opened.map(({ connectionId }) =>
        sdk.send(
          new PostToConnectionCommand({
            ConnectionId: connectionId,
            Data: new TextEncoder().encode(connectionId),
          }),
        ),
      ),
    );
    for (const { client, connectionId } of opened) {
      expect((await client.next()).text).toBe(connectionId);
    }
    const infos = await Promise.all(
      ids.map((id) => sdk.send(new GetConnectionCommand({ ConnectionId: id }))),
    );
    expect(infos.every((info) => info.ConnectedAt instanceof Date)).toBe(true);
    await Promise.all(ids.map((id) => sdk.send(new DeleteConnectionCommand({ ConnectionId: id }))));
    for (const { client } of opened) await client.waitClose();
    await withTimeout(
      (async () => {
        while (recorder.ofType('DISCONNECT').length < ids.length) await sleep(10);
      })(),
      WAIT_MS,
      'a $disconnect per connection',
    );
    expect(new Set(recorder.ofType('DISCONNECT').map((e) => e.requestContext.connectionId))).toEqual(
      new Set(ids),
    );
  });
});

describe('GetConnection', () => {
  it('gives ConnectedAt and LastActiveAt as Dates and the identity', async () => {
    const { recorder, gateway, sdk } = await setup();
    const { client, connectionId, connect } = await openRecorded(harness, gateway, recorder, {
      headers: { 'User-Agent': 'mgmt-test/2.0' },
    });
    const first = await sdk.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(first.ConnectedAt).toBeInstanceOf(Date);
    expect(first.LastActiveAt).toBeInstanceOf(Date);
    expect(first.ConnectedAt?.getTime()).toBe(connect.requestContext.connectedAt);
    expect(first.LastActiveAt?.getTime()).toBeGreaterThanOrEqual(first.ConnectedAt?.getTime() as number);
    expect(first.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'mgmt-test/2.0' });

    // A client message moves LastActiveAt on.
    await sleep(20);
    await client.send('activity');
    await recorder.waitForType('MESSAGE', connectionId);
    const second = await sdk.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(second.LastActiveAt?.getTime()).toBeGreaterThan(first.LastActiveAt?.getTime() as number);
    expect(second.ConnectedAt?.getTime()).toBe(first.ConnectedAt?.getTime());
  });
});

describe('DeleteConnection', () => {
  it('closes the socket and delivers $disconnect; the ID is gone afterwards', async () => {
    const { recorder, gateway, sdk } = await setup();
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    const result = await sdk.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    expect(result.$metadata.httpStatusCode).toBe(204);
    const closed = await client.waitClose();
    expect(closed.code).toBeGreaterThanOrEqual(1000);
    const event = await recorder.waitForType('DISCONNECT', connectionId);
    expect(event.requestContext.disconnectStatusCode).toBe(closed.code);
    expect(event.requestContext.disconnectReason).toMatch(/\S/);

    const error = await rejectionOf(sdk.send(new GetConnectionCommand({ ConnectionId: connectionId })));
    expect(error).toBeInstanceOf(GoneException);
  });
});

describe('errors', () => {
  it('an unknown ID is the SDK GoneException (410) for Post, Get and Delete', async () => {
    const { sdk } = await setup();
    for (const command of [
      new PostToConnectionCommand({
        ConnectionId: 'bm90LWEtcmVhbC1pZA=',
        Data: new TextEncoder().encode('x'),
      }),
      new GetConnectionCommand({ ConnectionId: 'bm90LWEtcmVhbC1pZA=' }),
      new DeleteConnectionCommand({ ConnectionId: 'a+b/c=' }),
    ]) {
      // biome-ignore lint/suspicious/noExplicitAny: one loop over three command types
      const error = await rejectionOf(sdk.send(command as any));
      expect(error).toBeInstanceOf(GoneException);
      expect(error.name).toBe('GoneException');
      expect(error.$metadata?.httpStatusCode).toBe(410);
    }
  });

  it('a closed connection is gone', async () => {
    const { recorder, gateway, sdk } = await setup();
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    client.ws.close(1000);
    await recorder.waitForType('DISCONNECT', connectionId);
    const error = await rejectionOf(
      sdk.send(
        new PostToConnectionCommand({ ConnectionId: connectionId, Data: new TextEncoder().encode('late') }),
      ),
    );
    expect(error).toBeInstanceOf(GoneException);
  });

  it('another stage in the endpoint is ForbiddenException (403)', async () => {
    const { recorder, gateway } = await setup();
    const { connectionId } = await openRecorded(harness, gateway, recorder);
    const wrong = sdkFor(`http://127.0.0.1:${gateway.port}/prod`);
    const error = await rejectionOf(wrong.send(new GetConnectionCommand({ ConnectionId: connectionId })));
    expect(error).toBeInstanceOf(ForbiddenException);
    expect(error.$metadata?.httpStatusCode).toBe(403);
  });
});

describe('context.send from an aws-framework webSocketLambda handler', () => {
  beforeEach(() => {
    // With no configuration: the endpoint must come from the event the gateway built.
    vi.stubEnv('WEBSOCKET_MANAGEMENT_ENDPOINT', undefined);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  async function echoGateway(): Promise<LocalGateway> {
    const handler = webSocketLambda(async (event, context) => {
      if (context.eventType !== 'MESSAGE') return;
      await context.send(context.connectionId, { echo: event.body, from: context.connectionId });
    });
    return harness.start({ handler });
  }

  it('reaches its own client with no endpoint configured', async () => {
    const gateway = await echoGateway();
    const client = await harness.open(gateway.url);
    await client.send('{"action":"say","text":"hi"}');
    const reply = await client.nextJson<{ echo: unknown; from: string }>();
    expect(reply.echo).toEqual({ action: 'say', text: 'hi' });
    expect(reply.from).toMatch(/^\S+$/);
  });

  it('works from two gateways in one process, each to its own clients', async () => {
    const first = await echoGateway();
    const second = await echoGateway();
    const a = await harness.open(first.url);
    const b = await harness.open(second.url);
    await a.send('{"n":1}');
    await b.send('{"n":2}');
    expect((await a.nextJson<{ echo: unknown }>()).echo).toEqual({ n: 1 });
    expect((await b.nextJson<{ echo: unknown }>()).echo).toEqual({ n: 2 });
  });
});
