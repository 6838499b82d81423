import { randomBytes } from 'node:crypto';
import type { WebSocketAuthorizerEvent } from '../authorizer/types.js';
import type { WebSocketEvent, WebSocketRequestContext } from '../types/event.js';

/**
 * Overrides for a built event: any field of the event replaces the built one, except
 * `requestContext` and its `identity`, which are merged into the built ones.
 */
export type EventOverrides<TBody = string> = Omit<Partial<WebSocketEvent<TBody>>, 'requestContext'> & {
  /**
   * Fields of `requestContext` to set (a `connectionId`, a `stage`, an `authorizer`...); the others
   * keep their built values. An overridden `requestId` sets `extendedRequestId` too, as on AWS.
   * @default undefined (the built request context as it is)
   */
  requestContext?: Partial<Omit<WebSocketRequestContext, 'identity'>> & {
    /**
     * Fields of `identity` to set (`sourceIp`, `userAgent`); the others keep their built values.
     * @default undefined (`sourceIp` 203.0.113.10 and a test `userAgent`)
     */
    identity?: Partial<WebSocketRequestContext['identity']>;
  };
};

const API_ID = 'abc123defg';
const REGION = 'eu-west-1';
const ACCOUNT_ID = '123456789012';

// API Gateway's connection, request and message IDs are 16 characters of base64url ending in '='
// (e.g. "JC1dgf9yoAMCK-g="): 11 random bytes encode to exactly 15 base64url characters.
function awsIdLike(): string {
  return `${randomBytes(11).toString('base64url')}=`;
}

// Fixed names: a locale-dependent formatter would change the format with the runtime's ICU data.
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestTime` format: `09/Apr/2015:12:34:56 +0000`. */
function requestTimeOf(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

function baseRequestContext(
  routeKey: string,
  eventType: WebSocketRequestContext['eventType'],
): WebSocketRequestContext {
  const now = Date.now();
  const requestId = awsIdLike();
  return {
    routeKey,
    eventType,
    messageDirection: 'IN',
    requestId,
    extendedRequestId: requestId,
    requestTime: requestTimeOf(now),
    requestTimeEpoch: now,
    connectedAt: now,
    stage: 'prod',
    domainName: `${API_ID}.execute-api.${REGION}.amazonaws.com`,
    apiId: API_ID,
    connectionId: awsIdLike(),
    identity: { sourceIp: '203.0.113.10', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) test' },
  };
}

/** The headers of an event, written from its final request context so that overrides agree. */
type HeadersOf = (context: WebSocketRequestContext) => Record<string, string>;

function build<TBody>(
  base: WebSocketEvent<TBody>,
  overrides: EventOverrides<TBody> | undefined,
  headersOf?: HeadersOf,
): WebSocketEvent<TBody> {
  const { requestContext, ...rest } = overrides ?? {};
  const { identity, ...contextRest } = requestContext ?? {};
  const context = {
    ...base.requestContext,
    // On AWS the two are the same ID; an overridden requestId keeps them so.
    ...(contextRest.requestId === undefined ? {} : { extendedRequestId: contextRest.requestId }),
    ...contextRest,
    identity: { ...base.requestContext.identity, ...identity },
  } as WebSocketRequestContext;
  const headers = headersOf?.(context);
  return {
    ...base,
    ...(headers && {
      headers,
      multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    }),
    ...rest,
    requestContext: context,
  } as WebSocketEvent<TBody>;
}

/**
 * A `$connect` event as API Gateway sends it: the client's headers plus those API Gateway adds
 * (`X-Forwarded-For`, `-Port`, `-Proto`, `X-Amzn-Trace-Id`), in `headers` and
 * `multiValueHeaders`; no body. The headers are written from the final request context, so
 * `Host`, `User-Agent` and `X-Forwarded-For` follow the overrides.
 *
 * @example
 * ```ts
 * import type { WebSocketLambdaHandler } from 'aws-framework';
 * import { createConnectEvent, createLambdaContext } from 'aws-framework/testing';
 *
 * declare const handler: WebSocketLambdaHandler; // your handler, imported from its module
 *
 * const result = await handler(
 *   createConnectEvent({ queryStringParameters: { room: 'lobby' }, requestContext: { connectionId: 'abc=' } }),
 *   createLambdaContext(),
 * );
 * ```
 */
export function createConnectEvent(overrides?: EventOverrides<string>): WebSocketEvent<string> {
  const webSocketKey = randomBytes(16).toString('base64');
  const traceSuffix = randomBytes(12).toString('hex');
  const connectHeaders: HeadersOf = (context) => ({
    Host: context.domainName,
    'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
    'Sec-WebSocket-Key': webSocketKey,
    'Sec-WebSocket-Version': '13',
    'User-Agent': context.identity.userAgent ?? '',
    // X-Ray's trace ID: version 1, the request's epoch seconds as 8 hex digits, 96 random bits.
    'X-Amzn-Trace-Id': `Root=1-${Math.floor(context.requestTimeEpoch / 1000)
      .toString(16)
      .padStart(8, '0')}-${traceSuffix}`,
    'X-Forwarded-For': context.identity.sourceIp,
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
  });
  return build<string>(
    {
      requestContext: baseRequestContext('$connect', 'CONNECT'),
      queryStringParameters: undefined,
      multiValueQueryStringParameters: undefined,
      isBase64Encoded: false,
    },
    overrides,
    connectHeaders,
  );
}

/**
 * A MESSAGE event. A non-string `body` is JSON-encoded, as a client would have sent it; the
 * route key defaults to the body's `action`, else `$default`.
 *
 * @example
 * ```ts
 * import type { WebSocketLambdaHandler } from 'aws-framework';
 * import { createLambdaContext, createMessageEvent } from 'aws-framework/testing';
 *
 * declare const handler: WebSocketLambdaHandler; // your handler, imported from its module
 *
 * // routeKey 'say', body '{"action":"say","text":"hi"}'
 * const result = await handler(
 *   createMessageEvent({ action: 'say', text: 'hi' }, { requestContext: { connectionId: 'abc=' } }),
 *   createLambdaContext(),
 * );
 * ```
 */
export function createMessageEvent(
  body?: unknown,
  overrides?: EventOverrides<string>,
): WebSocketEvent<string> {
  const encoded = body === undefined || typeof body === 'string' ? body : JSON.stringify(body);
  const action =
    typeof body === 'object' && body !== null && typeof (body as { action?: unknown }).action === 'string'
      ? (body as { action: string }).action
      : '$default';
  const base = baseRequestContext(action, 'MESSAGE');
  base.messageId = awsIdLike();
  return build<string>({ requestContext: base, body: encoded, isBase64Encoded: false }, overrides);
}

/**
 * A `$disconnect` event: a close code and reason (default: a client's normal close, 1000 and an
 * empty reason, as AWS reports it) and the few headers AWS sends then, most of them empty; no body.
 *
 * @example
 * ```ts
 * import type { WebSocketLambdaHandler } from 'aws-framework';
 * import { createDisconnectEvent, createLambdaContext } from 'aws-framework/testing';
 *
 * declare const handler: WebSocketLambdaHandler; // your handler, imported from its module
 *
 * // The client closed with 1001 (going away) rather than a normal close:
 * await handler(
 *   createDisconnectEvent({ requestContext: { disconnectStatusCode: 1001, disconnectReason: 'Going away' } }),
 *   createLambdaContext(),
 * );
 * ```
 */
export function createDisconnectEvent(overrides?: EventOverrides<string>): WebSocketEvent<string> {
  const base = baseRequestContext('$disconnect', 'DISCONNECT');
  base.disconnectStatusCode = 1000;
  base.disconnectReason = '';
  const disconnectHeaders: HeadersOf = (context) => ({
    Host: context.domainName,
    'x-api-key': '',
    'X-Forwarded-For': '',
    'x-restapi': '',
  });
  return build<string>({ requestContext: base, isBase64Encoded: false }, overrides, disconnectHeaders);
}

/**
 * Overrides for `createAuthorizerEvent`: `requestContext` and `identity` are merged; `headers`
 * and `queryStringParameters` replace the defaults whole, and their multi-value twins follow
 * them unless given too.
 */
export type AuthorizerEventOverrides = Omit<Partial<WebSocketAuthorizerEvent>, 'requestContext'> & {
  /**
   * Fields of `requestContext` (and of its `identity`) to set, as in {@link EventOverrides}; the
   * `methodArn` follows its `apiId` and `stage`.
   * @default undefined (the request context `createConnectEvent` builds)
   */
  requestContext?: EventOverrides['requestContext'];
};

function multiValueOf(values: Record<string, string | undefined>): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(values).flatMap(([name, value]) => (value === undefined ? [] : [[name, [value]]])),
  );
}

/**
 * The event API Gateway gives a WebSocket REQUEST authorizer: the `$connect` request (headers,
 * `requestContext` and identity as `createConnectEvent` builds them, an empty query string and
 * stage variables) with `type: 'REQUEST'` and the `methodArn` of the final request context,
 * `arn:aws:execute-api:eu-west-1:123456789012:{apiId}/{stage}/$connect`.
 *
 * @example
 * ```typescript
 * import type { WebSocketAuthorizerHandler } from 'aws-framework';
 * import { createAuthorizerEvent, createLambdaContext } from 'aws-framework/testing';
 *
 * declare const handler: WebSocketAuthorizerHandler; // your authorizer, imported from its module
 *
 * const result = await handler(
 *   createAuthorizerEvent({ queryStringParameters: { token: 'abc' } }),
 *   createLambdaContext(),
 * );
 * ```
 */
export function createAuthorizerEvent(overrides: AuthorizerEventOverrides = {}): WebSocketAuthorizerEvent {
  const { requestContext: contextOverrides, ...rest } = overrides;
  const connect = createConnectEvent({ requestContext: contextOverrides });
  const { requestContext } = connect;
  const event: WebSocketAuthorizerEvent = {
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:${requestContext.apiId}/${requestContext.stage}/$connect`,
    headers: connect.headers ?? {},
    multiValueHeaders: connect.multiValueHeaders ?? {},
    queryStringParameters: {},
    multiValueQueryStringParameters: {},
    stageVariables: {},
    requestContext,
  };
  if (rest.headers && !rest.multiValueHeaders) rest.multiValueHeaders = multiValueOf(rest.headers);
  if (rest.queryStringParameters && !rest.multiValueQueryStringParameters) {
    rest.multiValueQueryStringParameters = multiValueOf(rest.queryStringParameters);
  }
  return { ...event, ...rest };
}
