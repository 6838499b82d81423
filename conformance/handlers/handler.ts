// The one Lambda handler behind every route of both conformance APIs. Plain, with no dependency but
// node:crypto, so the deployed bundle stays a few kilobytes; what it does is driven by the client
// (the $connect query, the message's action) because Lambdas share no state a test could read.
import { createHash } from 'node:crypto';

/** The part of API Gateway's WebSocket event this handler reads. */
export interface ConformanceEvent {
  requestContext: {
    routeKey: string;
    eventType: string;
    connectionId: string;
    requestId: string;
    extendedRequestId?: string;
    messageId?: string;
    messageDirection?: string;
    apiId?: string;
    stage?: string;
    domainName?: string;
  };
  headers?: Record<string, string | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

export interface ConformanceResult {
  statusCode: number;
  body?: string;
  headers?: Record<string, string>;
}

/** What the `echo` route answers: the body it got and the requestContext fields the suite checks. */
export interface EchoReply {
  body: string | null;
  isBase64Encoded: boolean | null;
  routeKey: string;
  eventType: string;
  messageDirection: string | null;
  connectionId: string;
  requestId: string;
  extendedRequestId: string | null;
  messageId: string | null;
  apiId: string | null;
  stage: string | null;
  domainName: string | null;
}

/** What the `measure` route answers: how many bytes the body had and their SHA-256, in hex. */
export interface MeasureReply {
  bytes: number;
  sha256: string;
}

const ok = (body?: unknown): ConformanceResult =>
  body === undefined ? { statusCode: 200 } : { statusCode: 200, body: JSON.stringify(body) };

function header(event: ConformanceEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/**
 * `$connect`, steered by the query string:
 * - `?throw=1` throws (API Gateway refuses the upgrade with 502);
 * - `?refuse=401` answers that status (the upgrade is refused with it);
 * - `?header=X-Name&value=v` refuses 400 unless the request carried that header with that value,
 *   which is how a test sees that query and headers reached the handler;
 * - `?protocol=NAME` accepts with `Sec-WebSocket-Protocol: NAME`, selecting that subprotocol.
 */
function connectConformance(event: ConformanceEvent): ConformanceResult {
  const query = event.queryStringParameters ?? {};
  if (query.throw) throw new Error('conformance: $connect was asked to throw');
  if (query.refuse) return { statusCode: Number(query.refuse), body: 'refused as asked' };
  if (query.header && header(event, query.header) !== query.value) {
    return { statusCode: 400, body: `expected header ${query.header}` };
  }
  if (query.protocol) return { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': query.protocol } };
  return ok();
}

function echoConformance(event: ConformanceEvent): ConformanceResult {
  const context = event.requestContext;
  const reply: EchoReply = {
    body: event.body ?? null,
    isBase64Encoded: event.isBase64Encoded ?? null,
    routeKey: context.routeKey,
    eventType: context.eventType,
    messageDirection: context.messageDirection ?? null,
    connectionId: context.connectionId,
    requestId: context.requestId,
    extendedRequestId: context.extendedRequestId ?? null,
    messageId: context.messageId ?? null,
    apiId: context.apiId ?? null,
    stage: context.stage ?? null,
    domainName: context.domainName ?? null,
  };
  return ok(reply);
}

function measureConformance(event: ConformanceEvent): ConformanceResult {
  const bytes = Buffer.from(event.body ?? '', 'utf8');
  const reply: MeasureReply = {
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
  return ok(reply);
}

export async function handler(event: ConformanceEvent): Promise<ConformanceResult> {
  switch (event.requestContext.routeKey) {
    case '$connect':
      return connectConformance(event);
    case '$disconnect':
      return ok();
    case 'echo':
      return echoConformance(event);
    case 'whoami':
      return ok({ connectionId: event.requestContext.connectionId });
    case 'measure':
      return measureConformance(event);
    case 'fail':
      throw new Error('conformance: the fail route throws');
    case 'silent':
      // No route response on this route: this body must never reach the client.
      return ok({ routeKey: 'silent', note: 'a route without a route response must not send this' });
    default:
      return ok({ routeKey: event.requestContext.routeKey, body: event.body ?? null });
  }
}
