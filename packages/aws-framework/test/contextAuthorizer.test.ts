import { routes, type WebSocketContext, webSocketLambda } from 'aws-framework';
import {
  createConnectEvent,
  createDisconnectEvent,
  createLambdaContext,
  createMessageEvent,
} from 'aws-framework/testing';
import { describe, expect, it, vi } from 'vitest';

type Identity = { name: string; admin: string };

// What API Gateway puts in requestContext.authorizer after a $connect authorizer allowed
// { principalId, context }: the principal, the context values, and its own integrationLatency.
const authorizer = { principalId: 'user-1', name: 'Ana', admin: 'false', integrationLatency: 41 };

describe('context.authorizer', () => {
  it.each([
    ['$connect', () => createConnectEvent({ requestContext: { authorizer } })],
    ['a message', () => createMessageEvent({ action: 'say' }, { requestContext: { authorizer } })],
    ['$disconnect', () => createDisconnectEvent({ requestContext: { authorizer } })],
  ])('is the event’s requestContext.authorizer, as is, on %s', async (_, build) => {
    const seen: unknown[] = [];
    const handler = webSocketLambda<unknown, Identity>((event, context) => {
      seen.push(context.authorizer, event.requestContext.authorizer);
    });

    const event = build();
    await handler(event, createLambdaContext());

    expect(seen).toEqual([authorizer, authorizer]);
    expect(seen[0]).toBe(event.requestContext.authorizer);
  });

  it('is undefined when the event carries none (no authorizer on the API)', async () => {
    const contexts: WebSocketContext[] = [];
    const handler = webSocketLambda((_event, context) => {
      contexts.push(context);
    });

    await handler(createMessageEvent({ action: 'say' }), createLambdaContext());

    expect(contexts[0]?.authorizer).toBeUndefined();
  });

  it('reaches every route of a routes() table', async () => {
    const say = vi.fn((_event: unknown, context: WebSocketContext<Identity>) => {
      expect(context.authorizer.name).toBe('Ana');
      return { statusCode: 200, body: { hello: context.authorizer.principalId } };
    });
    const handler = webSocketLambda(routes<Identity>({ say }));

    const result = await handler(
      createMessageEvent({ action: 'say' }, { requestContext: { authorizer } }),
      createLambdaContext(),
    );

    expect(say).toHaveBeenCalledTimes(1);
    expect(result).toEqual({ statusCode: 200, body: '{"hello":"user-1"}' });
  });

  it('belongs to its own invocation when invocations overlap and share a Lambda context', async () => {
    const lambdaContext = createLambdaContext();
    const handler = webSocketLambda<unknown, Identity>(async (event, context) => {
      await new Promise((resolve) =>
        setTimeout(resolve, event.requestContext.authorizer.name === 'A' ? 20 : 0),
      );
      return { statusCode: 200, body: context.authorizer.name };
    });
    const eventFor = (name: string) =>
      createMessageEvent({ action: 'say' }, { requestContext: { authorizer: { principalId: name, name } } });

    const results = await Promise.all([
      handler(eventFor('A'), { ...lambdaContext }),
      handler(eventFor('B'), { ...lambdaContext }),
    ]);

    expect(results.map((result) => result.body)).toEqual(['A', 'B']);
  });
});
