import { type ConnectionFacts, disconnectEvent, type GatewayFacts, messageEvent } from './events.js';
import type { GatewayLog } from './gatewayLog.js';
import { invoke } from './invoke.js';
import { selectRouteKey } from './routeSelection.js';
import type { RouteTable } from './routeTable.js';

/** What routing needs of a connection: its facts, which every event repeats, and a way to answer. */
export interface RoutedConnection extends ConnectionFacts {
  /** Queues a frame for the client; false when the connection is closing. */
  send(data: string): boolean;
}

export interface MessageRouterOptions {
  gateway: GatewayFacts;
  routes: Pick<RouteTable, 'isDeclared' | 'isMock' | 'handlerFor'>;
  /** The path of `routeSelectionExpression` in the JSON body (`['action']`). */
  routeSelectionPath: readonly string[];
  hasRouteResponse(routeKey: string): boolean;
  /** The Lambda's name in each invocation's context. */
  functionName: string;
  integrationTimeoutMs: number;
  log: GatewayLog;
}

export interface MessageRouter {
  /**
   * Runs the route a text message selects and answers the client as API Gateway does: the route
   * response's body on routes that have one, an error frame when the integration fails or
   * overruns, the Forbidden frame when no route takes it, nothing on a MOCK route.
   */
  routeMessage(connection: RoutedConnection, body: string): Promise<void>;
  /** Delivers `$disconnect`, when the API has that route, with the close's code and reason. */
  deliverDisconnect(connection: ConnectionFacts, statusCode: number, reason: string): Promise<void>;
}

/**
 * Message routing and invocation for one gateway.
 *
 * @example
 * const router = createMessageRouter({ gateway, routes, routeSelectionPath: ['action'], ... });
 * await router.routeMessage(connection, '{"action":"join"}');
 */
export function createMessageRouter(options: MessageRouterOptions): MessageRouter {
  const { gateway, routes, routeSelectionPath, hasRouteResponse, functionName, integrationTimeoutMs, log } =
    options;

  async function routeMessage(connection: RoutedConnection, body: string): Promise<void> {
    const routeKey = selectRouteKey(body, routeSelectionPath, routes.isDeclared);
    if (routes.isMock(routeKey)) {
      // A MOCK integration (a heartbeat route, say): no Lambda runs, and it still counted as traffic.
      log.info(() => `${routeKey} ${connection.connectionId} mock`);
      return;
    }
    const event = messageEvent(gateway, connection, routeKey, body, false);
    const { connectionId, requestId } = event.requestContext;
    const handler = routes.handlerFor(routeKey);
    if (!handler) {
      connection.send(JSON.stringify({ message: 'Forbidden', connectionId, requestId }));
      return;
    }
    const outcome = await invoke(handler, event, functionName, integrationTimeoutMs);
    const frame = outcome.ok ? routeResponseFrame(hasRouteResponse(routeKey), outcome.result) : undefined;
    if (frame instanceof Error) {
      // A result that cannot be serialized is an integration failure, as API Gateway sees it.
      log.invocation(routeKey, connectionId, { ok: false, error: frame, timedOut: false, ms: outcome.ms });
    } else {
      log.invocation(routeKey, connectionId, outcome);
    }
    if (!outcome.ok || frame instanceof Error) {
      // API Gateway's own texts for the two (chalice#1406 and mangum#128 show the timeout's frame).
      const message =
        !outcome.ok && outcome.timedOut ? 'Endpoint request timed out' : 'Internal server error';
      connection.send(JSON.stringify({ message, connectionId, requestId }));
      return;
    }
    if (frame !== undefined) connection.send(frame);
  }

  async function deliverDisconnect(
    connection: ConnectionFacts,
    statusCode: number,
    reason: string,
  ): Promise<void> {
    const handler = routes.handlerFor('$disconnect');
    if (!handler) return;
    const event = disconnectEvent(gateway, connection, statusCode, reason);
    log.invocation(
      '$disconnect',
      connection.connectionId,
      await invoke(handler, event, functionName, integrationTimeoutMs),
    );
  }

  return { routeMessage, deliverDisconnect };
}

/** The frame a route response sends back: nothing without one, an Error when the body cannot be serialized. */
function routeResponseFrame(hasRouteResponse: boolean, result: unknown): string | Error | undefined {
  if (!hasRouteResponse) return undefined;
  const responseBody = (result as { body?: unknown } | null | undefined)?.body;
  if (responseBody === undefined || responseBody === null || responseBody === '') return undefined;
  if (typeof responseBody === 'string') return responseBody;
  try {
    const frame = JSON.stringify(responseBody) as string | undefined;
    return frame === undefined ? new TypeError(`route response body of type ${typeof responseBody}`) : frame;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
