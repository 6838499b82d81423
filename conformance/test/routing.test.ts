// Messages: route selection by `action`, `$default`, the Forbidden frame without it, route
// responses, and the error frame of a failing integration.
import { describe, expect, it } from 'vitest';
import type { EchoReply } from '../handlers/handler.js';
import { ID, sleep, useTarget, WAIT_MS, withNoDefaultApi } from './support.js';

const conformance = useTarget();

/** How long the suite waits to be sure something does not arrive (a deployed stage answers in well under it). */
const QUIET_MS = 1_000;

describe('route selection', () => {
  it('runs the route the action names, with the message and its requestContext', async () => {
    const client = await conformance.open(conformance.target.url);
    const connectionId = await client.connectionId();
    const body = JSON.stringify({ action: 'echo', text: 'héllo ✓' });
    await client.send(body);
    const reply = await client.nextJson<EchoReply>();

    const url = new URL(conformance.target.url);
    expect(reply).toMatchObject({
      body,
      routeKey: 'echo',
      eventType: 'MESSAGE',
      messageDirection: 'IN',
      connectionId,
      // The stage is the URL's path, and domainName its host (execute-api, or host:port locally).
      stage: url.pathname.slice(1),
      domainName: url.host,
    });
    expect(reply.isBase64Encoded).toBe(false);
    expect(reply.apiId).toEqual(expect.any(String));
  });

  it('gives every message its own request and message IDs, 15 URL-safe characters and =', async () => {
    const client = await conformance.open(conformance.target.url);
    const first = await client.ask<EchoReply>('echo');
    const second = await client.ask<EchoReply>('echo');
    for (const reply of [first, second]) {
      expect(reply.requestId).toMatch(ID);
      expect(reply.messageId).toMatch(ID);
      expect(reply.extendedRequestId).toBe(reply.requestId);
    }
    expect(second.requestId).not.toBe(first.requestId);
    expect(second.messageId).not.toBe(first.messageId);
  });

  it('sends an action no route declares to $default', async () => {
    const client = await conformance.open(conformance.target.url);
    const body = JSON.stringify({ action: 'noSuchRoute', n: 1 });
    await client.send(body);
    expect(await client.nextJson()).toEqual({ routeKey: '$default', body });
  });

  it('sends a body that is not JSON to $default', async () => {
    const client = await conformance.open(conformance.target.url);
    await client.send('plain text, not JSON');
    expect(await client.nextJson()).toEqual({ routeKey: '$default', body: 'plain text, not JSON' });
  });

  it('sends JSON without the action key to $default', async () => {
    const client = await conformance.open(conformance.target.url);
    const body = JSON.stringify({ message: 'no action here' });
    await client.send(body);
    expect(await client.nextJson()).toEqual({ routeKey: '$default', body });
  });

  withNoDefaultApi(
    'answers a message no route takes with the Forbidden frame when the API has no $default',
    async () => {
      const url = conformance.target.noDefaultUrl;
      if (!url) throw new Error('no API without $default');
      const client = await conformance.open(url);
      const connectionId = await client.connectionId();
      for (const message of [JSON.stringify({ action: 'noSuchRoute' }), 'not JSON']) {
        await client.send(message);
        const frame = await client.nextJson<{ message: string; connectionId: string; requestId: string }>();
        expect(Object.keys(frame).sort()).toEqual(['connectionId', 'message', 'requestId']);
        expect(frame).toMatchObject({ message: 'Forbidden', connectionId });
        expect(frame.requestId).toMatch(ID);
      }
      // The connection stays open.
      expect(await client.connectionId()).toBe(connectionId);
    },
  );
});

describe('route responses', () => {
  it("send the route's returned body back to the client as one text frame", async () => {
    const client = await conformance.open(conformance.target.url);
    await client.send(JSON.stringify({ action: 'whoami' }));
    const message = await client.next();
    expect(message.isBinary).toBe(false);
    expect(JSON.parse(message.text)).toEqual({ connectionId: expect.stringMatching(ID) });
  });

  it('send nothing back from a route without one, whatever its handler returns', async () => {
    const client = await conformance.open(conformance.target.url);
    await client.send(JSON.stringify({ action: 'silent' }));
    const connectionId = await client.connectionId();
    expect(connectionId).toMatch(ID);
    await sleep(QUIET_MS);
    expect(client.history.map((m) => m.text)).toEqual([JSON.stringify({ connectionId })]);
  });
});

describe('integration errors', () => {
  it('send the error frame {message, connectionId, requestId} when the route Lambda throws', async () => {
    const client = await conformance.open(conformance.target.url);
    const connectionId = await client.connectionId();
    await client.send(JSON.stringify({ action: 'fail' }));
    const frame = await client.nextJson<{ message: string; connectionId: string; requestId: string }>(
      WAIT_MS,
    );
    expect(Object.keys(frame).sort()).toEqual(['connectionId', 'message', 'requestId']);
    expect(frame).toMatchObject({ message: 'Internal server error', connectionId });
    expect(frame.requestId).toMatch(ID);
    // The connection is served on.
    expect(await client.connectionId()).toBe(connectionId);
  });
});
