import {
  type Client,
  type ClientError,
  type ClientRequestError,
  type ClientStatus,
  createClient,
} from 'aws-framework/client';
import { defineContract } from 'aws-framework/contract';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

const chat = defineContract({
  actions: {
    join: z.object({ room: z.string() }),
    say: z.object({ text: z.string(), times: z.number().default(1) }),
  },
  events: {
    message: z.object({ from: z.string(), text: z.string() }),
    left: z.object({ who: z.string() }),
  },
  replies: { join: z.object({ members: z.number() }) },
});

const client = createClient(chat, { url: 'wss://example.com/prod' });

describe('createClient', () => {
  it('returns a client typed by the contract', () => {
    expectTypeOf(client).toEqualTypeOf<Client<typeof chat>>();
    expectTypeOf(client.status).toEqualTypeOf<ClientStatus>();
    expectTypeOf<ClientStatus>().toEqualTypeOf<'connecting' | 'open' | 'reconnecting' | 'closed'>();
  });

  it('takes a url string, or a function returning one or a promise of one', () => {
    createClient(chat, { url: () => 'wss://example.com/prod' });
    createClient(chat, { url: async () => 'wss://example.com/prod?token=t', reconnect: false });
    // @ts-expect-error a URL object is not a string
    createClient(chat, { url: new URL('wss://example.com') });
    // @ts-expect-error an unknown option
    createClient(chat, { url: 'wss://example.com', retries: 3 });
  });
});

describe('send and request', () => {
  it("take each action's payload as its schema's input type", () => {
    client.send('join', { room: 'red' });
    // `times` has a default: optional in the input.
    client.send('say', { text: 'hi' });
    client.send('say', { text: 'hi', times: 2 });
    expectTypeOf(client.send<'say'>)
      .parameter(1)
      .toEqualTypeOf<{ text: string; times?: number | undefined }>();
  });

  it('refuse a wrong payload, a missing one, and an unknown action', () => {
    // @ts-expect-error room must be a string
    client.send('join', { room: 1 });
    // @ts-expect-error text is missing
    client.send('say', { times: 2 });
    // @ts-expect-error no payload
    client.send('join');
    // @ts-expect-error not an action of the contract
    client.send('leave', { room: 'red' });
    // @ts-expect-error the payload of another action
    void client.request('join', { text: 'hi' });
  });

  it("resolve a request with its reply schema's output type, unknown when the contract declares none", () => {
    expectTypeOf(client.request('join', { room: 'red' })).toEqualTypeOf<Promise<{ members: number }>>();
    expectTypeOf(client.request('say', { text: 'hi' })).toEqualTypeOf<Promise<unknown>>();
    void client.request('join', { room: 'red' }, { timeoutMs: 1_000 });
    // @ts-expect-error an unknown request option
    void client.request('join', { room: 'red' }, { retries: 1 });
  });
});

describe('on and onStatus', () => {
  it("give each event's listener its schema's payload type, and return the unsubscribe function", () => {
    const off = client.on('message', (payload) => {
      expectTypeOf(payload).toEqualTypeOf<{ from: string; text: string }>();
    });
    expectTypeOf(off).toEqualTypeOf<() => void>();
    client.on('left', ({ who }) => expectTypeOf(who).toEqualTypeOf<string>());
    // @ts-expect-error not an event of the contract
    client.on('joined', () => {});
    // @ts-expect-error the payload of `message` has no `who`
    client.on('message', ({ who }: { who: string }) => who);
  });

  it('tells the status and, for reconnecting and closed, the ClientError why', () => {
    client.onStatus((status, error) => {
      expectTypeOf(status).toEqualTypeOf<ClientStatus>();
      expectTypeOf(error).toEqualTypeOf<ClientError | undefined>();
      if (error) expectTypeOf(error.code).toEqualTypeOf<ClientError['code']>();
    });
  });
});

describe('the errors', () => {
  it('carry a code, or a status, message and issues', () => {
    expectTypeOf<ClientError['code']>().toEqualTypeOf<
      'frame-too-large' | 'queue-full' | 'timeout' | 'connection-lost' | 'refused' | 'closed'
    >();
    expectTypeOf<ClientRequestError['status']>().toEqualTypeOf<number>();
    expectTypeOf<ClientRequestError['message']>().toEqualTypeOf<string>();
    expectTypeOf<ClientRequestError['issues']>().toEqualTypeOf<
      { path: (string | number)[]; message: string }[] | undefined
    >();
  });
});
