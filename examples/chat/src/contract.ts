import { defineContract, type EventFrame, type EventInput, type EventName } from 'aws-framework/contract';
// zod 4's tree-shakable API: 16 KB of the Lambda's and the page's bundles, where `zod` (methods on
// every schema, so all of them bundled) is 443 KB minified, measured with esbuild on these schemas.
import * as z from 'zod/mini';
import { MAX_MESSAGE_LENGTH } from './chatRules.js';

/** Everyone in a room now, by name, sorted, each name once (one person may have two tabs open). */
const names = z.array(z.string());

/**
 * The chat's messages, shared by its Lambda (`routes(chatContract, ...)`, and `ChatLambda`, which
 * checks with the same schemas) and its page (`createClient(chatContract, ...)`). The room and
 * the name are not in any message: the room comes from the query string at `$connect`, the name
 * from the token the authorizer checked.
 */
export const chatContract = defineContract({
  actions: {
    /** Say something to your room. Sent as a request, it is answered once delivered. */
    sendMessage: z.object({
      text: z.string().check(
        z.maxLength(MAX_MESSAGE_LENGTH, `text must be at most ${MAX_MESSAGE_LENGTH} characters`),
        z.refine((text) => text.trim() !== '', 'text must not be blank'),
      ),
    }),
    /**
     * Says you are here: the others in your room are told `joined`, and a request is answered
     * `{ names }`, everyone in it. A page says it each time its connection opens. Not part of
     * `$connect`, which then stays as quick as a handshake should be: no post to anyone (nor to this
     * connection, which API Gateway cannot post to before its `$connect` has answered).
     */
    hello: z.optional(z.object({})),
  },
  events: {
    /** A message to the room, `at` the server's time (ms since the epoch) when it was sent. */
    message: z.object({ from: z.string(), text: z.string(), at: z.number() }),
    /** Someone joined your room (said `hello`); `names` is everyone in it now. */
    joined: z.object({ name: z.string(), names }),
    /** Someone left your room (closed the tab, lost the connection); `names` is everyone still in it. */
    left: z.object({ name: z.string(), names }),
    /** The answer to an action the chat does not have. */
    help: z.object({ usage: z.string() }),
  },
  replies: {
    sendMessage: z.object({ at: z.number() }),
    hello: z.object({ names }),
  },
});

export type ChatContract = typeof chatContract;

/**
 * An event frame of the chat's contract, `{ event, payload }`, typed by the event's schema: what
 * `context.emit` sends to one connection, for a `broadcast` to a whole room.
 */
export function chatEvent<E extends EventName<ChatContract>>(
  event: E,
  payload: EventInput<ChatContract, E>,
): EventFrame<E, EventInput<ChatContract, E>> {
  return { event, payload };
}

/**
 * The route keys of the chat's API: the lifecycle routes and the contract's actions, every one
 * integrated with the chat's Lambda (the stack's routes, the local gateway's). The heartbeat route
 * `ping` is not among them: API Gateway answers it itself (a MOCK integration).
 */
export const CHAT_ROUTES: readonly string[] = [
  '$connect',
  '$disconnect',
  '$default',
  ...Object.keys(chatContract.actions),
];

/** The route `createClient` sends its heartbeat to, `{"action":"ping"}`, on a MOCK integration. */
export const HEARTBEAT_ROUTE = 'ping';
