// The event and result types every layer shares. A leaf: it imports nothing of this package, so
// no layer reaches up for a type (DESIGN.md, Layers).

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
