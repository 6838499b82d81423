// The usage example of the original WebSocketLambda specification, as written there (imports,
// methods and the exported handler), with its storage stubs filled in.
// biome-ignore-all lint/style/useImportType: the specification's imports, kept as written (see tsconfig.json)
import { WebSocketLambda, WebSocketResponse } from 'aws-framework';
import { APIGatewayProxyEvent } from 'aws-lambda';

// Process-local: each Lambda instance (and each test process) has its own set, and a cold start
// forgets it. A later connection store (memory / DynamoDB) replaces it.
const connectionIds = new Set<string>();

export class ChatLambda extends WebSocketLambda {
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
        await this.handleConnect(connectionId);
        break;
      case '$disconnect':
        await this.handleDisconnect(connectionId);
        break;
      case 'sendMessage':
        await this.handleSendMessage(event, connectionId);
        break;
      default:
        return {
          statusCode: 400,
          body: { message: 'Unknown route key' },
        };
    }

    return {
      statusCode: 200,
    };
  }

  private async handleConnect(connectionId: string): Promise<void> {
    // Store connection ID in database
    connectionIds.add(connectionId);
  }

  private async handleDisconnect(connectionId: string): Promise<void> {
    // Remove connection ID from database
    connectionIds.delete(connectionId);
  }

  private async handleSendMessage(event: APIGatewayProxyEvent, connectionId: string): Promise<void> {
    const body = JSON.parse(event.body || '{}');
    const message = body.message;

    // Broadcast message to all connections
    const connections = await this.getAllConnections();

    for (const targetConnectionId of connections) {
      try {
        await this.sendMessage(targetConnectionId, {
          from: connectionId,
          message,
        });
      } catch (error) {
        // Handle connection errors
        // A connection that vanished without a $disconnect answers 410: forget it. Any other
        // failure skips that connection and the broadcast goes on, as in the specification.
        if (error instanceof Error && error.name === 'ConnectionGoneError') {
          connectionIds.delete(targetConnectionId);
        }
      }
    }
  }

  private async getAllConnections(): Promise<string[]> {
    // Retrieve all connection IDs from database
    return [...connectionIds];
  }
}

export const handler = new ChatLambda().handler.bind(new ChatLambda());
