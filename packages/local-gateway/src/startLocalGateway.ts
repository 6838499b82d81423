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

export interface LocalGateway {
  /** The WebSocket URL clients connect to: `ws://host:port/{stage}`. */
  url: string;
  /** The management API base: `http://host:port/{stage}`, as `resolveEndpoint` finds it. */
  endpoint: string;
  port: number;
  /** Disconnects every client (delivering `$disconnect`) and resolves when the server is down. */
  close(): Promise<void>;
  /**
   * Replaces the declared route keys of `handler` mode, as the `routeKeys` option gives them;
   * `undefined` goes back to the handler's own `routes({...})` table, or to every action.
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
 * @example
 * const gateway = await startLocalGateway({ handler, port: 0 });
 * const client = new WebSocket(gateway.url);
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
