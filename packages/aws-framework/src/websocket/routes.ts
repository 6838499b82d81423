import type { WebSocketHandlerFn } from './types.js';

/** Route key (`$connect`, `$disconnect`, `$default`, or a custom one) to its handler. */
// biome-ignore lint/suspicious/noExplicitAny: each route declares its own body type
export type RouteTable = Record<string, WebSocketHandlerFn<any>>;

/**
 * One function for `webSocketLambda` that dispatches on the exact route key, for a Lambda that
 * API Gateway integrates with several routes. A key with no route goes to `$default`; with no
 * `$default` it is answered 400 `{"message":"Unknown route key"}`.
 *
 * @example
 * export const handler = webSocketLambda(routes({
 *   $connect: async () => {},
 *   sendMessage: async (event: WebSocketEvent<{ message: string }>, context) => { ... },
 * }));
 */
export function routes(table: RouteTable): WebSocketHandlerFn {
  if (typeof table !== 'object' || table === null) {
    throw new TypeError('routes(table): table must be an object of route key to function');
  }
  // A Map, not the object: a route key such as "__proto__" or "toString" must never reach
  // something inherited from Object.prototype.
  const byKey = new Map<string, WebSocketHandlerFn>();
  for (const [key, route] of Object.entries(table)) {
    if (typeof route !== 'function') {
      throw new TypeError(`routes(table): route "${key}" must be a function`);
    }
    byKey.set(key, route);
  }
  const fallback = byKey.get('$default');

  return function dispatchRoute(event, context) {
    const route = byKey.get(context.routeKey) ?? fallback;
    if (!route) return { statusCode: 400, body: { message: 'Unknown route key' } };
    return route(event, context);
  };
}
