import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { authorizerDecision } from './authorizerResult.js';
import { connectDecision } from './connectDecision.js';
import { createConnectionRegistry } from './connectionRegistry.js';
import { authorizerEvent, type ConnectionFacts, connectEvent, type GatewayFacts } from './events.js';
import { gatewayLog } from './gatewayLog.js';
import { missingIdentitySource } from './identitySource.js';
import { newApiId, newConnectionId } from './ids.js';
import { invoke } from './invoke.js';
import { handleManagementRequest, MAX_PAYLOAD_BYTES } from './managementApi.js';
import { createMessageRouter } from './messageRouter.js';
import { type LocalGatewayOptions, resolveOptions } from './options.js';
import { RateLimiter } from './rateLimiter.js';
import { createRouteTable } from './routeTable.js';
import { serveStatic } from './staticFiles.js';

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

function sourceIpOf(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** The region and account the local gateway's ARNs name (an authorizer's `methodArn`). */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';

const WEBSOCKET_KEY = /^[+/0-9A-Za-z]{22}==$/;

/** What ws checks before accepting an upgrade (RFC 6455 section 4.2.1). */
function isValidHandshake(request: IncomingMessage): boolean {
  const key = request.headers['sec-websocket-key'];
  const version = request.headers['sec-websocket-version'];
  return (
    request.method === 'GET' &&
    request.headers.upgrade?.toLowerCase() === 'websocket' &&
    typeof key === 'string' &&
    WEBSOCKET_KEY.test(key.trim()) &&
    (version === '13' || version === '8')
  );
}

function refuseUpgrade(socket: Duplex, status: number, body = ''): void {
  if (socket.destroyed) return;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
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

  // The subprotocol each accepted handshake's $connect result named, for the upgrade response.
  const selectedProtocols = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_PAYLOAD_BYTES,
    // ws would pick the client's first protocol by itself; API Gateway answers with the one the
    // $connect result's headers name, or none (AWS: "Working with subprotocols for WebSocket APIs").
    handleProtocols: () => false,
  });
  wss.on('headers', (headers: string[], request: IncomingMessage) => {
    const protocol = selectedProtocols.get(request);
    if (protocol !== undefined) headers.push(`Sec-WebSocket-Protocol: ${protocol}`);
  });
  const server = createServer((request, response) => {
    handleHttp(request, response).catch((error: unknown) => {
      log.error(() => `HTTP ${request.method} ${request.url} failed: ${String(error)}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    handleUpgrade(request, socket, head).catch((error: unknown) => {
      log.error(() => `upgrade failed: ${String(error)}`);
      refuseUpgrade(socket, 500);
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

  async function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://local');
    if (url.pathname.replace(/\/+$/, '') !== `/${config.stage}`) {
      refuseUpgrade(socket, 403, JSON.stringify({ message: 'Forbidden' }));
      return;
    }
    if (shuttingDown) {
      refuseUpgrade(socket, 503);
      return;
    }
    // API Gateway refuses a malformed handshake before any route runs; checked here because ws
    // would otherwise refuse it only after $connect had run, with no $disconnect to follow.
    if (!isValidHandshake(request)) {
      refuseUpgrade(socket, 400, JSON.stringify({ message: 'Bad Request' }));
      return;
    }
    const facts: ConnectionFacts = {
      connectionId: newConnectionId(),
      connectedAt: Date.now(),
      sourceIp: sourceIpOf(request),
      userAgent: request.headers['user-agent'],
    };

    const upgradeRequest = { rawHeaders: request.rawHeaders, query: url.searchParams };
    // The authorizer, then $connect, run before the upgrade completes, as on AWS: their answers
    // decide the handshake.
    let integrationLatency: number | undefined;
    if (config.authorizer) {
      const authorized = await authorize(config.authorizer, facts, upgradeRequest);
      if ('status' in authorized) {
        refuseUpgrade(socket, authorized.status, authorized.body);
        return;
      }
      integrationLatency = authorized.integrationLatency;
    }
    // Without a $connect route every connection is accepted, with no subprotocol.
    const connectHandler = routes.handlerFor('$connect');
    if (connectHandler) {
      const event = connectEvent(gateway, facts, upgradeRequest);
      // Only $connect's event tells how long the authorizer took, as captured events show.
      if (event.requestContext.authorizer)
        event.requestContext.authorizer.integrationLatency = integrationLatency;
      const outcome = await invoke(connectHandler, event, functionName, config.integrationTimeoutMs);
      const decision = connectDecision(outcome);
      log.invocation('$connect', facts.connectionId, outcome);
      if (!decision.accept) {
        refuseUpgrade(socket, decision.status, decision.body);
        return;
      }
      if (decision.protocol !== undefined) selectedProtocols.set(request, decision.protocol);
    }
    // A client that left, or half-closed its socket, while $connect ran is never upgraded; ws would
    // drop such a socket silently, so its $disconnect is delivered here.
    let upgraded = false;
    if (!socket.destroyed && socket.readable && socket.writable && !shuttingDown) {
      wss.handleUpgrade(request, socket, head, (socketOpen) => {
        upgraded = true;
        registry.add(socketOpen, facts);
      });
    }
    if (!upgraded) {
      registry.abandon(facts);
      refuseUpgrade(socket, 503);
      socket.destroy();
    }
  }

  /**
   * Runs the REQUEST authorizer as API Gateway does on `$connect`: a missing identity source is
   * 401 without invoking it; otherwise its outcome decides (see authorizerDecision). Allowed, the
   * connection's events carry `{ principalId, ...context }`, the context's values as strings (AWS:
   * "The returned values are all stringified", Lambda authorizer output), and `$connect`'s also
   * `integrationLatency`. No result caching: a WebSocket authorizer runs on every `$connect` (the
   * result TTL is an HTTP API setting).
   */
  async function authorize(
    authorizer: NonNullable<typeof config.authorizer>,
    facts: ConnectionFacts,
    upgradeRequest: { rawHeaders: string[]; query: URLSearchParams },
  ): Promise<{ status: number; body: string } | { integrationLatency: number }> {
    const missing = missingIdentitySource(
      authorizer.identitySources,
      upgradeRequest.rawHeaders,
      upgradeRequest.query,
    );
    if (missing) {
      log.info(() => `$connect ${facts.connectionId} 401: identity source ${missing.expression} missing`);
      return { status: 401, body: JSON.stringify({ message: 'Unauthorized' }) };
    }
    const methodArn = `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${gateway.apiId}/${gateway.stage}/$connect`;
    const event = authorizerEvent(connectEvent(gateway, facts, upgradeRequest), methodArn);
    const outcome = await invoke(
      authorizer.handler,
      event,
      `${functionName}-authorizer`,
      config.integrationTimeoutMs,
    );
    const decision = authorizerDecision(outcome, methodArn);
    if (!decision.allow) {
      const line = () =>
        `authorizer ${facts.connectionId} ${decision.status}: ${decision.why} ${outcome.ms}ms`;
      if (decision.status === 500) log.error(line);
      else log.info(line);
      return decision;
    }
    log.info(() => `authorizer ${facts.connectionId} allowed ${decision.principalId} ${outcome.ms}ms`);
    const context = Object.entries(decision.context).map(([key, value]) => [key, String(value)]);
    facts.authorizer = { ...Object.fromEntries(context), principalId: decision.principalId };
    return { integrationLatency: Math.round(outcome.ms) };
  }

  let closed: Promise<void> | undefined;
  function close(): Promise<void> {
    closed ??= shutDown();
    return closed;
  }

  async function shutDown(): Promise<void> {
    shuttingDown = true;
    await registry.closeAll();
    await new Promise<void>((resolve) => {
      wss.close(() => resolve());
    });
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
