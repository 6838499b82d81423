import type { WebSocketHandlerFn } from './types.js';

/**
 * The property under which `routes()` (and `webSocketLambda` around it) lists its table's route
 * keys, so a local gateway can see which routes a handler declares. A registered symbol, so the
 * gateway reads it with `Symbol.for('aws-framework.routeKeys')` without importing this package.
 *
 * @example
 * ```typescript
 * import { ROUTE_KEYS, routes, webSocketLambda } from 'aws-framework';
 *
 * const handler = webSocketLambda(routes({ $connect, sendMessage }));
 * handler[ROUTE_KEYS]; // ['$connect', 'sendMessage']
 * ```
 */
export const ROUTE_KEYS: unique symbol = Symbol.for('aws-framework.routeKeys');

/** The route keys API Gateway reserves; any other key starting with `$` is a mistake. */
type LifecycleRouteKey = '$connect' | '$disconnect' | '$default';

/**
 * Route key (`$connect`, `$disconnect`, `$default`, or a custom one) to its handler; every route
 * sees the same authorizer type, `TAuthorizer`.
 */
// biome-ignore lint/suspicious/noExplicitAny: each route declares its own body type
export type RouteTable<TAuthorizer = undefined> = Record<string, WebSocketHandlerFn<any, TAuthorizer>>;

/**
 * The keys of `T` that start with `$` but are not lifecycle keys, mapped to a type no route can
 * have, so that `routes({ $conect })` fails to compile with the reason in the message.
 */
type MisspelledLifecycleKeys<T> = {
  [K in keyof T as K extends `$${string}`
    ? K extends LifecycleRouteKey
      ? never
      : K
    : never]: 'only $connect, $disconnect and $default may start with $';
};

const LIFECYCLE_KEYS: ReadonlySet<string> = new Set<LifecycleRouteKey>([
  '$connect',
  '$disconnect',
  '$default',
]);

/**
 * One function for `webSocketLambda` that dispatches on the exact route key, for a Lambda that
 * API Gateway integrates with several routes. A message whose key has no route goes to
 * `$default`; with no `$default` it is answered 400 `{"message":"Unknown route key"}`. An absent
 * `$connect` or `$disconnect` answers 200 (the connection is accepted), as on AWS; neither ever
 * goes to `$default`. A key starting with `$` other than `$connect`, `$disconnect` and `$default`
 * is refused, at compile time for a literal table and with a `TypeError` at run time.
 *
 * The returned function carries the table's keys, in table order, under {@link ROUTE_KEYS}.
 *
 * `routes<TAuthorizer>({...})` types every route's `event.requestContext.authorizer` and
 * `context.authorizer` with the API's authorizer context. TypeScript cannot infer the table's
 * keys once a type argument is given, so a misspelled `$` key is then caught at run time only.
 *
 * @example
 * ```typescript
 * import { routes, webSocketLambda, type WebSocketEvent } from 'aws-framework';
 *
 * export const handler = webSocketLambda(routes({
 *   $connect: async () => {},
 *   sendMessage: async (event: WebSocketEvent<{ message: string }>, context) => { ... },
 * }));
 * ```
 */
export function routes<TAuthorizer = undefined, T extends RouteTable<TAuthorizer> = RouteTable<TAuthorizer>>(
  table: T & MisspelledLifecycleKeys<T>,
): WebSocketHandlerFn<unknown, TAuthorizer> {
  if (typeof table !== 'object' || table === null) {
    throw new TypeError('routes(table): table must be an object of route key to function');
  }
  // A Map, not the object: a route key such as "__proto__" or "toString" must never reach
  // something inherited from Object.prototype.
  const byKey = new Map<string, WebSocketHandlerFn<unknown, TAuthorizer>>();
  for (const [key, route] of Object.entries(table)) {
    if (key.startsWith('$') && !LIFECYCLE_KEYS.has(key)) {
      throw new TypeError(
        `routes(table): unknown route key "${key}": only $connect, $disconnect and $default may start with $`,
      );
    }
    if (typeof route !== 'function') {
      throw new TypeError(`routes(table): route "${key}" must be a function`);
    }
    byKey.set(key, route);
  }
  const fallback = byKey.get('$default');

  const dispatchRoute: WebSocketHandlerFn<unknown, TAuthorizer> = function dispatchRoute(event, context) {
    const route = byKey.get(context.routeKey);
    if (route) return route(event, context);
    // AWS accepts a connection and ends a disconnect itself when the API has no such route, and
    // never sends either to $default, which is for messages only.
    if (context.routeKey === '$connect' || context.routeKey === '$disconnect') return { statusCode: 200 };
    if (!fallback) return { statusCode: 400, body: { message: 'Unknown route key' } };
    return fallback(event, context);
  };
  Object.defineProperty(dispatchRoute, ROUTE_KEYS, { value: Object.freeze([...byKey.keys()]) });
  return dispatchRoute;
}
