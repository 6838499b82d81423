import { type ConnectionStore, routes, webSocketLambda } from 'aws-framework';
import { goneSender, namesIn, othersIn } from './chatRoom.js';
import { checkMember, memberOf, USAGE } from './chatRules.js';
import { type ChatContract, chatContract, chatEvent } from './contract.js';
import type { ChatIdentity } from './createChatAuthorizer.js';

/**
 * The chat, functional style: one Lambda for every route, its actions and events those of
 * `chatContract`, connections kept in `store`. Behind the chat's `$connect` authorizer: who is
 * talking is `context.authorizer.name`, the name the token was issued for, never one a client sends.
 * Joining (`hello`) and leaving are told to the room (`joined`, `left`, with everyone in it now),
 * so a tab closed is seen by the others. `$connect` posts to no one: it stays a cold start's
 * shortest path, loading no management API client.
 */
export function createChatHandler(store: ConnectionStore) {
  /** The member behind this connection, or a 410 for a connection the store forgot. */
  async function senderOf(connectionId: string) {
    const sender = memberOf((await store.get(connectionId))?.data);
    if (!sender) throw goneSender();
    return sender;
  }

  return webSocketLambda(
    routes<ChatContract, ChatIdentity>(chatContract, {
      $connect: async (event, context) => {
        const member = checkMember(context.authorizer.name, event.queryStringParameters?.room);
        // A non-2xx $connect refuses the connection; the client sees the HTTP status.
        if (!member.ok) return { statusCode: 400, body: { message: member.message } };
        const { name, room } = member.value;
        await store.save({
          connectionId: context.connectionId,
          connectedAt: event.requestContext.connectedAt,
          data: { name, room },
        });
        await store.join(room, context.connectionId);
      },

      $disconnect: async (_event, context) => {
        const member = memberOf((await store.get(context.connectionId))?.data);
        await store.remove(context.connectionId);
        if (!member) return;
        await context.broadcast(
          store.members(member.room),
          chatEvent('left', { name: member.name, names: await namesIn(store, member.room) }),
          { store },
        );
      },

      sendMessage: async (event, context) => {
        const sender = await senderOf(context.connectionId);
        const at = Date.now();
        await context.broadcast(
          store.members(sender.room),
          // The signed-in name, on every event of the connection: a `from` in the payload is ignored.
          chatEvent('message', { from: context.authorizer.name, text: event.body.text, at }),
          { store },
        );
        return { at };
      },

      hello: async (_event, context) => {
        const sender = await senderOf(context.connectionId);
        const names = await namesIn(store, sender.room);
        await context.broadcast(
          othersIn(store, sender.room, context.connectionId),
          chatEvent('joined', { name: context.authorizer.name, names }),
          { store },
        );
        return { names };
      },

      $default: async (_event, context) => {
        await context.emit(context.connectionId, 'help', { usage: USAGE });
      },
    }),
    // Raw bodies: API Gateway routes text that is not JSON to $default, which must answer it with
    // help rather than have the JSON parser refuse it with 422 before any route runs.
    { jsonBody: false },
  );
}
