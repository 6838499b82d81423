// The usage example of the original WebSocketLambda specification, kept in its shape (imports,
// processWebSocket's switch, the helper methods and the exported handler), with its stubs filled
// in: the same connection store and input rules as the functional chat, so both answer alike.
// Behind the chat's $connect authorizer, who is talking is event.requestContext.authorizer.name.
// biome-ignore-all lint/style/useImportType: the specification's imports, kept as written (see tsconfig.json)
import { ConnectionStore, WebSocketLambda, WebSocketResponse } from 'aws-framework';
import { APIGatewayProxyEvent } from 'aws-lambda';
import { checkMember, checkMessage, memberOf, USAGE } from './chatRules.js';
import { connectionStoreFromEnv } from './connectionStoreFromEnv.js';

const defaultStore = await connectionStoreFromEnv();

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
      default:
        await this.sendMessage(connectionId, { help: USAGE });
    }

    return {
      statusCode: 200,
    };
  }

  private async handleConnect(event: APIGatewayProxyEvent, connectionId: string): Promise<WebSocketResponse> {
    const member = checkMember(signedInName(event), event.queryStringParameters?.room);
    if (!member.ok) return { statusCode: 400, body: { message: member.message } };
    await this.store.save({
      connectionId,
      connectedAt: event.requestContext.connectedAt ?? Date.now(),
      data: { ...member.value },
    });
    await this.store.join(member.value.room, connectionId);
    return { statusCode: 200 };
  }

  private async handleDisconnect(connectionId: string): Promise<void> {
    await this.store.remove(connectionId);
  }

  private async handleSendMessage(
    event: APIGatewayProxyEvent,
    connectionId: string,
  ): Promise<WebSocketResponse> {
    let body: unknown;
    try {
      body = JSON.parse(event.body || '{}');
    } catch {
      body = undefined;
    }
    const message = checkMessage(body);
    if (!message.ok) return this.tellSender(connectionId, 400, message.message);
    const sender = memberOf((await this.store.get(connectionId))?.data);
    if (!sender)
      return this.tellSender(connectionId, 410, 'this connection is no longer registered: reconnect');

    // The specification sent to each connection in turn; broadcast keeps its concurrency bounded
    // and removes connections that are gone (410) from the store.
    await this.broadcast(
      this.getAllConnections(sender.room),
      { from: signedInName(event) ?? sender.name, message: message.value },
      { store: this.store },
    );
    return { statusCode: 200 };
  }

  private getAllConnections(room: string): AsyncIterable<string> {
    return this.store.members(room);
  }

  private async tellSender(
    connectionId: string,
    statusCode: number,
    message: string,
  ): Promise<WebSocketResponse> {
    await this.sendMessage(connectionId, { error: message });
    return { statusCode, body: { message } };
  }
}

/** The name the chat's authorizer put in the context: on every event of the connection. */
function signedInName(event: APIGatewayProxyEvent): string | undefined {
  const name: unknown = event.requestContext.authorizer?.name;
  return typeof name === 'string' ? name : undefined;
}

export const handler = new ChatLambda().handler.bind(new ChatLambda());
