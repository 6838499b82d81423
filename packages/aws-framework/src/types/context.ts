// The context every handler gets: the Lambda context with the connection, route and senders. A
// leaf like event.ts and delivery.ts (it imports nothing of this package outside types/), so the
// websocket layer, the class adapter and the contract routes share it without importing each other.
import type { Context } from 'aws-lambda';
import type { BroadcastFn, SendFn } from './delivery.js';
import type { AuthorizerField, WebSocketEventType } from './event.js';

/**
 * What `webSocketLambda` adds to the Lambda context, apart from `authorizer` (see
 * {@link WebSocketContext}, which adds it).
 */
export interface WebSocketContextFields extends Context {
  /** The ID of the connection the event came from: `requestContext.connectionId`. */
  connectionId: string;
  /** The route API Gateway selected: `requestContext.routeKey`. */
  routeKey: string;
  /**
   * `requestContext.eventType`; when the event lacks it, CONNECT for `$connect`, DISCONNECT for
   * `$disconnect` and MESSAGE otherwise.
   */
  eventType: WebSocketEventType;
  /**
   * Sends to one connection (this one or any other) through the API's management endpoint: the
   * `endpoint` option, else resolved on the first send (see `resolveEndpoint`).
   */
  send: SendFn;
  /** Sends one message to many connections, through the same endpoint as `send`. */
  broadcast: BroadcastFn;
}

/**
 * The Lambda context with what `webSocketLambda` adds for the current invocation. `authorizer`
 * is the event's `requestContext.authorizer`, as is: `TAuthorizer & { principalId: string }`
 * when `TAuthorizer` is declared, else optional (`undefined` when no authorizer ran).
 */
export type WebSocketContext<TAuthorizer = undefined> = WebSocketContextFields & AuthorizerField<TAuthorizer>;
