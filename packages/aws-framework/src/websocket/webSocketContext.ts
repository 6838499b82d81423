import type { MiddlewareObj } from '@middy/core';
import { createError } from '@middy/util';
import { broadcastTo } from '../connections/broadcast.js';
import { postToConnection } from '../connections/operations.js';
import { normalizeEndpoint, resolveEndpoint } from '../connections/resolveEndpoint.js';
import { DEFAULT_TRANSPORT, type Transport } from '../connections/transport.js';
import { readRequestContext } from './readRequestContext.js';
import type { WebSocketContext, WebSocketEvent, WebSocketEventType } from './types.js';

export interface WebSocketContextOptions {
  /** Management endpoint for `send`; default resolved from the event on the first send. */
  endpoint?: string;
  /**
   * Refuse events without a connection ID and route key with 400. The class adapter turns this
   * off: its original specification lets `processWebSocket` decide.
   */
  checkEvent?: boolean;
  /** How `send` and `broadcast` reach the management API; default `'sdk'`. */
  transport?: Transport;
}

const EVENT_TYPES = new Set<string>(['CONNECT', 'MESSAGE', 'DISCONNECT']);

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function eventTypeOf(declared: unknown, routeKey: string | undefined): WebSocketEventType {
  if (typeof declared === 'string' && EVENT_TYPES.has(declared)) return declared as WebSocketEventType;
  if (routeKey === '$connect') return 'CONNECT';
  if (routeKey === '$disconnect') return 'DISCONNECT';
  return 'MESSAGE';
}

/**
 * Checks that the event came from an API Gateway WebSocket API and puts `connectionId`, `routeKey`,
 * `eventType`, `authorizer`, `send` and `broadcast` on the context.
 */
export function webSocketContext(
  options: WebSocketContextOptions = {},
): MiddlewareObj<WebSocketEvent, unknown, Error, WebSocketContext> {
  const checkEvent = options.checkEvent ?? true;
  const transport = options.transport ?? DEFAULT_TRANSPORT;
  const endpoint = options.endpoint === undefined ? undefined : normalizeEndpoint(options.endpoint);

  const webSocketContextBefore: NonNullable<
    MiddlewareObj<WebSocketEvent, unknown, Error, WebSocketContext>['before']
  > = (request) => {
    const event = request.event as WebSocketEvent | null | undefined;
    const requestContext = readRequestContext(event);
    const { connectionId, routeKey } = requestContext;
    if (checkEvent && !(isNonEmptyString(connectionId) && isNonEmptyString(routeKey))) {
      throw createError(
        400,
        'Not an API Gateway WebSocket event: requestContext.connectionId and requestContext.routeKey must be non-empty strings',
      );
    }

    // The endpoint is resolved on the first send, not here: most invocations send nothing.
    let resolvedEndpoint: string | undefined;
    const endpointOfEvent = () => {
      resolvedEndpoint ??= resolveEndpoint(event, { endpoint });
      return resolvedEndpoint;
    };
    const context = request.context;
    context.connectionId = connectionId as string;
    context.routeKey = routeKey as string;
    context.eventType = eventTypeOf(requestContext.eventType, routeKey as string | undefined);
    // As the event has it: on AWS every event of a connection carries what its $connect
    // authorizer returned; without an authorizer, undefined.
    context.authorizer = requestContext.authorizer as WebSocketContext['authorizer'];
    context.send = async function sendToConnection(targetId, data) {
      return postToConnection(endpointOfEvent(), targetId, data, transport);
    };
    context.broadcast = async function broadcastToConnections(targets, data, broadcastOptions) {
      return broadcastTo(endpointOfEvent(), targets, data, broadcastOptions, transport);
    };
  };

  return { before: webSocketContextBefore };
}
