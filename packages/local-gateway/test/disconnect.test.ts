import { describe, expect, it } from 'vitest';
import { openRecorded, Recorder, sendInFrames, sleep, useGateways } from './helpers.js';

const harness = useGateways();

/** 128 KB, API Gateway's limit for one message. */
const LIMIT = 131_072;

describe('$disconnect', () => {
  it('is delivered when the client closes, with its code and reason', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    client.ws.close(4321, 'see you');
    const event = await recorder.waitForType('DISCONNECT', connectionId);
    expect(event.requestContext.routeKey).toBe('$disconnect');
    expect(event.requestContext.disconnectStatusCode).toBe(4321);
    expect(event.requestContext.disconnectReason).toBe('see you');
    expect((await client.waitClose()).code).toBe(4321);
  });

  it('is delivered with 1005 when the client closes without a code', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    client.ws.close();
    const event = await recorder.waitForType('DISCONNECT', connectionId);
    expect(event.requestContext.disconnectStatusCode).toBe(1005);
    expect(event.requestContext.disconnectReason).toMatch(/\S/);
  });

  it('is delivered when the client drops without a close frame', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    client.ws.terminate();
    const event = await recorder.waitForType('DISCONNECT', connectionId);
    expect(event.requestContext.disconnectStatusCode).toBe(1006);
    expect(event.requestContext.disconnectReason).toMatch(/\S/);
  });

  it('is delivered once per connection, to the $disconnect route in routes mode', async () => {
    const disconnects = new Recorder();
    const others = new Recorder();
    const gateway = await harness.start({
      routes: { $connect: others.handler, $default: others.handler, $disconnect: disconnects.handler },
    });
    const { client, connectionId } = await openRecorded(harness, gateway, others);
    await client.send('hello');
    await others.waitForType('MESSAGE', connectionId);
    client.ws.close(1000);
    await disconnects.waitForType('DISCONNECT', connectionId);
    await sleep(50);
    expect(disconnects.events).toHaveLength(1);
    expect(others.ofType('DISCONNECT')).toHaveLength(0);
  });

  it('on idle timeout: the client sees 1001 and $disconnect says why', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler, idleTimeoutMs: 200 });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    const opened = Date.now();
    const closed = await client.waitClose(2_000);
    expect(closed.code).toBe(1001);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(150);
    const event = await recorder.waitForType('DISCONNECT', connectionId);
    expect(event.requestContext.disconnectStatusCode).toBe(1001);
    expect(event.requestContext.disconnectReason).toBe('Going away');
  });

  it('client messages keep a connection from idling out', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler, idleTimeoutMs: 250 });
    const { client } = await openRecorded(harness, gateway, recorder);
    for (let i = 0; i < 6; i++) {
      await sleep(100);
      await client.send(`keepalive ${i}`);
    }
    // 600 ms after opening, well past the idle timeout, the connection is still open.
    expect(recorder.ofType('DISCONNECT')).toHaveLength(0);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    // And once quiet, it does idle out.
    expect((await client.waitClose(2_000)).code).toBe(1001);
  });

  it('messages pushed through the management API keep a connection from idling out, as on AWS', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler, idleTimeoutMs: 250 });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    const url = `${gateway.endpoint}/@connections/${encodeURIComponent(connectionId)}`;
    for (let i = 0; i < 6; i++) {
      await sleep(100);
      expect((await fetch(url, { method: 'POST', body: `push ${i}` })).status).toBe(200);
    }
    // 600 ms after opening, past the idle timeout, with only the server talking: still open.
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    expect(recorder.ofType('DISCONNECT')).toHaveLength(0);
    expect((await client.waitClose(2_000)).code).toBe(1001);
  });

  it('ping frames do not keep a connection from idling out', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler, idleTimeoutMs: 250 });
    const { client } = await openRecorded(harness, gateway, recorder);
    const opened = Date.now();
    const pinging = setInterval(() => {
      if (client.ws.readyState === client.ws.OPEN) client.ws.ping();
    }, 50);
    try {
      expect((await client.waitClose(2_000)).code).toBe(1001);
      expect(Date.now() - opened).toBeLessThan(1_000);
    } finally {
      clearInterval(pinging);
    }
  });

  it('at the maximum connection duration, even while active: 1001', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({
      handler: recorder.handler,
      idleTimeoutMs: 10_000,
      maxConnectionMs: 300,
    });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    const opened = Date.now();
    const keepBusy = setInterval(() => {
      if (client.ws.readyState === client.ws.OPEN) client.ws.send('busy');
    }, 40);
    try {
      const closed = await client.waitClose(2_000);
      expect(closed.code).toBe(1001);
      expect(Date.now() - opened).toBeGreaterThanOrEqual(250);
    } finally {
      clearInterval(keepBusy);
    }
    const event = await recorder.waitForType('DISCONNECT', connectionId);
    expect(event.requestContext.disconnectStatusCode).toBe(1001);
    expect(event.requestContext.disconnectReason).toBe('Going away');
  });

  it('a slow $disconnect does not hold up other connections', async () => {
    const recorder = new Recorder((event) => {
      if (event.requestContext.eventType === 'DISCONNECT') return sleep(300);
      return event.requestContext.eventType === 'MESSAGE' ? { statusCode: 200, body: 'pong' } : undefined;
    });
    const gateway = await harness.start({ handler: recorder.handler, routeResponses: true });
    const a = await openRecorded(harness, gateway, recorder);
    const b = await openRecorded(harness, gateway, recorder);
    a.client.ws.close(1000);
    await recorder.waitForType('DISCONNECT', a.connectionId);
    const started = Date.now();
    await b.client.send('ping');
    expect((await b.client.next()).text).toBe('pong');
    expect(Date.now() - started).toBeLessThan(250);
  });
});

describe('message size', () => {
  it('a message of exactly 128 KB, in frames of 32 KB, is delivered', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    await sendInFrames(client, 'a'.repeat(LIMIT), 32_768);
    const event = await recorder.waitForType('MESSAGE', connectionId);
    expect(event.body).toHaveLength(LIMIT);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });

  it('a message over 128 KB closes that connection with 1009; other connections are unaffected', async () => {
    const recorder = new Recorder((event) =>
      event.requestContext.eventType === 'MESSAGE' ? { statusCode: 200, body: 'still here' } : undefined,
    );
    const gateway = await harness.start({ handler: recorder.handler, routeResponses: true });
    const big = await openRecorded(harness, gateway, recorder);
    const other = await openRecorded(harness, gateway, recorder);

    big.client.ws.send('a'.repeat(LIMIT + 1));
    expect((await big.client.waitClose()).code).toBe(1009);
    const event = await recorder.waitForType('DISCONNECT', big.connectionId);
    expect(event.requestContext.disconnectStatusCode).toBe(1009);
    expect(event.requestContext.disconnectReason).toMatch(/\S/);
    // The oversized message never reached a handler.
    expect(recorder.ofType('MESSAGE')).toHaveLength(0);

    await other.client.send('ping');
    expect((await other.client.next()).text).toBe('still here');
    await sleep(20);
    expect(recorder.ofType('DISCONNECT').map((e) => e.requestContext.connectionId)).toEqual([
      big.connectionId,
    ]);
  });

  it('a message over 128 KB in frames of 32 KB closes with 1009 and runs no route', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    await sendInFrames(client, 'a'.repeat(LIMIT + 1), 32_768).catch(() => {});
    expect((await client.waitClose()).code).toBe(1009);
    const event = await recorder.waitForType('DISCONNECT', connectionId);
    expect(event.requestContext.disconnectStatusCode).toBe(1009);
    expect(recorder.ofType('MESSAGE')).toHaveLength(0);
  });

  it('a single frame over 32 KB closes with 1009 even under 128 KB, as a browser sending 40 KB meets', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    client.ws.send('a'.repeat(40_000));
    expect((await client.waitClose()).code).toBe(1009);
    const event = await recorder.waitForType('DISCONNECT', connectionId);
    expect(event.requestContext.disconnectStatusCode).toBe(1009);
    await sleep(50);
    expect(recorder.ofType('MESSAGE')).toHaveLength(0);
  });

  it('a frame of exactly 32 KB is accepted', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    await client.send('b'.repeat(32_768));
    const event = await recorder.waitForType('MESSAGE', connectionId);
    expect(event.body).toHaveLength(32_768);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });
});
