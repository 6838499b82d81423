import { randomBytes } from 'node:crypto';
import type { WebSocketEvent, WebSocketRequestContext } from '../websocket/types.js';

/** Overrides for a built event; `requestContext` and `identity` are merged, not replaced. */
export type EventOverrides<TBody = string> = Omit<Partial<WebSocketEvent<TBody>>, 'requestContext'> & {
  requestContext?: Partial<Omit<WebSocketRequestContext, 'identity'>> & {
    identity?: Partial<WebSocketRequestContext['identity']>;
  };
};

const API_ID = 'abc123defg';
const REGION = 'eu-west-1';

// API Gateway connection IDs are 12-character base64-ish tokens ending in '=' (e.g. "L0SM9cOFvHcCIhw=").
function connectionIdLike(): string {
  return `${randomBytes(10).toString('base64').replace(/[+/]/g, 'A').slice(0, 14)}=`;
}

function requestTimeOf(epochMs: number): string {
  // API Gateway's format: 09/Apr/2015:12:34:56 +0000
  const d = new Date(epochMs);
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${month}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

function baseRequestContext(
  routeKey: string,
  eventType: WebSocketRequestContext['eventType'],
): WebSocketRequestContext {
  const now = Date.now();
  return {
    routeKey,
    eventType,
    messageDirection: 'IN',
    requestId: randomBytes(8).toString('base64').replace(/[+/=]/g, 'x'),
    extendedRequestId: randomBytes(8).toString('base64').replace(/[+/=]/g, 'x'),
    requestTime: requestTimeOf(now),
    requestTimeEpoch: now,
    connectedAt: now,
    stage: 'prod',
    domainName: `${API_ID}.execute-api.${REGION}.amazonaws.com`,
    apiId: API_ID,
    connectionId: connectionIdLike(),
    identity: { sourceIp: '203.0.113.10', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) test' },
  };
}

function build<TBody>(
  base: WebSocketEvent<TBody>,
  overrides: EventOverrides<TBody> | undefined,
): WebSocketEvent<TBody> {
  const { requestContext, ...rest } = overrides ?? {};
  const { identity, ...contextRest } = requestContext ?? {};
  return {
    ...base,
    ...rest,
    requestContext: {
      ...base.requestContext,
      ...contextRest,
      identity: { ...base.requestContext.identity, ...identity },
    } as WebSocketRequestContext,
  } as WebSocketEvent<TBody>;
}

/** A `$connect` event as API Gateway sends it: full headers, query string, no body. */
export function createConnectEvent(overrides?: EventOverrides<string>): WebSocketEvent<string> {
  const base = baseRequestContext('$connect', 'CONNECT');
  const headers = {
    Host: base.domainName,
    'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Version': '13',
    'User-Agent': base.identity.userAgent ?? '',
    'X-Amzn-Trace-Id': `Root=1-${Math.floor(base.requestTimeEpoch / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
    'X-Forwarded-For': base.identity.sourceIp,
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
  };
  const multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));
  return build<string>(
    {
      requestContext: base,
      headers,
      multiValueHeaders,
      queryStringParameters: undefined,
      multiValueQueryStringParameters: undefined,
      isBase64Encoded: false,
    },
    overrides,
  );
}

/**
 * A MESSAGE event. A non-string `body` is JSON-encoded, as a client would have sent it; the
 * route key defaults to the body's `action`, else `$default`.
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
  base.messageId = randomBytes(8).toString('base64').replace(/[+/=]/g, 'x');
  return build<string>({ requestContext: base, body: encoded, isBase64Encoded: false }, overrides);
}

/** A `$disconnect` event: a close code and reason, a few headers, no body. */
export function createDisconnectEvent(overrides?: EventOverrides<string>): WebSocketEvent<string> {
  const base = baseRequestContext('$disconnect', 'DISCONNECT');
  base.disconnectStatusCode = 1000;
  base.disconnectReason = 'Client closed the connection';
  const headers = { Host: base.domainName, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' };
  const multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));
  return build<string>(
    { requestContext: base, headers, multiValueHeaders, isBase64Encoded: false },
    overrides,
  );
}
