import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** API Gateway's limit for one message, in bytes (128 KB). */
export const MAX_PAYLOAD_BYTES = 131_072;

/** What the management API needs of the gateway's connections. */
export interface ManagedConnections {
  /** Whether the connection is open: one that is closing or closed is gone for every method. */
  has(connectionId: string): boolean;
  /** Whether the connection's socket holds more unsent bytes than the client-buffer limit. */
  isBufferFull(connectionId: string): boolean;
  /** Queues the message for the client; false when the connection went away meanwhile. */
  post(connectionId: string, data: string | Buffer): boolean;
  info(connectionId: string): {
    connectedAt: number;
    lastActiveAt: number;
    sourceIp: string;
    userAgent?: string;
  };
  delete(connectionId: string): void;
}

/** The management API's limits: an account-wide request rate, when set. */
export interface ManagementLimits {
  /** False when the request is over the rate. */
  tryTakeRequest?: () => boolean;
}

// The management API's only throttling error, for the account's rate and a client whose buffer is
// full alike (AWS: "Use @connections commands in your backend service"; DESIGN.md's fact table).
const THROTTLED = ['LimitExceededException', 'Rate exceeded'] as const;

// The SDK's REST-JSON protocol reads the error's name from this header, so a 410 with
// `GoneException` here becomes the SDK's own GoneException class on the caller's side.
function answerError(response: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ message });
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': type,
  });
  response.end(body);
}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | 'too large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Keep reading to the end so the client sees the answer rather than a reset, but stop keeping.
    if (size <= limit) chunks.push(chunk);
  }
  return size > limit ? 'too large' : Buffer.concat(chunks, size);
}

/**
 * `{endpoint}/@connections/{id}`, answering as API Gateway does: POST delivers the bytes (a text
 * frame when they are UTF-8, else binary), GET tells about the connection, DELETE closes it; an
 * unknown ID, or one closing or closed, is 410 `GoneException` for every method; a client that does
 * not read, or a request over the account's rate, is 429 `LimitExceededException`. Signatures are
 * not checked.
 */
export async function handleManagementRequest(
  connections: ManagedConnections,
  connectionId: string,
  request: IncomingMessage,
  response: ServerResponse,
  limits: ManagementLimits = {},
): Promise<void> {
  const method = request.method ?? 'GET';
  if (limits.tryTakeRequest && !limits.tryTakeRequest()) {
    request.resume();
    answerError(response, 429, ...THROTTLED);
    return;
  }
  if (method === 'POST') {
    const body = await readBody(request, MAX_PAYLOAD_BYTES);
    if (body === 'too large') {
      answerError(
        response,
        413,
        'PayloadTooLargeException',
        `Message must not exceed ${MAX_PAYLOAD_BYTES} bytes`,
      );
      return;
    }
    if (!connections.has(connectionId)) {
      answerError(response, 410, 'GoneException', 'Gone');
      return;
    }
    if (connections.isBufferFull(connectionId)) {
      answerError(response, 429, ...THROTTLED);
      return;
    }
    if (!connections.post(connectionId, isUtf8(body) ? body.toString('utf8') : body)) {
      answerError(response, 410, 'GoneException', 'Gone');
      return;
    }
    response.writeHead(200, { 'content-length': 0 }).end();
    return;
  }

  request.resume();
  if (!connections.has(connectionId)) {
    answerError(response, 410, 'GoneException', 'Gone');
    return;
  }
  if (method === 'GET') {
    const info = connections.info(connectionId);
    const body = JSON.stringify({
      connectedAt: new Date(info.connectedAt).toISOString(),
      lastActiveAt: new Date(info.lastActiveAt).toISOString(),
      identity: { sourceIp: info.sourceIp, userAgent: info.userAgent },
    });
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
    return;
  }
  if (method === 'DELETE') {
    connections.delete(connectionId);
    response.writeHead(204).end();
    return;
  }
  answerError(response, 403, 'ForbiddenException', `Method ${method} is not supported on @connections`);
}
