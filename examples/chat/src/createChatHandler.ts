import {
  type ConnectionStore,
  routes,
  type WebSocketContext,
  type WebSocketEvent,
  type WebSocketResponse,
  webSocketLambda,
} from 'aws-framework';
import { checkMember, checkMessage, memberOf, USAGE } from './chatRules.js';
import type { ChatIdentity } from './createChatAuthorizer.js';

/**
 * API Gateway sends a route's returned body to the client only when the route has a route
 * response, so problems are pushed to the sender as well as answered with their status.
 */
async function tellSender(
  context: WebSocketContext<ChatIdentity>,
  statusCode: number,
  message: string,
): Promise<WebSocketResponse> {
  await context.send(context.connectionId, { error: message });
  return { statusCode, body: { message } };
}

/**
 * The chat, functional style: one Lambda for every route, connections kept in `store`. Behind the
 * chat's `$connect` authorizer: who is talking is `context.authorizer.name`, the name the token
 * was issued for, never one a client sends.
 */
export function createChatHandler(store: ConnectionStore) {
  return webSocketLambda(
    routes<ChatIdentity>({
      $connect: async (event, context) => {
        const member = checkMember(context.authorizer.name, event.queryStringParameters?.room);
        // A non-2xx $connect refuses the connection; the client sees the HTTP status.
        if (!member.ok) return { statusCode: 400, body: { message: member.message } };
        await store.save({
          connectionId: context.connectionId,
          connectedAt: event.requestContext.connectedAt,
          data: { ...member.value },
        });
        await store.join(member.value.room, context.connectionId);
      },

      $disconnect: async (_event, context) => {
        await store.remove(context.connectionId);
      },

      sendMessage: async (event: WebSocketEvent<string, ChatIdentity>, context) => {
        const message = checkMessage(parseJson(event.body));
        if (!message.ok) return tellSender(context, 400, message.message);
        const sender = memberOf((await store.get(context.connectionId))?.data);
        if (!sender) return tellSender(context, 410, 'this connection is no longer registered: reconnect');
        await context.broadcast(
          store.members(sender.room),
          // The signed-in name, on every event of the connection: a `from` in the body is ignored.
          { from: context.authorizer.name, message: message.value },
          { store },
        );
      },

      $default: async (_event, context) => {
        await context.send(context.connectionId, { help: USAGE });
      },
    }),
    // Raw bodies: API Gateway routes text that is not JSON to $default, which must answer it with
    // help rather than have the JSON parser refuse it with 422 before any route runs.
    { jsonBody: false },
  );
}

function parseJson(body: string | undefined): unknown {
  try {
    return body === undefined ? undefined : JSON.parse(body);
  } catch {
    return undefined;
  }
}
