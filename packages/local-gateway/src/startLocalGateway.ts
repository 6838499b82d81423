import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConnectionRegistry } from './connectionRegistry.js';
import type { GatewayFacts } from './events.js';
import { gatewayLog } from './gatewayLog.js';
import { createHandshake } from './handshake.js';
import { newApiId } from './ids.js';
import { handleManagementRequest } from './managementApi.js';
import { createMessageRouter } from './messageRouter.js';
import { type LocalGatewayOptions, resolveOptions } from './options.js';
import { RateLimiter } from './rateLimiter.js';
import { createRouteTable } from './routeTable.js';
import { serveStatic } from './staticFiles.js';

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
  let shuttingDown = false;
  const routes = createRouteTable(config, log);
  const limiter = config.managementRateLimit ? new RateLimiter(config.managementRateLimit) : undefined;

  const server = createServer((request, response) => {
    handleHttp(request, response).catch((error: unknown) => {
      log.error(() => `HTTP ${request.method} ${request.url} failed: ${String(error)}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  const hostForUrl = wildcard ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const gateway: GatewayFacts = {
    apiId: newApiId(),
    stage: config.stage,
    domainName: `${hostForUrl}:${port}`,
    port,
  };
  const functionName = `local-${config.stage}-websocket`;
  routes.logDeclared();
  const router = createMessageRouter({
    gateway,
    routes,
    routeSelectionPath: config.routeSelectionPath,
    hasRouteResponse: config.hasRouteResponse,
    functionName,
    integrationTimeoutMs: config.integrationTimeoutMs,
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
    gateway,
    functionName,
    integrationTimeoutMs: config.integrationTimeoutMs,
    authorizer: config.authorizer,
    connectHandler: () => routes.handlerFor('$connect'),
    isShuttingDown: () => shuttingDown,
    log,
    onOpen: registry.add,
    onAbandoned: registry.abandon,
  });
  server.on('upgrade', handshake.onUpgrade);
  const managementLimits = limiter ? { tryTakeRequest: () => limiter.tryTake() } : {};

  async function handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { pathname } = new URL(request.url ?? '/', 'http://local');
    const management = /^\/([^/]+)\/@connections\/([^/]+)\/?$/.exec(pathname);
    if (management) {
      let connectionId: string;
      try {
        connectionId = decodeURIComponent(management[2] as string);
      } catch {
        response.writeHead(400).end();
        return;
      }
      if (management[1] !== config.stage) {
        request.resume();
        response.writeHead(403, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'ForbiddenException',
        });
        response.end(JSON.stringify({ message: 'Forbidden' }));
        return;
      }
      await handleManagementRequest(registry, connectionId, request, response, managementLimits);
      return;
    }
    // The WebSocket path answers anything that is not a WebSocket handshake with 426, as API
    // Gateway does (serverless-offline's WebSocket suite, written against AWS, expects it).
    if (pathname === `/${config.stage}` || pathname.startsWith(`/${config.stage}/`)) {
      request.resume();
      response
        .writeHead(426, { 'content-type': 'application/json', upgrade: 'websocket', connection: 'Upgrade' })
        .end(JSON.stringify({ message: 'Upgrade Required' }));
      return;
    }
    if (config.staticDir && (request.method === 'GET' || request.method === 'HEAD')) {
      await serveStatic(config.staticDir, request, response);
      return;
    }
    request.resume();
    response
      .writeHead(404, { 'content-type': 'application/json' })
      .end(JSON.stringify({ message: 'Not Found' }));
  }

  let closed: Promise<void> | undefined;
  function close(): Promise<void> {
    closed ??= shutDown();
    return closed;
  }

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
    close,
    setRouteKeys: routes.setRouteKeys,
  };
}
