import type { MiddlewareObj } from '@middy/core';
import type { Transport } from '../connections/transport.js';
import type { ErrorLogger, WebSocketContext, WebSocketEvent } from './types.js';
import { webSocketContext } from './webSocketContext.js';
import { webSocketErrors } from './webSocketErrors.js';
import { webSocketJsonBody } from './webSocketJsonBody.js';
import { webSocketResponse } from './webSocketResponse.js';

/** One of the middlewares `webSocketMiddlewares` returns. */
export type WebSocketMiddleware = MiddlewareObj<WebSocketEvent, unknown, Error, WebSocketContext>;

export interface WebSocketMiddlewaresOptions {
  endpoint?: string | undefined;
  transport?: Transport | undefined;
  logger?: ErrorLogger | false | undefined;
  /** Parse the body as JSON; the class adapter hands `processWebSocket` the raw string. */
  jsonBody: boolean;
  /** Refuse events without a connection ID and route key with 400; the class adapter lets them through. */
  checkEvent: boolean;
}

/**
 * The stack `webSocketLambda` and the `WebSocketLambda` class both run, in order: context, JSON
 * body, response, errors. Built in one place so the two styles answer alike.
 */
export function webSocketMiddlewares(options: WebSocketMiddlewaresOptions): WebSocketMiddleware[] {
  return [
    webSocketContext({
      endpoint: options.endpoint,
      transport: options.transport,
      checkEvent: options.checkEvent,
    }),
    ...(options.jsonBody ? [webSocketJsonBody()] : []),
    webSocketResponse(),
    webSocketErrors({ logger: options.logger }),
  ];
}
