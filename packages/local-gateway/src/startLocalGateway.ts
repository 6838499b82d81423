import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConnectionRegistry } from './connectionRegistry.js';
import type { GatewayFacts } from './events.js';
import { gatewayLog } from './gatewayLog.js';
import { createHandshake } from './handshake.js';
import { createHttpListener } from './httpListener.js';
import { newApiId } from './ids.js';
import { createMessageRouter } from './messageRouter.js';
import { type LocalGatewayOptions, resolveOptions } from './options.js';
import { RateLimiter } from './rateLimiter.js';
import { createRouteTable } from './routeTable.js';

export { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './connectAuthorizer.js';

/** A running local gateway, as {@link startLocalGateway} resolves it: where it is and how to stop it. */
export interface LocalGateway {
  /** The WebSocket URL clients connect to: `ws://host:port/{stage}`. */
  url: string;
  /** The management API base: `http://host:port/{stage}`, as `resolveEndpoint` finds it. */
  endpoint: string;
  /** The port the gateway listens on: the one picked when the `port` option was 0. */
  port: number;
  /**
   * Disconnects every client (delivering `$disconnect`) and resolves when the server is down.
   * Calling it again returns the same promise.
   */
  close(): Promise<void>;
  /**
   * Replaces the declared route keys of `handler` mode, as the `routeKeys` option gives them;
   * `undefined` goes back to the handler's own `routes({...})` table, or to every action. The CLI's
   * `--watch` uses it.
   *
   * @throws {@link !TypeError} when the gateway was started with `routes` rather than `handler`, or
   * when `keys` is not an array of non-empty strings with no `$` key but `$connect`, `$disconnect`
   * and `$default`.
   */
  setRouteKeys(keys: string[] | undefined): void;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Runs Lambda handlers behind a real WebSocket server that behaves like API Gateway's WebSocket
 * API, with its management API (`@connections`) on the same port for the real SDK client.
 *
 * Events carry every `requestContext` field with real values (`domainName` is `host:port`), so
 * aws-framework's `resolveEndpoint` finds the gateway with no configuration, and `context.send`
 * works unchanged. Handlers run in this process: made for tests and development, with no IAM and
 * no signature checks.
 *
 * @example
 * ```ts
 * import { routes, webSocketLambda } from 'aws-framework';
 * import { startLocalGateway } from 'aws-framework-local';
 *
 * const handler = webSocketLambda(
 *   routes({
 *     echo: async (event, context) => {
 *       await context.send(context.connectionId, { echo: event.body });
 *     },
 *   }),
 * );
 *
 * const gateway = await startLocalGateway({ handler, port: 0 }); // 0: any free port
 * const client = new WebSocket(gateway.url); // ws://127.0.0.1:PORT/local
 * client.onmessage = (message) => console.log(message.data);
 * client.onopen = () => client.send(JSON.stringify({ action: 'echo', text: 'hi' }));
 *
 * // ... once the test is done:
 * await gateway.close(); // $disconnect to every client, then the server stops
 * ```
 * @throws {@link !TypeError} when an option is unknown or invalid, with its name in the message: for
 * example neither or both of `handler` and `routes`, a handler that is not a function, a port
 * outside 0 to 65535, a bad stage name or route selection expression, an empty route key or a `$`
 * one other than AWS's three, a limit that is not a positive integer, a malformed `authorizer` or
 * `logger` (the promise rejects, before anything listens).
 * @throws {@link !Error} when the server cannot listen, e.g. `EADDRINUSE` when the port is taken (the
 * promise rejects).
 */
export async function startLocalGateway(options: LocalGatewayOptions): Promise<LocalGateway> {
  const config = resolveOptions(options);
  const log = gatewayLog(config.logger);
  const server = createServer();
  const port = await listen(server, config.port, config.host);
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  const hostForUrl = wildcard ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const gateway: GatewayFacts = {
    apiId: newApiId(),
    stage: config.stage,
    domainName: `${hostForUrl}:${port}`,
    port,
  };
  const integration = {
    functionName: `local-${config.stage}-websocket`,
    integrationTimeoutMs: config.integrationTimeoutMs,
  };
  let shuttingDown = false;

  const routes = createRouteTable(config, log);
  routes.logDeclared();
  const router = createMessageRouter({
    ...integration,
    gateway,
    routes,
    routeSelectionPath: config.routeSelectionPath,
    hasRouteResponse: config.hasRouteResponse,
    log,
  });
  const registry = createConnectionRegistry({
    idleTimeoutMs: config.idleTimeoutMs,
    maxConnectionMs: config.maxConnectionMs,
    clientBufferBytes: config.clientBufferBytes,
    log,
    onMessage: router.routeMessage,
    onDisconnect: router.deliverDisconnect,
  });
  const handshake = createHandshake({
    ...integration,
    gateway,
    authorizer: config.authorizer,
    connectHandler: () => routes.handlerFor('$connect'),
    isShuttingDown: () => shuttingDown,
    log,
    onOpen: registry.add,
    onAbandoned: registry.abandon,
  });
  const limiter = config.managementRateLimit ? new RateLimiter(config.managementRateLimit) : undefined;
  server.on(
    'request',
    createHttpListener({
      stage: config.stage,
      staticDir: config.staticDir,
      connections: registry,
      managementLimits: limiter ? { tryTakeRequest: () => limiter.tryTake() } : {},
      log,
    }),
  );
  server.on('upgrade', handshake.onUpgrade);

  let closed: Promise<void> | undefined;
  async function shutDown(): Promise<void> {
    shuttingDown = true;
    await registry.closeAll();
    await handshake.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  return {
    url: `ws://${hostForUrl}:${port}/${config.stage}`,
    endpoint: `http://${hostForUrl}:${port}/${config.stage}`,
    port,
    close: () => (closed ??= shutDown()),
    setRouteKeys: routes.setRouteKeys,
  };
}
