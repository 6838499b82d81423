import type { MiddlewareObj } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { WebSocketContext, WebSocketEvent } from './types.js';

/**
 * Parses a string body as JSON with Middy's parser: base64 decoding, 422 on malformed JSON, and
 * `__proto__` / `constructor.prototype` keys refused with 422. The content-type check is off
 * because WebSocket MESSAGE events carry no headers, and events without a body (CONNECT,
 * DISCONNECT) pass untouched.
 */
export function webSocketJsonBody(): MiddlewareObj<WebSocketEvent, unknown, Error, WebSocketContext> {
  const parse = httpJsonBodyParser({ disableContentTypeCheck: true }).before as (request: unknown) => void;

  const webSocketJsonBodyBefore: NonNullable<
    MiddlewareObj<WebSocketEvent, unknown, Error, WebSocketContext>['before']
  > = (request) => {
    const body = request.event.body;
    if (typeof body !== 'string') return;
    if (body === '') {
      request.event.body = undefined;
      return;
    }
    parse(request);
  };

  return { before: webSocketJsonBodyBefore };
}
