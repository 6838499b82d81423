import { WebSocketLambda, type WebSocketResponse, webSocketLambda } from 'aws-framework';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useGateways } from './helpers.js';

const harness = useGateways();

beforeEach(() => {
  // A developer's shell must not redirect sends or make the gateway look like AWS to the signer.
  for (const key of ['WEBSOCKET_MANAGEMENT_ENDPOINT', 'AWS_ACCESS_KEY_ID', 'AWS_PROFILE'])
    vi.stubEnv(key, undefined);
  return () => vi.unstubAllEnvs();
});

class Echo extends WebSocketLambda {
  protected async processWebSocket(event: APIGatewayProxyEvent): Promise<WebSocketResponse> {
    if (event.requestContext.eventType === 'MESSAGE') {
      await this.sendMessage(event.requestContext.connectionId as string, { classEcho: event.body });
      await this.broadcast([event.requestContext.connectionId as string], 'and to everyone');
    }
    return { statusCode: 200 };
  }
}

describe.each(['sdk', 'direct'] as const)(
  'transport %s through webSocketLambda and the class adapter',
  (transport) => {
    it('context.send and context.broadcast reach the client', async () => {
      const handler = webSocketLambda(
        async (event, context) => {
          if (context.eventType !== 'MESSAGE') return;
          await context.send(context.connectionId, { echo: event.body });
          const report = await context.broadcast([context.connectionId], 'to all');
          await context.send(context.connectionId, { sent: report.sent });
        },
        { transport, logger: false },
      );
      const gateway = await harness.start({ handler });
      const client = await harness.open(gateway.url);
      await client.send('{"n":1}');
      expect(await client.nextJson()).toEqual({ echo: { n: 1 } });
      expect((await client.next()).text).toBe('to all');
      expect(await client.nextJson()).toEqual({ sent: 1 });
    });

    it('the class adapter sends with the transport it was built with', async () => {
      const gateway = await harness.start({ handler: new Echo({ transport, logger: false }).handler });
      const client = await harness.open(gateway.url);
      await client.send('hi');
      expect(await client.nextJson()).toEqual({ classEcho: 'hi' });
      expect((await client.next()).text).toBe('and to everyone');
    });
  },
);

describe('transport and class options are checked where they are given', () => {
  it.each([
    [() => webSocketLambda(async () => undefined, { transport: 'http' as never }), /transport/],
    [() => new Echo({ transport: 'fast' as never }), /transport/],
    [() => new Echo({ logger: 42 as never }), /logger/],
    [() => new Echo({ bogus: true } as never), /bogus/],
  ])('%#: a TypeError naming the option', (build, message) => {
    expect(build).toThrow(TypeError);
    expect(build).toThrow(message);
  });
});
