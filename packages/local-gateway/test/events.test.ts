import { resolveEndpoint, type WebSocketEvent } from 'aws-framework';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openRecorded, Recorder, useGateways, waitUntil } from './helpers.js';

const harness = useGateways();

const REQUEST_TIME =
  /^\d{2}\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/;
const USER_AGENT = 'local-gateway-tests/1.0';
/** API Gateway's connection, request and message IDs: "JC1dgf9yoAMCK-g=". */
const AWS_ID = /^[A-Za-z0-9_-]{15}=$/;

function expectCommonContext(
  event: WebSocketEvent<string>,
  port: number,
  stage: string,
  connectionId: string,
) {
  const rc = event.requestContext;
  expect(rc.messageDirection).toBe('IN');
  expect(rc.requestId).toMatch(AWS_ID);
  expect(rc.extendedRequestId).toBe(rc.requestId);
  expect(rc.requestTime).toMatch(REQUEST_TIME);
  expect(rc.requestTimeEpoch).toBeGreaterThan(Date.now() - 10_000);
  expect(rc.requestTimeEpoch).toBeLessThanOrEqual(Date.now());
  // requestTime and requestTimeEpoch tell the same second.
  const d = new Date(rc.requestTimeEpoch);
  expect(rc.requestTime.slice(0, 2)).toBe(String(d.getUTCDate()).padStart(2, '0'));
  expect(rc.requestTime.slice(-14, -6)).toBe(d.toISOString().slice(11, 19));
  expect(rc.connectedAt).toBeGreaterThan(Date.now() - 10_000);
  expect(rc.connectedAt).toBeLessThanOrEqual(rc.requestTimeEpoch);
  expect(rc.stage).toBe(stage);
  expect(rc.domainName).toBe(`127.0.0.1:${port}`);
  expect(rc.apiId).toMatch(/^[a-z0-9]+$/);
  expect(rc.connectionId).toBe(connectionId);
  expect(rc.identity.sourceIp).toBe('127.0.0.1');
  expect(rc.identity.userAgent).toBe(USER_AGENT);
}

describe('event shapes', () => {
  beforeEach(() => {
    // resolveEndpoint would prefer this variable over the event.
    vi.stubEnv('WEBSOCKET_MANAGEMENT_ENDPOINT', undefined);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('CONNECT, MESSAGE and DISCONNECT carry every requestContext field with real values', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler, stage: 'dev' });
    const { client, connectionId, connect } = await openRecorded(harness, gateway, recorder, {
      headers: { 'User-Agent': USER_AGENT },
    });

    await client.send('{"action":"hello","n":1}');
    const message = await recorder.waitForType('MESSAGE', connectionId);
    client.ws.close(1000);
    const disconnect = await recorder.waitForType('DISCONNECT', connectionId);

    expectCommonContext(connect, gateway.port, 'dev', connectionId);
    expect(connect.requestContext).toMatchObject({ routeKey: '$connect', eventType: 'CONNECT' });
    expect(connect.requestContext.messageId).toBeUndefined();

    expectCommonContext(message, gateway.port, 'dev', connectionId);
    expect(message.requestContext).toMatchObject({ routeKey: 'hello', eventType: 'MESSAGE' });
    expect(message.requestContext.messageId).toMatch(AWS_ID);
    expect(connectionId).toMatch(AWS_ID);
    expect(message.body).toBe('{"action":"hello","n":1}');
    expect(message.isBase64Encoded).toBe(false);

    expectCommonContext(disconnect, gateway.port, 'dev', connectionId);
    expect(disconnect.requestContext).toMatchObject({ routeKey: '$disconnect', eventType: 'DISCONNECT' });
    expect(disconnect.requestContext.messageId).toBeUndefined();
    expect(disconnect.requestContext.disconnectStatusCode).toBe(1000);
    expect(disconnect.requestContext.disconnectReason).toEqual(expect.any(String));

    // The connection's facts are the same in every event of it.
    for (const event of [message, disconnect]) {
      expect(event.requestContext.connectedAt).toBe(connect.requestContext.connectedAt);
      expect(event.requestContext.apiId).toBe(connect.requestContext.apiId);
    }
    const requestIds = [connect, message, disconnect].map((e) => e.requestContext.requestId);
    expect(new Set(requestIds).size).toBe(3);
  });

  it('gives every message its own requestId and messageId', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    for (let i = 0; i < 5; i++) await client.send(`m${i}`);
    await waitUntil(() => recorder.ofType('MESSAGE').length === 5, 'five MESSAGE events');
    const messages = recorder.ofType('MESSAGE');
    expect(new Set(messages.map((e) => e.requestContext.requestId)).size).toBe(5);
    expect(new Set(messages.map((e) => e.requestContext.messageId)).size).toBe(5);
    expect(messages.every((e) => e.requestContext.extendedRequestId === e.requestContext.requestId)).toBe(
      true,
    );
    expect(messages.every((e) => e.requestContext.connectionId === connectionId)).toBe(true);
    expect(messages.map((e) => e.body).sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('gives each connection its own ID and connectedAt', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const a = await openRecorded(harness, gateway, recorder);
    const b = await openRecorded(harness, gateway, recorder);
    expect(a.connectionId).not.toBe(b.connectionId);
    expect(b.connect.requestContext.connectedAt).toBeGreaterThanOrEqual(a.connect.requestContext.connectedAt);
    // One API: the same apiId for both.
    expect(a.connect.requestContext.apiId).toBe(b.connect.requestContext.apiId);
  });

  it('resolveEndpoint from aws-framework finds the gateway endpoint with no configuration', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler, stage: 'beta' });
    const { client, connectionId, connect } = await openRecorded(harness, gateway, recorder);
    await client.send('x');
    const message = await recorder.waitForType('MESSAGE', connectionId);
    expect(resolveEndpoint(connect)).toBe(gateway.endpoint);
    expect(resolveEndpoint(message)).toBe(gateway.endpoint);
  });

  it('text frames arrive as the body string, never base64', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    await client.send('héllo ✓');
    const text = await recorder.waitForType('MESSAGE', connectionId);
    expect(text.body).toBe('héllo ✓');
    expect(text.isBase64Encoded).toBe(false);
  });

  it('an empty text frame arrives as an empty body', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    await client.send('');
    const message = await recorder.waitForType('MESSAGE', connectionId);
    expect(message.body).toBe('');
    expect(message.requestContext.routeKey).toBe('$default');
  });

  it('reports no userAgent when the client sends none', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { connect } = await openRecorded(harness, gateway, recorder);
    expect(connect.headers?.['User-Agent']).toBeUndefined();
    expect(connect.requestContext.identity.userAgent ?? null).toBeNull();
  });
});
