import type { MiddlewareObj, Request } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { ErrorLogEntry, ErrorLogger, WebSocketContext, WebSocketEvent } from './types.js';

export interface WebSocketErrorsOptions {
  /** Default: one JSON line on `console.error`; `false` silences. */
  logger?: ErrorLogger | false;
}

export const INTERNAL_ERROR_MESSAGE = 'Internal server error';

export const logErrorAsJsonLine: ErrorLogger = (entry) => {
  console.error(JSON.stringify(entry));
};

function describeThrown(thrown: unknown): ErrorLogEntry['error'] {
  if (thrown instanceof Error) {
    return { name: thrown.name, message: thrown.message, stack: thrown.stack };
  }
  return { name: typeof thrown, message: String(thrown) };
}

type ErrorRequest = Request<WebSocketEvent, unknown, unknown, WebSocketContext>;

/**
 * Turns any error into a result: a client error (status 400-499 that Middy would expose) keeps
 * its status and message as `{"message": ...}`; everything else is a 500 shaped like API Gateway's
 * own integration error, which never carries the error's message or stack, and is logged once.
 */
export function webSocketErrors(
  options: WebSocketErrorsOptions = {},
): MiddlewareObj<WebSocketEvent, unknown, unknown, WebSocketContext> {
  const logger = options.logger === undefined ? logErrorAsJsonLine : options.logger;
  // Middy's own handler decides what is exposed (statusCode + expose), so both styles of error
  // that Middy users throw, createError and http-errors, behave here as they do in Middy.
  const classify = httpErrorHandler({ logger: false }).onError as (request: unknown) => void;

  const webSocketErrorsOnError = (request: ErrorRequest) => {
    if (request.response !== undefined) return;
    const thrown = request.error;
    classify(request);
    const statusCode = (request.response as { statusCode?: unknown } | undefined)?.statusCode;
    if (
      typeof statusCode === 'number' &&
      Number.isInteger(statusCode) &&
      statusCode >= 400 &&
      statusCode < 500
    ) {
      const message = (request.error as { message?: unknown } | undefined)?.message;
      request.response = { statusCode, body: JSON.stringify({ message: String(message ?? '') }) };
      return;
    }

    const requestContext = (request.event as Partial<WebSocketEvent> | null | undefined)?.requestContext;
    const connectionId = requestContext?.connectionId;
    const requestId = requestContext?.requestId;
    if (logger) {
      // A failing logger must not turn a 500 into a throw out of the handler.
      try {
        logger({
          level: 'error',
          message: 'WebSocket handler failed',
          error: describeThrown(thrown),
          requestId,
          awsRequestId: request.context?.awsRequestId,
          connectionId,
          routeKey: requestContext?.routeKey,
        });
      } catch {}
    }
    request.response = {
      statusCode: 500,
      body: JSON.stringify({ message: INTERNAL_ERROR_MESSAGE, connectionId, requestId }),
    };
  };

  return { onError: webSocketErrorsOnError };
}
