// The usage example of the original WebSocketLambda specification, kept in its shape (imports,
// processWebSocket's switch, the helper methods and the exported handler), with its stubs filled
// in: the same connection store, input rules and messages as the functional chat, so both answer
// alike. It reads action frames by hand and checks payloads with the contract's own schemas;
// what it sends are the contract's frames (events, and replies to requests).
// Behind the chat's $connect authorizer, who is talking is event.requestContext.authorizer.name.
// biome-ignore-all lint/style/useImportType: the specification's imports, kept as written (see tsconfig.json)
import { ConnectionStore, WebSocketLambda, WebSocketResponse } from 'aws-framework';
import { MAX_REQUEST_ID_LENGTH, type ReplyError, validate } from 'aws-framework/contract';
import { APIGatewayProxyEvent } from 'aws-lambda';
import { namesIn, othersIn } from './chatRoom.js';
import { checkMember, memberOf, USAGE } from './chatRules.js';
import { connectionStoreFromEnv } from './connectionStoreFromEnv.js';
import { chatContract, chatEvent } from './contract.js';

const defaultStore = await connectionStoreFromEnv();

/** An action frame as read from the body: `{ action, payload, id? }`, `id` asking for a reply. */
interface ActionFrame {
  payload: unknown;
  id: string | undefined;
}

export class ChatLambda extends WebSocketLambda {
  private readonly store: ConnectionStore;

  constructor(store: ConnectionStore = defaultStore) {
    super();
    this.store = store;
  }

  protected async processWebSocket(event: APIGatewayProxyEvent): Promise<WebSocketResponse> {
    const connectionId = this.getConnectionId(event);
    const routeKey = this.getRouteKey(event);

    if (!connectionId) {
      return {
        statusCode: 400,
        body: { message: 'Missing connection ID' },
      };
    }

    switch (routeKey) {
      case '$connect':
        return this.handleConnect(event, connectionId);
      case '$disconnect':
        await this.handleDisconnect(connectionId);
        break;
      case 'sendMessage':
        return this.handleSendMessage(event, connectionId);
      case 'hello':
        return this.handleHello(event, connectionId);
      default:
        await this.sendMessage(connectionId, chatEvent('help', { usage: USAGE }));
    }

    return {
      statusCode: 200,
    };
  }

  private async handleConnect(event: APIGatewayProxyEvent, connectionId: string): Promise<WebSocketResponse> {
    const member = checkMember(signedInName(event), event.queryStringParameters?.room);
    if (!member.ok) return { statusCode: 400, body: { message: member.message } };
    const { name, room } = member.value;
    await this.store.save({
      connectionId,
      connectedAt: event.requestContext.connectedAt ?? Date.now(),
      data: { name, room },
    });
    await this.store.join(room, connectionId);
    return { statusCode: 200 };
  }

  private async handleDisconnect(connectionId: string): Promise<void> {
    const member = memberOf((await this.store.get(connectionId))?.data);
    await this.store.remove(connectionId);
    if (!member) return;
    await this.broadcast(
      this.getAllConnections(member.room),
      chatEvent('left', { name: member.name, names: await namesIn(this.store, member.room) }),
      { store: this.store },
    );
  }

  private async handleSendMessage(
    event: APIGatewayProxyEvent,
    connectionId: string,
  ): Promise<WebSocketResponse> {
    const frame = readFrame(event.body);
    const checked = await validate(chatContract.actions.sendMessage, frame.payload);
    if (checked.issues) {
      return this.answerError(connectionId, frame, {
        status: 422,
        message: 'Invalid message',
        issues: checked.issues,
      });
    }
    const sender = memberOf((await this.store.get(connectionId))?.data);
    if (!sender) return this.answerError(connectionId, frame, GONE);

    // The specification sent to each connection in turn; broadcast keeps its concurrency bounded
    // and removes connections that are gone (410) from the store.
    const at = Date.now();
    await this.broadcast(
      this.getAllConnections(sender.room),
      chatEvent('message', { from: signedInName(event) ?? sender.name, text: checked.value.text, at }),
      { store: this.store },
    );
    return this.answer(connectionId, frame, { at });
  }

  private async handleHello(event: APIGatewayProxyEvent, connectionId: string): Promise<WebSocketResponse> {
    const frame = readFrame(event.body);
    const sender = memberOf((await this.store.get(connectionId))?.data);
    if (!sender) return this.answerError(connectionId, frame, GONE);
    const names = await namesIn(this.store, sender.room);
    await this.broadcast(
      othersIn(this.store, sender.room, connectionId),
      chatEvent('joined', { name: signedInName(event) ?? sender.name, names }),
      { store: this.store },
    );
    return this.answer(connectionId, frame, { names });
  }

  private getAllConnections(room: string): AsyncIterable<string> {
    return this.store.members(room);
  }

  /** A request is answered with its reply frame; a one-way send only with the status. */
  private async answer(
    connectionId: string,
    frame: ActionFrame,
    payload: unknown,
  ): Promise<WebSocketResponse> {
    if (frame.id !== undefined) await this.sendMessage(connectionId, { reply: frame.id, ok: true, payload });
    return { statusCode: 200 };
  }

  private async answerError(
    connectionId: string,
    frame: ActionFrame,
    error: ReplyError,
  ): Promise<WebSocketResponse> {
    if (frame.id !== undefined) await this.sendMessage(connectionId, { reply: frame.id, ok: false, error });
    const { status, ...body } = error;
    return { statusCode: status, body };
  }
}

const GONE: ReplyError = { status: 410, message: 'this connection is no longer registered: reconnect' };

/** `{ action, payload, id? }` from a body; anything else reads as no payload and no request. */
function readFrame(body: string | null): ActionFrame {
  let frame: unknown;
  try {
    frame = JSON.parse(body || '{}');
  } catch {
    frame = undefined;
  }
  const { payload, id } = (typeof frame === 'object' && frame !== null ? frame : {}) as Record<
    string,
    unknown
  >;
  return {
    payload,
    id: typeof id === 'string' && id !== '' && id.length <= MAX_REQUEST_ID_LENGTH ? id : undefined,
  };
}

/** The name the chat's authorizer put in the context: on every event of the connection. */
function signedInName(event: APIGatewayProxyEvent): string | undefined {
  const name: unknown = event.requestContext.authorizer?.name;
  return typeof name === 'string' ? name : undefined;
}

export const handler = new ChatLambda().handler.bind(new ChatLambda());
