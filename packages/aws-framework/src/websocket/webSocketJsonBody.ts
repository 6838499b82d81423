import type { MiddlewareObj } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { WebSocketContext, WebSocketEvent } from './types.js';

// A body in which neither key name nor a `\u` escape (the only other way to spell them in JSON)
// appears cannot hold a `__proto__` or `constructor` key.
const MAY_HOLD_FORBIDDEN_KEY = /__proto__|constructor|\\u/;

/**
 * Parses a string body as JSON as Middy's parser does: base64 decoding, 422 on malformed JSON, and
 * `__proto__` / `constructor.prototype` keys refused with 422. The content-type check is off
 * because WebSocket MESSAGE events carry no headers, and events without a body (CONNECT,
 * DISCONNECT) pass untouched.
 */
export function webSocketJsonBody(): MiddlewareObj<WebSocketEvent, unknown, Error, WebSocketContext> {
  const parse = httpJsonBodyParser({ disableContentTypeCheck: true }).before as (request: unknown) => void;

  const webSocketJsonBodyBefore: NonNullable<
    MiddlewareObj<WebSocketEvent, unknown, Error, WebSocketContext>['before']
  > = (request) => {
    const event = request.event;
    const body = event.body;
    if (typeof body !== 'string') return;
    if (body === '') {
      event.body = undefined;
      return;
    }
    // Middy's parser passes a reviver to JSON.parse to find the forbidden keys, which made parsing
    // most of the toolkit's per-invocation cost (bench/suites/invocation.ts). A body that cannot
    // hold them parses to the same value without it; anything else, base64 bodies and malformed
    // JSON included, still goes through Middy's parser, which words the 422.
    if (!event.isBase64Encoded && !MAY_HOLD_FORBIDDEN_KEY.test(body)) {
      try {
        event.body = JSON.parse(body);
        return;
      } catch {
        // Not JSON: Middy's parser, below, answers it with the 422.
      }
    }
    parse(request);
  };

  return { before: webSocketJsonBodyBefore };
}
