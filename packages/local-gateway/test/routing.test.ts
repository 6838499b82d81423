import { describe, expect, it } from 'vitest';
import { openRecorded, Recorder, useGateways } from './helpers.js';

const harness = useGateways();

/** A routes table whose every handler records into `recorder` and answers with its own route key. */
function routeTable(recorder: Recorder, keys: string[]) {
  return Object.fromEntries(keys.map((key) => [key, recorder.handler]));
}

describe('route selection', () => {
  async function routedGateway(keys: string[], routeSelectionExpression?: string) {
    const recorder = new Recorder((event) =>
      event.requestContext.eventType === 'MESSAGE'
        ? { statusCode: 200, body: event.requestContext.routeKey }
        : undefined,
    );
    const gateway = await harness.start({
      routes: routeTable(recorder, keys),
      routeResponses: true,
      ...(routeSelectionExpression ? { routeSelectionExpression } : {}),
    });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    /** Sends `body` and resolves with the route key the handler saw (echoed by the route response). */
    const routeOf = async (body: string) => {
      const before = recorder.ofType('MESSAGE').length;
      await client.send(body);
      const echoed = (await client.next()).text;
      const seen = recorder.ofType('MESSAGE')[before]?.requestContext.routeKey;
      expect(seen).toBe(echoed);
      return seen;
    };
    return { gateway, recorder, client, connectionId, routeOf };
  }

  it('routes on $request.body.action by default', async () => {
    const { routeOf } = await routedGateway(['$connect', '$default', 'sendMessage', 'join']);
    expect(await routeOf('{"action":"sendMessage","text":"hi"}')).toBe('sendMessage');
    expect(await routeOf('{"action":"join"}')).toBe('join');
  });

  it('sends bodies that are not JSON, lack the key or name an unknown route to $default', async () => {
    const { routeOf } = await routedGateway(['$connect', '$default', 'sendMessage']);
    expect(await routeOf('hello there')).toBe('$default');
    expect(await routeOf('{"action":')).toBe('$default');
    expect(await routeOf('{"text":"no action"}')).toBe('$default');
    expect(await routeOf('{"action":"nope"}')).toBe('$default');
    expect(await routeOf('{"action":42}')).toBe('$default');
    expect(await routeOf('["sendMessage"]')).toBe('$default');
    expect(await routeOf('"sendMessage"')).toBe('$default');
    expect(await routeOf('{"Action":"sendMessage"}')).toBe('$default');
  });

  it('follows a nested selection expression such as $request.body.meta.type', async () => {
    const { routeOf } = await routedGateway(
      ['$connect', '$default', 'ping', 'action'],
      '$request.body.meta.type',
    );
    expect(await routeOf('{"meta":{"type":"ping"}}')).toBe('ping');
    expect(await routeOf('{"action":"ping"}')).toBe('$default');
    expect(await routeOf('{"meta":{"kind":"ping"}}')).toBe('$default');
    expect(await routeOf('{"meta":"ping"}')).toBe('$default');
    expect(await routeOf('{"meta":null}')).toBe('$default');
  });

  it('uses a custom top-level key', async () => {
    const { routeOf } = await routedGateway(['$connect', '$default', 'chat'], '$request.body.op');
    expect(await routeOf('{"op":"chat"}')).toBe('chat');
    expect(await routeOf('{"action":"chat"}')).toBe('$default');
  });

  it('with no $default, an unrouted message gets Forbidden with its connection and request IDs', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({
      routes: { $connect: recorder.handler, sendMessage: recorder.handler },
    });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    await client.send('{"action":"unknown"}');
    const first = await client.nextJson();
    expect(first).toEqual({ message: 'Forbidden', connectionId, requestId: expect.any(String) });
    expect(first.requestId).not.toBe('');

    await client.send('not json');
    const second = await client.nextJson();
    expect(second).toEqual({ message: 'Forbidden', connectionId, requestId: expect.any(String) });
    expect(second.requestId).not.toBe(first.requestId);

    // The known route still works, and no handler saw the unrouted messages.
    expect(recorder.ofType('MESSAGE')).toHaveLength(0);
    await client.send('{"action":"sendMessage"}');
    const routed = await recorder.waitForType('MESSAGE', connectionId);
    expect(routed.requestContext.routeKey).toBe('sendMessage');
  });

  it('in handler mode every message reaches the one handler with the selected route key', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    await client.send('{"action":"anything"}');
    const routed = await recorder.waitForType('MESSAGE', connectionId);
    expect(routed.requestContext.routeKey).toBe('anything');
    await client.send('plain text');
    await recorder.waitFor((e) => e.body === 'plain text', 'the plain-text message');
    expect(recorder.ofType('MESSAGE').map((e) => e.requestContext.routeKey)).toEqual([
      'anything',
      '$default',
    ]);
    // No Forbidden in handler mode.
    expect(client.pending).toBe(0);
  });

  // AWS: "Working with binary media types for WebSocket APIs": a binary frame disconnects the
  // client with 1003 and no route runs.
  it('a binary frame closes the connection with 1003; no route runs and $disconnect says 1003', async () => {
    const { client, recorder } = await routedGateway(['$connect', '$disconnect', '$default', 'sendMessage']);
    await client.send(Buffer.from('{"action":"sendMessage"}'));
    expect((await client.waitClose()).code).toBe(1003);
    const disconnect = await recorder.waitForType('DISCONNECT');
    expect(disconnect.requestContext.disconnectStatusCode).toBe(1003);
    expect(recorder.ofType('MESSAGE')).toHaveLength(0);
  });

  // On API Gateway $connect and $disconnect run only when a connection opens or closes; a message
  // naming them must not let a client re-run its own $disconnect (deleting its record) at will.
  it('a message cannot select the $connect or $disconnect lifecycle routes', async () => {
    const { routeOf } = await routedGateway(['$connect', '$disconnect', '$default', 'sendMessage']);
    expect(await routeOf('{"action":"$disconnect"}')).toBe('$default');
    expect(await routeOf('{"action":"$connect"}')).toBe('$default');
  });

  // Same bug in handler mode: aws-framework's routes() dispatches on routeKey, so a message with
  // action "$disconnect" runs the app's $disconnect route for a live connection.
  it('in handler mode a message never carries a lifecycle route key', async () => {
    const recorder = new Recorder();
    const gateway = await harness.start({ handler: recorder.handler });
    const { client, connectionId } = await openRecorded(harness, gateway, recorder);
    await client.send('{"action":"$disconnect"}');
    const message = await recorder.waitForType('MESSAGE', connectionId);
    expect(message.requestContext.routeKey).toBe('$default');
  });
});
