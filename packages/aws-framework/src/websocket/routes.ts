import type { Contract } from '../contract/types.js';
import { contractRoutes } from './contractRoutes.js';
import { LIFECYCLE_KEYS, type LifecycleRouteKey, ROUTE_KEYS } from './routeKeys.js';
import type {
  ContractHandlers,
  ContractRoutesOptions,
  HandlerReturn,
  WebSocketContext,
  WebSocketEvent,
  WebSocketHandlerFn,
} from './types.js';

export { ROUTE_KEYS } from './routeKeys.js';

/**
 * Route key (`$connect`, `$disconnect`, `$default`, or a custom one) to its handler; every route
 * sees the same authorizer type, `TAuthorizer`.
 */
export type RouteTable<TAuthorizer = undefined> = Record<string, RouteHandler<TAuthorizer>>;

/**
 * A route of a `RouteTable`. An unannotated route's body is `unknown`, so it is narrowed or
 * validated before use. Declared as a method so that a route annotating its own body type
 * (`(event: WebSocketEvent<{ text: string }>) => ...`) still fits: TypeScript compares method
 * parameters both ways. Such an annotation is a promise nothing checks; a contract checks it.
 */
export type RouteHandler<TAuthorizer = undefined> = {
  /**
   * Handles one event of the route: it returns a {@link WebSocketResponse}, or nothing for 200.
   * A thrown client error (status 400-499) keeps its status and message; anything else is a
   * logged 500.
   */
  route(
    event: WebSocketEvent<unknown, TAuthorizer>,
    context: WebSocketContext<TAuthorizer>,
  ): HandlerReturn | Promise<HandlerReturn>;
}['route'];

/**
 * The keys of `T` that start with `$` but are not lifecycle keys, mapped to a type no route can
 * have, so that `routes({ $conect })` fails to compile with the reason in the message. For any
 * other table it is `{}`, so it adds nothing to the table's type.
 */
export type MisspelledLifecycleKeys<T> = {
  [K in keyof T as K extends `$${string}`
    ? K extends LifecycleRouteKey
      ? never
      : K
    : never]: 'only $connect, $disconnect and $default may start with $';
};

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
 * import { routes, type WebSocketEvent, webSocketLambda } from 'aws-framework';
 *
 * export const handler = webSocketLambda(
 *   routes({
 *     $connect: async () => {},
 *     sendMessage: async (event: WebSocketEvent<{ message: string }>, context) => {
 *       await context.send(context.connectionId, { echo: event.body?.message });
 *     },
 *   }),
 * );
 * ```
 * @throws {@link !TypeError} when `table` is not an object, a key starting with `$` is not
 * `$connect`, `$disconnect` or `$default`, or a route is not a function.
 */
export function routes<TAuthorizer = undefined, T extends RouteTable<TAuthorizer> = RouteTable<TAuthorizer>>(
  table: T & MisspelledLifecycleKeys<T>,
): WebSocketHandlerFn<unknown, TAuthorizer>;
/**
 * Routes a contract's actions (see `defineContract` in `aws-framework/contract`): each action's
 * handler runs only with a valid payload, which it gets as `event.body`, typed as its schema's
 * output; `context.emit(connectionId, event, payload)` pushes the contract's events, typed by
 * their schemas. A payload the schema refuses, or a body that is not an action frame
 * `{ action, payload, id? }` for the route, is answered 422
 * `{"message":"Invalid message","issues":[{ "path": [...], "message": "..." }]}` (`"Invalid action
 * frame"` for the frame), and the handler does not run. `$connect`, `$disconnect` and `$default`
 * are untyped, and unmatched keys go as with `routes(table)`.
 *
 * A frame with an `id` is a request: the handler's return value is sent back as the reply frame
 * `{ reply: id, ok: true, payload }`, a 4xx (thrown, or the 422) as `{ reply: id, ok: false,
 * error: { status, message, issues? } }`, and anything else as status 500 `'Internal server error'`,
 * logged once. Replies go through the management API, or, with `{ replies: 'routeResponse' }`,
 * as the route's result body. `routes<typeof contract, TAuthorizer>(contract, handlers)` declares
 * the authorizer type.
 *
 * @example
 * ```typescript
 * import { routes, webSocketLambda } from 'aws-framework';
 * import { defineContract } from 'aws-framework/contract';
 * import { z } from 'zod';
 *
 * const chat = defineContract({
 *   actions: { join: z.object({ room: z.string().min(1) }) },
 *   events: { joined: z.object({ room: z.string() }) },
 *   replies: { join: z.object({ members: z.number() }) },
 * });
 *
 * export const handler = webSocketLambda(
 *   routes(chat, {
 *     join: async (event, context) => {
 *       await context.emit(context.connectionId, 'joined', { room: event.body.room });
 *       return { members: 1 }; // the reply to a request
 *     },
 *   }),
 * );
 * ```
 * @throws {@link OptionsError} when `options` is not an object, has an unknown key, or a value of
 * the wrong type.
 * @throws {@link !TypeError} when `contract` is not what `defineContract` returns (its `actions`,
 * `events` or `replies` not an object of Standard Schemas), `handlers` is not an object, a
 * handler is not a function, a key starting with `$` is not `$connect`, `$disconnect` or
 * `$default`, or another key is not an action of the contract.
 */
export function routes<C extends Contract, TAuthorizer = undefined>(
  contract: C,
  handlers: ContractHandlers<NoInfer<C>, TAuthorizer>,
  options?: ContractRoutesOptions,
): WebSocketHandlerFn<unknown, TAuthorizer>;
export function routes<TAuthorizer>(
  tableOrContract: RouteTable<TAuthorizer> | Contract,
  handlers?: Record<string, unknown>,
  options?: ContractRoutesOptions,
): WebSocketHandlerFn<unknown, TAuthorizer> {
  if (handlers !== undefined) return contractRoutes<TAuthorizer>(tableOrContract, handlers, options);
  return tableRoutes(tableOrContract as RouteTable<TAuthorizer>);
}

function tableRoutes<TAuthorizer>(table: RouteTable<TAuthorizer>): WebSocketHandlerFn<unknown, TAuthorizer> {
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
