import type { WebSocketEvent } from './types.js';

/** The parts of `event.requestContext` the middlewares read, each as the event has it. */
export interface RequestContextParts {
  connectionId?: unknown;
  routeKey?: unknown;
  eventType?: unknown;
  requestId?: unknown;
  authorizer?: unknown;
}

/**
 * Reads `event.requestContext` once, for any event: `null`, a primitive, or an object whose getters
 * or Proxy traps throw (which count as no request context: the event is not API Gateway's) give
 * `{}`, never a throw.
 */
export function readRequestContext(event: unknown): RequestContextParts {
  try {
    const requestContext = (event as Partial<WebSocketEvent> | null | undefined)?.requestContext as
      | RequestContextParts
      | null
      | undefined;
    if (typeof requestContext !== 'object' || requestContext === null) return {};
    const { connectionId, routeKey, eventType, requestId, authorizer } = requestContext;
    return { connectionId, routeKey, eventType, requestId, authorizer };
  } catch {
    return {};
  }
}
