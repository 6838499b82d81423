import type { MiddlewareObj } from '@middy/core';
import type { WebSocketContext, WebSocketEvent, WebSocketResponse, WebSocketResult } from './types.js';

/** The handler returned something API Gateway cannot use: a bug in the handler, answered 500. */
export class InvalidResponseError extends Error {
  override readonly name = 'InvalidResponseError';
}

function isValidStatusCode(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 100 && (value as number) <= 599;
}

export function toWebSocketResult(response: unknown): WebSocketResult {
  if (response === undefined || response === null) return { statusCode: 200 };
  if (typeof response !== 'object') {
    throw new InvalidResponseError(
      `The handler returned a ${typeof response}; return { statusCode, body? } or nothing`,
    );
  }
  const { statusCode, body, headers } = response as WebSocketResponse;
  if (!isValidStatusCode(statusCode)) {
    throw new InvalidResponseError(
      `The handler returned statusCode ${JSON.stringify(statusCode)}; it must be an integer from 100 to 599`,
    );
  }
  const result: WebSocketResult = { statusCode };
  if (body !== undefined) result.body = typeof body === 'string' ? body : JSON.stringify(body);
  if (headers !== undefined) result.headers = headers;
  return result;
}

/** Maps the handler's `WebSocketResponse` (or nothing) to the result API Gateway expects. */
export function webSocketResponse(): MiddlewareObj<WebSocketEvent, unknown, Error, WebSocketContext> {
  const webSocketResponseAfter: NonNullable<
    MiddlewareObj<WebSocketEvent, unknown, Error, WebSocketContext>['after']
  > = (request) => {
    request.response = toWebSocketResult(request.response);
  };
  return { after: webSocketResponseAfter };
}
