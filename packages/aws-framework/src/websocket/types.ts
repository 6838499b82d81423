import type { Context } from 'aws-lambda';
import type { BroadcastOptions, BroadcastReport, BroadcastTargets } from '../connections/broadcast.js';

/** The three kinds of event API Gateway delivers to a WebSocket integration. */
export type WebSocketEventType = 'CONNECT' | 'MESSAGE' | 'DISCONNECT';

/**
 * The identity API Gateway reports for the client. Only the two fields WebSocket APIs fill are
 * required; the rest appear when an authorizer or IAM auth is configured.
 */
export interface WebSocketIdentity {
  sourceIp: string;
  userAgent?: string | null;
  [key: string]: unknown;
}

/**
 * `requestContext.authorizer` when no authorizer type is declared: what a `$connect` authorizer
 * returned (its principal and context values), if one ran.
 */
export interface WebSocketAuthorizer {
  principalId?: string;
  [key: string]: unknown;
}

/**
 * Where the authorizer's output sits (`requestContext.authorizer`, `context.authorizer`). With a
 * declared `TAuthorizer` it is required: on AWS, once an API has a `$connect` authorizer, every
 * event of every connection carries it. `TAuthorizer` describes the context values as they
 * arrive, which may differ from what the authorizer returned (API Gateway may hand numbers and
 * booleans on as strings). Undeclared (`undefined`, the default), it is optional and loose.
 */
export type AuthorizerField<TAuthorizer> = [TAuthorizer] extends [undefined]
  ? { authorizer?: WebSocketAuthorizer }
  : { authorizer: TAuthorizer & { principalId: string } };

/** The `requestContext` fields of every WebSocket event, apart from `authorizer`. */
export interface WebSocketRequestContextFields {
  routeKey: string;
  eventType: WebSocketEventType;
  messageDirection: 'IN';
  requestId: string;
  extendedRequestId: string;
  requestTime: string;
  requestTimeEpoch: number;
  connectedAt: number;
  stage: string;
  domainName: string;
  apiId: string;
  connectionId: string;
  identity: WebSocketIdentity;
  /** Present on MESSAGE events only. */
  messageId?: string;
  /** Present on DISCONNECT events only: the WebSocket close code. */
  disconnectStatusCode?: number;
  /** Present on DISCONNECT events only. */
  disconnectReason?: string;
}

/**
 * An event's `requestContext`. `authorizer` is there after a `$connect` authorizer ran: typed
 * `TAuthorizer & { principalId: string }` and required when `TAuthorizer` is declared, else
 * optional.
 */
export type WebSocketRequestContext<TAuthorizer = undefined> = WebSocketRequestContextFields &
  AuthorizerField<TAuthorizer>;

/**
 * An API Gateway WebSocket event, complete: `@types/aws-lambda` leaves out several of these fields.
 * `TBody` is what the handler sees as `body` after JSON parsing (the raw string with
 * `jsonBody: false`, and `undefined` on CONNECT and DISCONNECT). `TAuthorizer` declares what the
 * `$connect` authorizer's context holds (see `WebSocketRequestContext`).
 */
export interface WebSocketEvent<TBody = unknown, TAuthorizer = undefined> {
  requestContext: WebSocketRequestContext<TAuthorizer>;
  /** Full request headers on CONNECT; absent on MESSAGE and DISCONNECT. */
  headers?: Record<string, string | undefined>;
  multiValueHeaders?: Record<string, string[] | undefined>;
  /** CONNECT only. */
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  stageVariables?: Record<string, string | undefined> | null;
  body?: TBody;
  isBase64Encoded: boolean;
}

/** What a handler returns. A non-string `body` is sent as JSON. */
export interface WebSocketResponse {
  statusCode: number;
  body?: unknown;
  headers?: Record<string, string | number | boolean>;
}

/** The result API Gateway expects from a Lambda integration. */
export interface WebSocketResult {
  statusCode: number;
  body?: string;
  headers?: Record<string, string | number | boolean>;
}

/**
 * Sends `data` to one connection. A string goes as its UTF-8 bytes, a `Uint8Array` as is, anything
 * else as JSON. Throws `PayloadTooLargeError`, `ConnectionGoneError` or `ManagementApiError`.
 */
export type SendFn = (connectionId: string, data: unknown) => Promise<void>;

/**
 * Sends one message to many connections with bounded concurrency and reports where each went.
 * See `BroadcastOptions` and `BroadcastReport`.
 */
export type BroadcastFn = (
  targets: BroadcastTargets,
  data: unknown,
  options?: BroadcastOptions,
) => Promise<BroadcastReport>;

/** What `webSocketLambda` adds to the Lambda context, apart from `authorizer`. */
export interface WebSocketContextFields extends Context {
  connectionId: string;
  routeKey: string;
  eventType: WebSocketEventType;
  send: SendFn;
  broadcast: BroadcastFn;
}

/**
 * The Lambda context with what `webSocketLambda` adds for the current invocation. `authorizer`
 * is the event's `requestContext.authorizer`, as is: `TAuthorizer & { principalId: string }`
 * when `TAuthorizer` is declared, else optional (`undefined` when no authorizer ran).
 */
export type WebSocketContext<TAuthorizer = undefined> = WebSocketContextFields & AuthorizerField<TAuthorizer>;

/** One structured line describing a 5xx, handed to `options.logger`. */
export interface ErrorLogEntry {
  level: 'error';
  message: string;
  error: { name: string; message: string; stack?: string };
  requestId?: string;
  awsRequestId?: string;
  connectionId?: string;
  routeKey?: string;
}

export type ErrorLogger = (entry: ErrorLogEntry) => void;

export interface WebSocketLambdaOptions {
  /**
   * Parse a string body as JSON (base64-decoded first when `isBase64Encoded`). Default `true`; with
   * `false` the handler gets the raw string, for text or binary protocols on `$default`.
   */
  jsonBody?: boolean;
  /**
   * Receives one entry per 5xx. Default: one JSON line on `console.error`. `false` silences.
   */
  logger?: ErrorLogger | false;
  /**
   * The management API endpoint for `context.send`, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/prod`.
   * Default: resolved from the event (see `resolveEndpoint`).
   */
  endpoint?: string;
}

// biome-ignore lint/suspicious/noConfusingVoidType: an async function that returns nothing is Promise<void>
type HandlerReturn = WebSocketResponse | undefined | void;

/** The plain function `webSocketLambda` wraps. */
export type WebSocketHandlerFn<TBody = unknown, TAuthorizer = undefined> = (
  event: WebSocketEvent<TBody, TAuthorizer>,
  context: WebSocketContext<TAuthorizer>,
) => HandlerReturn | Promise<HandlerReturn>;
