// The @connections management API through the real SDK client: POST, GET, DELETE, and their errors.
import { isIP } from 'node:net';
import {
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { describe, expect, it } from 'vitest';
import { rejectionOf, sleep, useTarget, WAIT_MS } from './support.js';

const conformance = useTarget();

/** API Gateway's largest message, either way. */
const MESSAGE_LIMIT = 131_072;

const bytes = (text: string) => new TextEncoder().encode(text);

type ServiceError = Error & { $metadata?: { httpStatusCode?: number } };

async function openWithId() {
  const client = await conformance.open(conformance.target.url, {
    headers: { 'User-Agent': 'aws-framework-conformance/1' },
  });
  return { client, connectionId: await client.connectionId() };
}

describe('PostToConnection', () => {
  it('delivers the data to the client as a text frame', async () => {
    const { client, connectionId } = await openWithId();
    const result = await conformance
      .sdk()
      .send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: bytes('{"pushed":"✓"}') }));
    expect(result.$metadata.httpStatusCode).toBe(200);
    const message = await client.next();
    expect(message.isBinary).toBe(false);
    expect(message.text).toBe('{"pushed":"✓"}');
  });

  it('delivers a push over 32 KB whole, as one message', async () => {
    const { client, connectionId } = await openWithId();
    const data = JSON.stringify({ pushed: 'y'.repeat(100 * 1024) });
    await conformance
      .sdk()
      .send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: bytes(data) }));
    const message = await client.next();
    expect(message.bytes.length).toBe(data.length);
    expect(message.text).toBe(data);
    await sleep(200);
    expect(client.history).toHaveLength(2);
  });

  it('answers 413 PayloadTooLargeException over 128 KB, and delivers nothing', async () => {
    const { client, connectionId } = await openWithId();
    const error = await rejectionOf<ServiceError>(
      conformance.sdk().send(
        new PostToConnectionCommand({
          ConnectionId: connectionId,
          Data: new Uint8Array(MESSAGE_LIMIT + 1).fill(0x61),
        }),
      ),
      'a POST of 128 KB + 1',
    );
    expect(error).toBeInstanceOf(PayloadTooLargeException);
    expect(error.$metadata?.httpStatusCode).toBe(413);
    // The connection is still there, and got nothing but its whoami answer.
    await conformance
      .sdk()
      .send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: bytes('after') }));
    expect((await client.next()).text).toBe('after');
    expect(client.history).toHaveLength(2);
  });
});

describe('GetConnection', () => {
  it('answers connectedAt, lastActiveAt and the identity the client connected with', async () => {
    const before = Date.now();
    const { connectionId } = await openWithId();
    const info = await conformance.sdk().send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(info.$metadata.httpStatusCode).toBe(200);
    expect(info.ConnectedAt).toBeInstanceOf(Date);
    expect(info.LastActiveAt).toBeInstanceOf(Date);
    // Clocks of this machine and AWS's may differ a little; a minute is plenty.
    expect(Math.abs(info.ConnectedAt!.getTime() - before)).toBeLessThan(60_000);
    expect(info.LastActiveAt!.getTime()).toBeGreaterThanOrEqual(info.ConnectedAt!.getTime());
    expect(isIP(info.Identity?.SourceIp ?? '')).not.toBe(0);
    expect(info.Identity?.UserAgent).toBe('aws-framework-conformance/1');
  });
});

describe('DeleteConnection', () => {
  it('closes the client with 1000', async () => {
    const { client, connectionId } = await openWithId();
    const result = await conformance.sdk().send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    expect(result.$metadata.httpStatusCode).toBe(204);
    expect((await client.waitClose()).code).toBe(1000);
  });
});

describe('a connection that is gone', () => {
  it('answers 410 GoneException to POST, GET and DELETE', async () => {
    const { client, connectionId } = await openWithId();
    client.ws.close(1000);
    await client.waitClose();
    const sdk = conformance.sdk();
    /** The POST's error, or undefined when it still succeeded. */
    const post = () =>
      sdk.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: bytes('late') })).then(
        () => undefined,
        (error: unknown) => error as ServiceError,
      );

    // A deployed stage may take a moment to forget the connection; the first 410 settles it.
    const deadline = Date.now() + WAIT_MS;
    let error = await post();
    while (!(error instanceof GoneException) && Date.now() < deadline) {
      await sleep(250);
      error = await post();
    }
    expect(error).toBeInstanceOf(GoneException);
    expect(error?.$metadata?.httpStatusCode).toBe(410);

    const get = await rejectionOf<ServiceError>(
      sdk.send(new GetConnectionCommand({ ConnectionId: connectionId })),
      'a GET of a closed connection',
    );
    expect(get).toBeInstanceOf(GoneException);
    expect(get.$metadata?.httpStatusCode).toBe(410);
    const del = await rejectionOf<ServiceError>(
      sdk.send(new DeleteConnectionCommand({ ConnectionId: connectionId })),
      'a DELETE of a closed connection',
    );
    expect(del).toBeInstanceOf(GoneException);
    expect(del.$metadata?.httpStatusCode).toBe(410);
  });
});
