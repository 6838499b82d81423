import type { GatewayLog } from './gatewayLog.js';
import { checkRouteKeys, type LambdaHandler, type ResolvedOptions, routeKeysOf } from './options.js';

/** Which routes the API declares, and which integration answers each. */
export interface RouteTable {
  /**
   * Whether the API has a route for this key. In `routes` mode, the routes given. In `handler`
   * mode: every key when nothing declares them; the keys of a `routes({...})` table exactly as its
   * table has them (an API built from it has just those routes); or the `routeKeys` option, with
   * `$connect`, `$disconnect` and `$default` integrated with the handler as well. Mock routes in
   * either mode.
   */
  isDeclared(routeKey: string): boolean;
  /** Whether the route is on a MOCK integration: API Gateway answers it itself, no Lambda runs. */
  isMock(routeKey: string): boolean;
  /** The Lambda integrated with a declared route; none for an undeclared or a mock route. */
  handlerFor(routeKey: string): LambdaHandler | undefined;
  /** Replaces the declared keys of `handler` mode; `undefined` goes back to the handler's own. */
  setRouteKeys(keys: string[] | undefined): void;
  /** Logs what the API declares (`handler` mode only), as the gateway does at start. */
  logDeclared(): void;
}

export type RouteTableOptions = Pick<
  ResolvedOptions,
  'handler' | 'routes' | 'mockRoutes' | 'routeKeys' | 'routeKeysSource'
>;

/**
 * The API's routes from the resolved options. `routeKeys` given (or set later) win; otherwise the
 * handler's `routes({...})` table is read on each use, so a handler swapped by `--watch` brings
 * its own routes (and the change is logged).
 *
 * @example
 * const routes = createRouteTable(resolveOptions({ handler }), gatewayLog(console));
 * routes.handlerFor('$connect'); // the handler, when the API declares $connect
 */
export function createRouteTable(config: RouteTableOptions, log: GatewayLog): RouteTable {
  const { handler, routes, mockRoutes } = config;
  let explicitKeys = config.routeKeysSource === 'option' ? config.routeKeys : undefined;
  let discovered: { from: readonly string[] | undefined; keys: ReadonlySet<string> | undefined } = {
    from: undefined,
    keys: undefined,
  };

  function declaredRoutes(): {
    keys: ReadonlySet<string> | undefined;
    source: 'option' | 'handler' | undefined;
  } {
    if (explicitKeys) return { keys: explicitKeys, source: 'option' };
    const fromHandler = routeKeysOf(handler);
    if (fromHandler !== discovered.from) {
      const first = discovered.from === undefined && discovered.keys === undefined;
      discovered = { from: fromHandler, keys: fromHandler ? new Set(fromHandler) : undefined };
      if (!first) logDeclared();
    }
    return { keys: discovered.keys, source: discovered.keys ? 'handler' : undefined };
  }

  function logDeclared(): void {
    if (handler === undefined) return;
    const declared = declaredRoutes();
    log.info(() =>
      declared.keys === undefined
        ? 'every action is treated as a declared route: give routeKeys (--routes a,b) or build the handler with routes({...}) so that other actions take $default, as on AWS'
        : `declared routes (${declared.source === 'option' ? 'routeKeys' : 'from the handler'}): ${[...declared.keys].join(', ') || 'none'}`,
    );
  }

  function isDeclared(routeKey: string): boolean {
    if (mockRoutes.has(routeKey)) return true;
    if (handler === undefined) return routes.has(routeKey);
    const declared = declaredRoutes();
    if (declared.keys === undefined) return true;
    if (declared.source === 'option' && routeKey.startsWith('$')) return true;
    return declared.keys.has(routeKey);
  }

  const isMock = (routeKey: string): boolean => mockRoutes.has(routeKey);

  function handlerFor(routeKey: string): LambdaHandler | undefined {
    return isDeclared(routeKey) && !mockRoutes.has(routeKey) ? (handler ?? routes.get(routeKey)) : undefined;
  }

  function setRouteKeys(keys: string[] | undefined): void {
    if (handler === undefined) {
      throw new TypeError('setRouteKeys is for a gateway started with "handler"');
    }
    explicitKeys = keys === undefined ? undefined : new Set(checkRouteKeys('setRouteKeys', keys));
    logDeclared();
  }

  return { isDeclared, isMock, handlerFor, setRouteKeys, logDeclared };
}
