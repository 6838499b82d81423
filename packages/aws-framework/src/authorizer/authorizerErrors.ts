import type { MiddlewareObj, Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { ErrorLogger, WebSocketRequestContext } from '../types/event.js';
import { describeThrown, logErrorAsJsonLine } from '../websocket/webSocketErrors.js';
import { UNAUTHORIZED } from './authorizerPolicy.js';
import type { WebSocketAuthorizerEvent } from './types.js';

export interface AuthorizerErrorsOptions {
  /** Default: one JSON line on `console.error`; `false` silences. */
  logger?: ErrorLogger | false;
}

type ErrorRequest = Request<WebSocketAuthorizerEvent, unknown, unknown, Context>;

/** A refusal, not a failure: ours for `false` / nothing, or the classic `throw new Error('Unauthorized')`. */
function isRefusal(thrown: unknown): boolean {
  try {
    return thrown instanceof Error && thrown.message === UNAUTHORIZED;
  } catch {
    return false; // an error whose message getter throws is a failure, and logged as one
  }
}

/**
 * Ends every failed invocation with `new Error('Unauthorized')`, the only failure API Gateway
 * answers 401 (any other is a 500, and its message must not reach anyone). A refusal passes
 * silently; anything else (a thrown error, a malformed result) is logged once first.
 */
export function authorizerErrors(
  options: AuthorizerErrorsOptions = {},
): MiddlewareObj<WebSocketAuthorizerEvent, unknown, unknown, Context> {
  const logger = options.logger === undefined ? logErrorAsJsonLine : options.logger;

  const logFailure = (request: ErrorRequest, thrown: unknown) => {
    if (!logger) return;
    const requestContext = (request.event as Partial<WebSocketAuthorizerEvent> | null | undefined)
      ?.requestContext as Partial<WebSocketRequestContext> | undefined;
    logger({
      level: 'error',
      message: 'WebSocket authorizer failed',
      error: describeThrown(thrown),
      requestId: requestContext?.requestId,
      awsRequestId: request.context?.awsRequestId,
      connectionId: requestContext?.connectionId,
      routeKey: requestContext?.routeKey,
    });
  };

  const authorizerErrorsOnError = (request: ErrorRequest) => {
    // A middleware added with .use() that answered the error decides, as everywhere in Middy.
    if (request.response !== undefined) return;
    const thrown = request.error;
    if (!isRefusal(thrown)) {
      try {
        logFailure(request, thrown);
      } catch {
        // A failing logger must not change the answer: still 401.
      }
    }
    request.error = new Error(UNAUTHORIZED);
  };

  return { onError: authorizerErrorsOnError };
}
