import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import {
  type ConnectionFacts,
  connectEvent,
  disconnectEvent,
  type GatewayFacts,
  messageEvent,
} from './events.js';
import { newApiId, newConnectionId } from './ids.js';
import { type InvocationOutcome, invoke, statusOf } from './invoke.js';
import { handleManagementRequest, MAX_PAYLOAD_BYTES, type ManagedConnections } from './managementApi.js';
import { type LambdaHandler, type LocalGatewayOptions, resolveOptions } from './options.js';
import { selectRouteKey } from './routeSelection.js';
import { serveStatic } from './staticFiles.js';

export interface LocalGateway {
  /** The WebSocket URL clients connect to: `ws://host:port/{stage}`. */
  url: string;
  /** The management API base: `http://host:port/{stage}`, as `resolveEndpoint` finds it. */
  endpoint: string;
  port: number;
  /** Disconnects every client (delivering `$disconnect`) and resolves when the server is down. */
  close(): Promise<void>;
}

interface Connection extends ConnectionFacts {
  socket: WebSocket;
  lastActiveAt: number;
  idleTimer: NodeJS.Timeout;
  maxTimer: NodeJS.Timeout;
  /** Set when the gateway closes the socket, so `$disconnect` tells why. */
  closedBy?: { statusCode: number; reason: string };
  /** Resolves once `$disconnect` has been delivered. */
  gone: Promise<void>;
  markGone(): void;
}

const CLOSE_REASONS: Record<number, string> = {
  1000: 'Connection closed normally',
  1001: 'Going away',
  1005: 'Client-side close frame status not set',
  1006: 'Connection closed abnormally',
  1009: 'Message too big',
};

// How long a client gets to answer our close frame before its socket is cut.
const CLOSE_GRACE_MS = 1_000;

function sourceIpOf(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

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
  const log = config.logger;
  const connections = new Map<string, Connection>();
  const closingConnections = new Set<Promise<void>>();
  let shuttingDown = false;

  const handlerFor = (routeKey: string): LambdaHandler | undefined =>
    config.handler ?? config.routes.get(routeKey);
  const isKnownRoute = (routeKey: string) => config.handler !== undefined || config.routes.has(routeKey);

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD_BYTES });
  const server = createServer((request, response) => {
    handleHttp(request, response).catch((error: unknown) => {
      log?.error(`HTTP ${request.method} ${request.url} failed: ${String(error)}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    handleUpgrade(request, socket, head).catch((error: unknown) => {
      log?.error(`upgrade failed: ${String(error)}`);
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
  };
  const functionName = `local-${config.stage}-websocket`;

  function logInvocation(routeKey: string, connectionId: string, outcome: InvocationOutcome): void {
    if (!log) return;
    // A logger that throws must not become an unhandled rejection that stops the gateway.
    try {
      if (outcome.ok) {
        log.info(`${routeKey} ${connectionId} ${statusOf(outcome.result)} ${outcome.ms}ms`);
      } else {
        const why = outcome.timedOut ? 'timed out' : `threw ${String(outcome.error)}`;
        log.error(`${routeKey} ${connectionId} failed (${why}) ${outcome.ms}ms`);
      }
    } catch {}
  }

  function send(connection: Connection, data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      if (connection.socket.readyState !== WebSocket.OPEN) {
        reject(new Error('connection is closing'));
        return;
      }
      touch(connection);
      connection.socket.send(data, { binary: typeof data !== 'string' }, (error) =>
        error ? reject(error) : resolve(),
      );
    });
  }

  function touch(connection: Connection): void {
    connection.lastActiveAt = Date.now();
  }

  function closeByGateway(connection: Connection, code: number, reason: string): void {
    if (connection.closedBy) return;
    connection.closedBy = { statusCode: code, reason };
    connection.socket.close(code, reason.slice(0, 120));
    setTimeout(() => connection.socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  const managed: ManagedConnections = {
    has: (id) => connections.has(id),
    post: (id, data) => {
      const connection = connections.get(id);
      return connection ? send(connection, data) : Promise.reject(new Error('gone'));
    },
    info: (id) => {
      const connection = connections.get(id) as Connection;
      return {
        connectedAt: connection.connectedAt,
        lastActiveAt: connection.lastActiveAt,
        sourceIp: connection.sourceIp,
        userAgent: connection.userAgent,
      };
    },
    delete: (id) => {
      const connection = connections.get(id);
      if (connection) closeByGateway(connection, 1000, 'Connection deleted through the management API');
    },
  };

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
      await handleManagementRequest(managed, connectionId, request, response);
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

    // $connect runs before the upgrade completes, as on AWS: its answer decides the handshake.
    const connectHandler = handlerFor('$connect');
    if (connectHandler) {
      const event = connectEvent(gateway, facts, { rawHeaders: request.rawHeaders, query: url.searchParams });
      const outcome = await invoke(connectHandler, event, functionName, config.integrationTimeoutMs);
      logInvocation('$connect', facts.connectionId, outcome);
      if (!outcome.ok) {
        refuseUpgrade(socket, 500, JSON.stringify({ message: 'Internal server error' }));
        return;
      }
      const status = statusOf(outcome.result);
      if (status < 200 || status > 299) {
        const refusal = Number.isInteger(status) && status >= 300 && status <= 599 ? status : 500;
        const body = (outcome.result as { body?: unknown }).body;
        refuseUpgrade(socket, refusal, typeof body === 'string' ? body : '');
        return;
      }
    }
    if (socket.destroyed || shuttingDown) {
      // Accepted by $connect, but the client left (or we are stopping) before the handshake ended.
      trackDisconnect(deliverDisconnect(facts, 1006, CLOSE_REASONS[1006] as string));
      refuseUpgrade(socket, 503);
      return;
    }
    wss.handleUpgrade(request, socket, head, (socketOpen) => register(socketOpen, facts));
  }

  function register(socket: WebSocket, facts: ConnectionFacts): void {
    let markGone = () => {};
    const gone = new Promise<void>((resolve) => {
      markGone = resolve;
    });
    const connection: Connection = {
      ...facts,
      socket,
      lastActiveAt: facts.connectedAt,
      idleTimer: setTimeout(() => closeByGateway(connection, 1001, 'Idle timeout'), config.idleTimeoutMs),
      maxTimer: setTimeout(
        () => closeByGateway(connection, 1001, 'Maximum connection duration reached'),
        config.maxConnectionMs,
      ),
      gone,
      markGone,
    };
    connections.set(facts.connectionId, connection);

    socket.on('message', (data: RawData, isBinary: boolean) => {
      // Handler failures are outcomes inside onMessage; nothing else may surface as a rejection.
      onMessage(connection, data as Buffer, isBinary).catch(() => {});
    });
    socket.on('error', (error: Error & { code?: string }) => {
      // ws closes the socket itself (1009) when a message exceeds maxPayload.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        connection.closedBy ??= { statusCode: 1009, reason: CLOSE_REASONS[1009] as string };
        setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
      } else {
        log?.error(`${connection.connectionId} socket error: ${error.message}`);
      }
    });
    socket.on('close', (code: number, reason: Buffer) => {
      clearTimeout(connection.idleTimer);
      clearTimeout(connection.maxTimer);
      connections.delete(connection.connectionId);
      const statusCode = connection.closedBy?.statusCode ?? code;
      const why = connection.closedBy?.reason ?? (reason.toString('utf8') || CLOSE_REASONS[code] || 'Closed');
      trackDisconnect(deliverDisconnect(connection, statusCode, why).finally(() => connection.markGone()));
    });
  }

  /** close() waits for every $disconnect still being delivered. */
  function trackDisconnect(delivery: Promise<void>): void {
    closingConnections.add(delivery);
    delivery.catch(() => {}).finally(() => closingConnections.delete(delivery));
  }

  async function deliverDisconnect(
    facts: ConnectionFacts,
    statusCode: number,
    reason: string,
  ): Promise<void> {
    const disconnectHandler = handlerFor('$disconnect');
    if (!disconnectHandler) return;
    const event = disconnectEvent(gateway, facts, statusCode, reason);
    logInvocation(
      '$disconnect',
      facts.connectionId,
      await invoke(disconnectHandler, event, functionName, config.integrationTimeoutMs),
    );
  }

  async function onMessage(connection: Connection, data: Buffer, isBinary: boolean): Promise<void> {
    touch(connection);
    // Only the client's own messages keep a connection from idling out, as on AWS, where clients
    // send heartbeats because server pushes do not count.
    connection.idleTimer.refresh();
    const body = isBinary ? data.toString('base64') : data.toString('utf8');
    // Binary frames cannot be read by a body expression, so they always take $default.
    const routeKey = isBinary ? '$default' : selectRouteKey(body, config.routeSelectionPath, isKnownRoute);
    const event = messageEvent(gateway, connection, routeKey, body, isBinary);
    const { connectionId, requestId } = event.requestContext;
    const handler = handlerFor(routeKey);
    if (!handler) {
      await send(connection, JSON.stringify({ message: 'Forbidden', connectionId, requestId })).catch(
        () => {},
      );
      return;
    }
    const outcome = await invoke(handler, event, functionName, config.integrationTimeoutMs);
    logInvocation(routeKey, connectionId, outcome);
    if (!outcome.ok) {
      const frame = JSON.stringify({ message: 'Internal server error', connectionId, requestId });
      await send(connection, frame).catch(() => {});
      return;
    }
    if (config.routeResponses) {
      const responseBody = (outcome.result as { body?: unknown } | null | undefined)?.body;
      if (responseBody !== undefined && responseBody !== null && responseBody !== '') {
        const frame = typeof responseBody === 'string' ? responseBody : JSON.stringify(responseBody);
        await send(connection, frame).catch(() => {});
      }
    }
  }

  let closed: Promise<void> | undefined;
  function close(): Promise<void> {
    closed ??= shutDown();
    return closed;
  }

  async function shutDown(): Promise<void> {
    shuttingDown = true;
    const open = [...connections.values()];
    for (const connection of open) closeByGateway(connection, 1001, 'Gateway shutting down');
    await Promise.all([...open.map((c) => c.gone), ...closingConnections]);
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
  };
}
