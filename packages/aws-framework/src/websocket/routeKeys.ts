/**
 * The property under which `routes()` (and `webSocketLambda` around it) lists its table's route
 * keys, so a local gateway can see which routes a handler declares. A registered symbol, so the
 * gateway reads it with `Symbol.for('aws-framework.routeKeys')` without importing this package.
 *
 * @example
 * ```typescript
 * import { ROUTE_KEYS, routes, webSocketLambda } from 'aws-framework';
 *
 * const handler = webSocketLambda(
 *   routes({
 *     $connect: () => ({ statusCode: 200 }),
 *     sendMessage: () => ({ statusCode: 200 }),
 *   }),
 * );
 * console.log(handler[ROUTE_KEYS]); // ['$connect', 'sendMessage']
 * ```
 */
export const ROUTE_KEYS: unique symbol = Symbol.for('aws-framework.routeKeys');

/** The route keys API Gateway reserves; any other key starting with `$` is a mistake. */
export type LifecycleRouteKey = '$connect' | '$disconnect' | '$default';

export const LIFECYCLE_KEYS: ReadonlySet<string> = new Set<LifecycleRouteKey>([
  '$connect',
  '$disconnect',
  '$default',
]);
