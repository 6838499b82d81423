import {
  type ActionEvent,
  type ActionHandler,
  type ContractContext,
  routes,
  type WebSocketAuthorizer,
  type WebSocketEvent,
  type WebSocketLambdaHandler,
  webSocketLambda,
} from 'aws-framework';
import {
  type ActionFrame,
  type ActionInput,
  type ActionName,
  type ActionOutput,
  type Contract,
  defineContract,
  type EventFrame,
  type EventInput,
  type EventName,
  type EventPayload,
  isEventFrame,
  isReplyFrame,
  type ReplyFrame,
  type ReplyOutput,
  type ValidationIssue,
  type ValidationResult,
  validate,
} from 'aws-framework/contract';
import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

const chat = defineContract({
  actions: {
    join: z.object({
      room: z.string(),
      since: z
        .string()
        .transform((s) => new Date(s))
        .optional(),
    }),
    say: v.object({ text: v.pipe(v.string(), v.maxLength(500)) }),
    leave: z.undefined(),
  },
  events: {
    message: z.object({ from: z.string(), text: z.string() }),
    joined: v.object({ room: v.string(), count: v.number() }),
  },
  replies: { join: z.object({ members: z.number() }) },
});
type Chat = typeof chat;

describe('defineContract and the contract types', () => {
  it('names the actions and events and types their payloads from the schemas (zod and valibot)', () => {
    expectTypeOf<ActionName<Chat>>().toEqualTypeOf<'join' | 'say' | 'leave'>();
    expectTypeOf<EventName<Chat>>().toEqualTypeOf<'message' | 'joined'>();
    expectTypeOf<ActionInput<Chat, 'join'>>().toEqualTypeOf<{ room: string; since?: string | undefined }>();
    expectTypeOf<ActionOutput<Chat, 'join'>>().toEqualTypeOf<{ room: string; since?: Date | undefined }>();
    expectTypeOf<ActionOutput<Chat, 'say'>>().toEqualTypeOf<{ text: string }>();
    expectTypeOf<EventPayload<Chat, 'joined'>>().toEqualTypeOf<{ room: string; count: number }>();
    expectTypeOf<EventInput<Chat, 'message'>>().toEqualTypeOf<{ from: string; text: string }>();
    expectTypeOf<ReplyOutput<Chat, 'join'>>().toEqualTypeOf<{ members: number }>();
    expectTypeOf<ReplyOutput<Chat, 'say'>>().toEqualTypeOf<unknown>();
    expectTypeOf(chat).toExtend<Contract>();
  });

  it('refuses what is not a schema and a reply for no action', () => {
    // @ts-expect-error a schema is a Standard Schema, not a string
    defineContract({ actions: { join: 'room' } });
    // @ts-expect-error replies are for the contract's actions
    defineContract({ actions: { join: z.string() }, replies: { leave: z.string() } });
    // Events are optional: a contract without them pushes none.
    const quiet = defineContract({ actions: { ping: z.null() } });
    expectTypeOf<EventName<typeof quiet>>().toEqualTypeOf<never>();
  });

  it('types the wire frames and the helpers', () => {
    expectTypeOf<ActionFrame<'say', { text: string }>>().toEqualTypeOf<{
      action: 'say';
      payload: { text: string };
      id?: string;
    }>();
    const message: unknown = JSON.parse('{}');
    if (isEventFrame(message)) expectTypeOf(message).toEqualTypeOf<EventFrame>();
    if (isReplyFrame(message)) {
      if (message.ok) expectTypeOf(message.payload).toEqualTypeOf<unknown>();
      else expectTypeOf(message.error.issues).toEqualTypeOf<ValidationIssue[] | undefined>();
    }
    expectTypeOf<ReplyFrame<number>>().toExtend<{ reply: string; ok: boolean }>();
    const result = validate(chat.actions.join, {});
    expectTypeOf(result).toEqualTypeOf<
      | ValidationResult<{ room: string; since?: Date | undefined }>
      | Promise<ValidationResult<{ room: string; since?: Date | undefined }>>
    >();
    expectTypeOf<ValidationIssue['path']>().toEqualTypeOf<(string | number)[]>();
  });
});

describe('routes(contract, handlers)', () => {
  it('flows each payload from its schema into event.body and each event into emit, without casts', () => {
    const handler = webSocketLambda(
      routes(chat, {
        join: async (event, context) => {
          expectTypeOf(event.body).toEqualTypeOf<{ room: string; since?: Date | undefined }>();
          expectTypeOf(event).toEqualTypeOf<ActionEvent<Chat, 'join'>>();
          expectTypeOf(context).toEqualTypeOf<ContractContext<Chat>>();
          await context.emit(context.connectionId, 'message', { from: 'server', text: event.body.room });
          await context.emit(context.connectionId, 'joined', { room: event.body.room, count: 1 });
          return { members: 1 };
        },
        say: (event, context) => {
          expectTypeOf(event.body.text).toEqualTypeOf<string>();
          // @ts-expect-error a wrong payload for the event
          context.emit(context.connectionId, 'message', { from: 'server' });
          // @ts-expect-error an event the contract does not declare
          context.emit(context.connectionId, 'shout', { text: 'hi' });
          // @ts-expect-error the payload has no such field
          event.body.room;
          // Untyped replies: anything (or nothing) is the reply.
          return { any: 'thing' };
        },
        $connect: (event, context) => {
          expectTypeOf(event.body).toEqualTypeOf<unknown>();
          expectTypeOf(context.emit).toBeFunction();
        },
        $disconnect: () => {},
        $default: async () => ({ statusCode: 400, body: { message: 'Unknown action' } }),
      }),
    );
    expectTypeOf(handler).toEqualTypeOf<WebSocketLambdaHandler>();
  });

  it('types the reply from the contract and refuses a wrong one', () => {
    routes(chat, {
      // @ts-expect-error the join reply is { members: number }
      join: async () => ({ members: 'many' }),
    });
    routes(chat, {
      // @ts-expect-error a join request must be answered
      join: async () => {},
    });
  });

  it('refuses a handler for no action, a handler typed for another payload and a misspelled $ key', () => {
    routes(chat, {
      // @ts-expect-error not an action of the contract
      shout: () => {},
    });
    routes(chat, {
      // @ts-expect-error the say payload is { text: string }
      say: (_event: WebSocketEvent<{ text: number }>) => {},
    });
    routes(chat, {
      // @ts-expect-error a misspelled lifecycle key
      $conect: () => {},
    });
    // Handlers for some actions only: the others are another Lambda's, or $default's.
    routes(chat, { leave: () => {} });
  });

  it('takes the reply delivery and validateEvents options, checked', () => {
    routes(chat, {}, { replies: 'routeResponse', validateEvents: true });
    routes(chat, {}, { replies: 'managementApi' });
    // @ts-expect-error an unknown delivery
    routes(chat, {}, { replies: 'socket' });
    // @ts-expect-error an unknown option
    routes(chat, {}, { validatePayloads: true });
  });

  it('declares the authorizer type after the contract type', () => {
    type Identity = { name: string };
    const handler = webSocketLambda(
      routes<Chat, Identity>(chat, {
        say: (event, context) => {
          expectTypeOf(context.authorizer.name).toEqualTypeOf<string>();
          expectTypeOf(event.requestContext.authorizer.principalId).toEqualTypeOf<string>();
          expectTypeOf(event.body.text).toEqualTypeOf<string>();
        },
      }),
    );
    expectTypeOf(handler).toEqualTypeOf<WebSocketLambdaHandler<Identity>>();
    routes(chat, {
      say: (_event, context) => {
        expectTypeOf(context.authorizer).toEqualTypeOf<WebSocketAuthorizer | undefined>();
      },
    });
  });

  it('names a handler written apart from the table', () => {
    const say: ActionHandler<Chat, 'say'> = async (event, context) => {
      await context.emit(context.connectionId, 'message', { from: 'me', text: event.body.text });
    };
    routes(chat, { say });
    // @ts-expect-error a handler for say does not fit join
    routes(chat, { join: say });
  });
});
