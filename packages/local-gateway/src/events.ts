import { randomBytes } from 'node:crypto';
import type { WebSocketEvent, WebSocketRequestContext } from 'aws-framework';
import { newMessageId, newRequestId } from './ids.js';

/** What the gateway knows of a connection, which every event of it repeats. */
export interface ConnectionFacts {
  connectionId: string;
  connectedAt: number;
  sourceIp: string;
  userAgent: string | undefined;
  /** What the `$connect` authorizer allowed with, which every event of the connection carries. */
  authorizer?: Record<string, unknown>;
}

export interface GatewayFacts {
  apiId: string;
  stage: string;
  domainName: string;
  /** The port clients reach the gateway on, for `X-Forwarded-Port`. */
  port: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

// Every event formats its time and most share their second with the previous one: formatting
// costs ~0.7 µs, a few percent of the gateway's CPU per message under load.
let formattedSecond = Number.NaN;
let formatted = '';

/** API Gateway's `requestTime` format: `09/Apr/2015:12:34:56 +0000`. */
export function formatRequestTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== formattedSecond) {
    const d = new Date(epochMs);
    formatted = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
    formattedSecond = second;
  }
  return formatted;
}

function requestContext(
  gateway: GatewayFacts,
  connection: ConnectionFacts,
  routeKey: string,
  eventType: WebSocketRequestContext['eventType'],
): WebSocketRequestContext {
  const now = Date.now();
  const requestId = newRequestId();
  return {
    routeKey,
    eventType,
    messageDirection: 'IN',
    requestId,
    // Equal in every event captured from a WebSocket stage.
    extendedRequestId: requestId,
    requestTime: formatRequestTime(now),
    requestTimeEpoch: now,
    connectedAt: connection.connectedAt,
    stage: gateway.stage,
    domainName: gateway.domainName,
    apiId: gateway.apiId,
    connectionId: connection.connectionId,
    identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent ?? null },
    // A copy per event: one handler changing its event must not change the next one's.
    ...(connection.authorizer ? { authorizer: { ...connection.authorizer } } : {}),
  };
}

export interface UpgradeRequestFacts {
  /** Node's `rawHeaders`: names in the client's case, repeated names kept. */
  rawHeaders: string[];
  query: URLSearchParams;
}

export function connectEvent(
  gateway: GatewayFacts,
  connection: ConnectionFacts,
  request: UpgradeRequestFacts,
): WebSocketEvent<string> {
  // Maps, not object literals: a client header named "constructor" or "__proto__" must be just a
  // header, not a lookup into Object.prototype.
  const multi = new Map<string, string[]>();
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] as string;
    const values = multi.get(name) ?? [];
    values.push(request.rawHeaders[i + 1] as string);
    multi.set(name, values);
  }
  const context = requestContext(gateway, connection, '$connect', 'CONNECT');
  for (const [name, value] of forwardedHeaders(gateway, connection, context.requestTimeEpoch)) {
    setHeader(multi, name, value);
  }
  const headers = Object.fromEntries([...multi].map(([name, values]) => [name, values.join(',')]));
  const multiValueHeaders = Object.fromEntries(multi);
  const event: WebSocketEvent<string> = {
    requestContext: context,
    headers,
    multiValueHeaders,
    isBase64Encoded: false,
  };
  const queryKeys = [...new Set(request.query.keys())];
  if (queryKeys.length > 0) {
    event.queryStringParameters = Object.fromEntries(
      queryKeys.map((k) => [k, request.query.getAll(k).at(-1)]),
    );
    event.multiValueQueryStringParameters = Object.fromEntries(
      queryKeys.map((k) => [k, request.query.getAll(k)]),
    );
  }
  return event;
}

/** Replaces a header, whatever the letter case the client sent it in. */
function setHeader(headers: Map<string, string[]>, name: string, value: string): void {
  for (const existing of headers.keys()) {
    if (existing.toLowerCase() === name.toLowerCase()) headers.delete(existing);
  }
  headers.set(name, [value]);
}

/**
 * The headers API Gateway adds to the client's on `$connect` (aws-lambda-go's
 * events/testdata/apigw-websocket-request.json, captured from a stage): the client's address, the
 * port and scheme it came in on, and an X-Ray trace ID `Root=1-{epoch seconds, 8 hex}-{24 hex}`.
 */
function forwardedHeaders(
  gateway: GatewayFacts,
  connection: ConnectionFacts,
  epochMs: number,
): Array<[string, string]> {
  const seconds = Math.floor(epochMs / 1000)
    .toString(16)
    .padStart(8, '0');
  return [
    ['X-Amzn-Trace-Id', `Root=1-${seconds}-${randomBytes(12).toString('hex')}`],
    ['X-Forwarded-For', connection.sourceIp],
    ['X-Forwarded-Port', String(gateway.port)],
    ['X-Forwarded-Proto', 'http'],
  ];
}

/** The REQUEST event API Gateway gives a WebSocket authorizer: the `$connect` request's parts. */
export interface AuthorizerRequestEvent {
  type: 'REQUEST';
  methodArn: string;
  headers: WebSocketEvent['headers'];
  multiValueHeaders: WebSocketEvent['multiValueHeaders'];
  queryStringParameters: WebSocketEvent['queryStringParameters'];
  multiValueQueryStringParameters: WebSocketEvent['multiValueQueryStringParameters'];
  stageVariables: Record<string, string>;
  requestContext: WebSocketRequestContext;
}

/** The authorizer's event for the same request as `connect`, with its own copies of every part. */
export function authorizerEvent(connect: WebSocketEvent<string>, methodArn: string): AuthorizerRequestEvent {
  const copy = structuredClone(connect);
  return {
    type: 'REQUEST',
    methodArn,
    headers: copy.headers,
    multiValueHeaders: copy.multiValueHeaders,
    queryStringParameters: copy.queryStringParameters ?? {},
    multiValueQueryStringParameters: copy.multiValueQueryStringParameters ?? {},
    stageVariables: {},
    requestContext: copy.requestContext,
  };
}

export function messageEvent(
  gateway: GatewayFacts,
  connection: ConnectionFacts,
  routeKey: string,
  body: string,
  isBase64Encoded: boolean,
): WebSocketEvent<string> {
  const context = requestContext(gateway, connection, routeKey, 'MESSAGE');
  context.messageId = newMessageId();
  return { requestContext: context, body, isBase64Encoded };
}

export function disconnectEvent(
  gateway: GatewayFacts,
  connection: ConnectionFacts,
  statusCode: number,
  reason: string,
): WebSocketEvent<string> {
  const context = requestContext(gateway, connection, '$disconnect', 'DISCONNECT');
  context.disconnectStatusCode = statusCode;
  context.disconnectReason = reason;
  // The headers of a $disconnect event captured from a stage: the host and three that AWS sends
  // empty.
  const headers = { Host: gateway.domainName, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' };
  return {
    requestContext: context,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    isBase64Encoded: false,
  };
}
