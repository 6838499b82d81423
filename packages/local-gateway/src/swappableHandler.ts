import type { LoadedHandlerFn } from './loadHandler.js';
import { ROUTE_KEYS } from './options.js';

/**
 * A handler to give the gateway once, whose implementation can be replaced while clients stay
 * connected. It reports the current implementation's `length` and route keys as its own: the
 * gateway reads the length to tell a callback handler from a synchronous one, and the route keys to
 * know the API's routes.
 */
export function swappableHandler(initial: LoadedHandlerFn): {
  handler: LoadedHandlerFn;
  swap(next: LoadedHandlerFn): void;
} {
  let current = initial;
  const handler: LoadedHandlerFn = function swappedHandler(event, context, callback) {
    return current(event, context, callback);
  };
  Object.defineProperty(handler, 'length', { get: () => current.length });
  Object.defineProperty(handler, ROUTE_KEYS, {
    get: () => (current as unknown as Record<symbol, unknown>)[ROUTE_KEYS],
  });
  return {
    handler,
    swap(next) {
      current = next;
    },
  };
}
