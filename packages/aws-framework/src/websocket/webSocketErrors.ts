import type { MiddlewareObj, Request } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import { readRequestContext } from './readRequestContext.js';
import type { ErrorLogEntry, ErrorLogger, WebSocketContext, WebSocketEvent } from './types.js';

export interface WebSocketErrorsOptions {
  /** Default: one JSON line on `console.error`; `false` silences. */
  logger?: ErrorLogger | false;
}

export const INTERNAL_ERROR_MESSAGE = 'Internal server error';

export const logErrorAsJsonLine: ErrorLogger = (entry) => {
  console.error(JSON.stringify(entry));
};

/** The `error` part of a log entry, for anything thrown (an Error, a string, an object, undefined). */
export function describeThrown(thrown: unknown): ErrorLogEntry['error'] {
  if (thrown instanceof Error) {
    return { name: thrown.name, message: thrown.message, stack: thrown.stack };
  }
  const { name, message } = (typeof thrown === 'object' && thrown !== null ? thrown : {}) as {
    name?: unknown;
    message?: unknown;
  };
  let printed: string;
  try {
    printed = typeof message === 'string' ? message : String(thrown);
  } catch {
    printed = Object.prototype.toString.call(thrown);
  }
  return { name: typeof name === 'string' ? name : typeof thrown, message: printed };
}

type ErrorRequest = Request<WebSocketEvent, unknown, unknown, WebSocketContext>;

/** A client error: a status from 400 to 499 and the message the client may see. */
export interface ClientError {
  statusCode: number;
  message: string;
}

// Middy's own handler decides what is exposed (statusCode + expose), so both styles of error that
// Middy users throw, createError and http-errors, behave here as they do in Middy. Made on first use.
let classify: ((request: unknown) => void) | undefined;

/**
 * The client error `thrown` stands for (status 400-499 that Middy would expose), or `undefined`
 * for anything else, which is answered 500. Middy's handler writes `expose` onto the error it
 * classifies; a copy keeps that working for frozen errors (shared constants) and leaves the
 * caller's error object untouched.
 */
export function clientErrorOf(thrown: unknown): ClientError | undefined {
  if (typeof thrown !== 'object' || thrown === null) return undefined;
  try {
    const { statusCode, expose, message } = thrown as {
      statusCode?: unknown;
      expose?: unknown;
      message?: unknown;
    };
    const probe = {
      event: undefined,
      context: undefined,
      response: undefined,
      error: { statusCode, expose, message },
    };
    classify ??= httpErrorHandler({ logger: false }).onError as (request: unknown) => void;
    classify(probe);
    const status = (probe.response as { statusCode?: unknown } | undefined)?.statusCode;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 499) {
      return undefined;
    }
    return { statusCode: status, message: String(probe.error.message ?? '') };
  } catch {
    // An error whose properties throw when read is no client error we can describe.
    return undefined;
  }
}

/**
 * Thrown by a route that has already decided what the client gets (`routes(contract, handlers)`
 * with route-response replies): `cause` is logged as any 5xx is, and `response` is the result.
 */
export class FailedWithResponseError extends Error {
  override readonly name = 'FailedWithResponseError';
  readonly response: { statusCode: number; body: string };

  constructor(cause: unknown, response: { statusCode: number; body: string }) {
    super('The route failed and chose its own response', { cause });
    this.response = response;
  }
}

// instanceof consults the prototype chain, which a thrown Proxy's trap can refuse to give.
function isFailedWithResponse(thrown: unknown): thrown is FailedWithResponseError {
  try {
    return thrown instanceof FailedWithResponseError;
  } catch {
    return false;
  }
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * The event's IDs for the log line and the 500's body, read so that no event makes the error
 * handler throw: only strings (a BigInt or a `toJSON` that throws would break `JSON.stringify`).
 */
function eventIdsOf(event: unknown): { requestId?: string; connectionId?: string; routeKey?: string } {
  const { requestId, connectionId, routeKey } = readRequestContext(event);
  return {
    requestId: stringOrUndefined(requestId),
    connectionId: stringOrUndefined(connectionId),
    routeKey: stringOrUndefined(routeKey),
  };
}

/**
 * Turns any error into a result: a client error (status 400-499 that Middy would expose) keeps
 * its status and message as `{"message": ...}`; everything else is a 500 shaped like API Gateway's
 * own integration error, which never carries the error's message or stack, and is logged once.
 */
export function webSocketErrors(
  options: WebSocketErrorsOptions = {},
): MiddlewareObj<WebSocketEvent, unknown, Error, WebSocketContext> {
  const logger = options.logger === undefined ? logErrorAsJsonLine : options.logger;
  const logFailure = (request: ErrorRequest, thrown: unknown) => {
    if (!logger) return;
    const { requestId, connectionId, routeKey } = eventIdsOf(request.event);
    logger({
      level: 'error',
      message: 'WebSocket handler failed',
      error: describeThrown(thrown),
      requestId,
      awsRequestId: request.context?.awsRequestId,
      connectionId,
      routeKey,
    });
  };

  const webSocketErrorsOnError = (request: ErrorRequest) => {
    if (request.response !== undefined) return;
    const thrown = request.error;
    if (isFailedWithResponse(thrown)) {
      try {
        logFailure(request, thrown.cause);
      } catch {
        // A failing logger must not turn a 500 into a throw out of the handler.
      }
      request.response = thrown.response;
      return;
    }
    const clientError = clientErrorOf(thrown);
    if (clientError) {
      request.response = {
        statusCode: clientError.statusCode,
        body: JSON.stringify({ message: clientError.message }),
      };
      return;
    }
    try {
      logFailure(request, thrown);
    } catch {
      // A failing logger must not turn a 500 into a throw out of the handler.
    }
    const { connectionId, requestId } = eventIdsOf(request.event);
    request.response = {
      statusCode: 500,
      body: JSON.stringify({ message: INTERNAL_ERROR_MESSAGE, connectionId, requestId }),
    };
  };

  return { onError: webSocketErrorsOnError };
}
