// The event and result types every layer shares. A leaf: it imports nothing of this package, so
// no layer reaches up for a type (DESIGN.md, Layers).

/** The three kinds of event API Gateway delivers to a WebSocket integration. */
export type WebSocketEventType = 'CONNECT' | 'MESSAGE' | 'DISCONNECT';

/**
 * The identity API Gateway reports for the client. Only the two fields WebSocket APIs fill are
 * required; the rest appear when an authorizer or IAM auth is configured.
 */
export interface WebSocketIdentity {
  /** The client's IP address, as API Gateway saw it. */
  sourceIp: string;
  /** The `User-Agent` of the handshake, when the client sent one. */
  userAgent?: string | null;
  [key: string]: unknown;
}

/**
 * `requestContext.authorizer` when no authorizer type is declared: what a `$connect` authorizer
 * returned (its principal and context values), if one ran.
 */
export interface WebSocketAuthorizer {
  /** The `principalId` the authorizer's policy named. */
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
  ? {
      /** What the `$connect` authorizer returned, if one ran; `undefined` when none did. */
      authorizer?: WebSocketAuthorizer;
    }
  : {
      /** The `$connect` authorizer's context values, as `TAuthorizer` declares them. */
      authorizer: TAuthorizer & {
        /** The `principalId` the authorizer's policy named. */
        principalId: string;
      };
    };

/** The `requestContext` fields of every WebSocket event, apart from `authorizer`. */
export interface WebSocketRequestContextFields {
  /** The route API Gateway selected: `$connect`, `$disconnect`, `$default` or a custom key. */
  routeKey: string;
  /** CONNECT for `$connect`, DISCONNECT for `$disconnect`, MESSAGE for every other route. */
  eventType: WebSocketEventType;
  /** Always `'IN'`: the event is a message from the client. */
  messageDirection: 'IN';
  /** API Gateway's ID for this request; the 500's body and the error log carry it. */
  requestId: string;
  /** API Gateway's extended ID for this request. */
  extendedRequestId: string;
  /** When the request arrived, in CLF format (`09/Apr/2015:12:34:56 +0000`). */
  requestTime: string;
  /** When the request arrived, in milliseconds since the epoch. */
  requestTimeEpoch: number;
  /** When the connection was opened, in milliseconds since the epoch. */
  connectedAt: number;
  /** The API's stage, e.g. `prod`. */
  stage: string;
  /**
   * The host the client connected to: an execute-api host, a custom domain, or a local gateway's
   * `localhost:port`; `resolveEndpoint` builds the management endpoint from it.
   */
  domainName: string;
  /** The API's ID, the first label of its execute-api host. */
  apiId: string;
  /** The connection's ID, which `context.send` and the management API address it by. */
  connectionId: string;
  /** Who the client is, as far as API Gateway knows. */
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
  /** The route, the connection and the request, as API Gateway describes them. */
  requestContext: WebSocketRequestContext<TAuthorizer>;
  /** Full request headers on CONNECT; absent on MESSAGE and DISCONNECT. */
  headers?: Record<string, string | undefined>;
  /** The request headers with every value of each, on CONNECT; absent on MESSAGE and DISCONNECT. */
  multiValueHeaders?: Record<string, string[] | undefined>;
  /** CONNECT only. */
  queryStringParameters?: Record<string, string | undefined> | null;
  /** The query string with every value of each parameter; CONNECT only. */
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  /** The stage's variables; `null` or absent when it has none. */
  stageVariables?: Record<string, string | undefined> | null;
  /**
   * The message: parsed JSON by the time a `webSocketLambda` handler sees it (the raw string with
   * `jsonBody: false`); `undefined` on CONNECT and DISCONNECT, and for an empty message once parsed.
   */
  body?: TBody;
  /** Whether API Gateway base64-encoded the body; JSON parsing decodes it first. */
  isBase64Encoded: boolean;
}

/** What a handler returns. A non-string `body` is sent as JSON. */
export interface WebSocketResponse {
  /**
   * The route's status, an integer from 100 to 599; on `$connect` anything but 2xx refuses the
   * connection.
   */
  statusCode: number;
  /**
   * The route's result body (a non-string is sent as JSON), which API Gateway sends to the client
   * only when the route has a route response.
   */
  body?: unknown;
  /** Headers of the result, passed on as given. */
  headers?: Record<string, string | number | boolean>;
}

/** The result API Gateway expects from a Lambda integration. */
export interface WebSocketResult {
  /** The route's status, an integer from 100 to 599. */
  statusCode: number;
  /** The body as text: a handler's non-string `body` is serialized as JSON. */
  body?: string;
  /** Headers of the result, as the handler returned them. */
  headers?: Record<string, string | number | boolean>;
}

/**
 * One structured line describing a failure, handed to `options.logger`: a handler's 5xx, or an
 * authorizer that failed (one that refuses is not logged). Client errors (4xx) are not logged.
 */
export interface ErrorLogEntry {
  /** Always `'error'`. */
  level: 'error';
  /** `'WebSocket handler failed'` or `'WebSocket authorizer failed'`. */
  message: string;
  /**
   * What was thrown: an `Error`'s name, message and stack; for anything else its `name` (else
   * its `typeof`) and its `message` (else its string form).
   */
  error: {
    /** The error's name, e.g. `TypeError`. */
    name: string;
    /** The error's message. */
    message: string;
    /** The stack, for an `Error`. */
    stack?: string;
  };
  /** API Gateway's `requestContext.requestId`, when the event has one. */
  requestId?: string;
  /** The Lambda invocation's `context.awsRequestId`, when the context has one. */
  awsRequestId?: string;
  /** The event's `requestContext.connectionId`, when it has one. */
  connectionId?: string;
  /** The event's `requestContext.routeKey`, when it has one. */
  routeKey?: string;
}

/**
 * Receives an {@link ErrorLogEntry} for each failure that is logged (the `logger` option): send
 * it to your own logger. It runs inside the error handling: if it throws, the answer is unchanged.
 */
export type ErrorLogger = (entry: ErrorLogEntry) => void;
