import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { authorizeConnect } from './connectAuthorizer.js';
import { connectDecision } from './connectDecision.js';
import { type ConnectionFacts, connectEvent, type GatewayFacts } from './events.js';
import type { GatewayLog } from './gatewayLog.js';
import { newConnectionId } from './ids.js';
import { invoke } from './invoke.js';
import { MAX_PAYLOAD_BYTES } from './managementApi.js';
import type { LambdaHandler, ResolvedOptions } from './options.js';

export interface HandshakeOptions {
  /** The API's facts; upgrades to a path other than `/{stage}` are refused 403. */
  gateway: GatewayFacts;
  /** The Lambda's name in each invocation's context. */
  functionName: string;
  integrationTimeoutMs: number;
  /** The REQUEST authorizer that runs before `$connect`, if any. */
  authorizer: ResolvedOptions['authorizer'];
  /** The `$connect` integration, asked on each handshake (the declared routes may change). */
  connectHandler(): LambdaHandler | undefined;
  /** True once the gateway is closing: new handshakes are refused 503. */
  isShuttingDown(): boolean;
  log: GatewayLog;
  /** The upgrade completed: the socket is open, under these facts. */
  onOpen(socket: WebSocket, facts: ConnectionFacts): void;
  /** `$connect` accepted, but the client left before the upgrade could complete. */
  onAbandoned(facts: ConnectionFacts): void;
}

export interface Handshake {
  /** The server's `upgrade` listener. */
  onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Stops the WebSocket server (the sockets it opened are the registry's to close). */
  close(): Promise<void>;
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

function sourceIpOf(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * The WebSocket handshake as API Gateway runs it: a malformed one, or one to another path, is
 * refused before any route runs; then the authorizer and `$connect`, whose answers decide the
 * upgrade (status, body and subprotocol); a client that left meanwhile is never upgraded.
 *
 * @example
 * const handshake = createHandshake({ gateway, connectHandler, onOpen: registry.add, ... });
 * server.on('upgrade', handshake.onUpgrade);
 */
export function createHandshake(options: HandshakeOptions): Handshake {
  const { gateway, functionName, integrationTimeoutMs, authorizer, connectHandler, isShuttingDown, log } =
    options;
  const { onOpen, onAbandoned } = options;

  // The subprotocol each accepted handshake's $connect result named, for the upgrade response.
  const selectedProtocols = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_PAYLOAD_BYTES,
    // ws would pick the client's first protocol by itself; API Gateway answers with the one the
    // $connect result's headers name, or none (AWS: "Working with subprotocols for WebSocket APIs").
    handleProtocols: () => false,
  });
  wss.on('headers', function selectedProtocolHeader(headers: string[], request: IncomingMessage) {
    const protocol = selectedProtocols.get(request);
    if (protocol !== undefined) headers.push(`Sec-WebSocket-Protocol: ${protocol}`);
  });

  async function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://local');
    if (url.pathname.replace(/\/+$/, '') !== `/${gateway.stage}`) {
      refuseUpgrade(socket, 403, JSON.stringify({ message: 'Forbidden' }));
      return;
    }
    if (isShuttingDown()) {
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
    if (authorizer) {
      const authorized = await authorizeConnect(authorizer, facts, upgradeRequest, {
        gateway,
        functionName,
        integrationTimeoutMs,
        log,
      });
      if ('status' in authorized) {
        refuseUpgrade(socket, authorized.status, authorized.body);
        return;
      }
      integrationLatency = authorized.integrationLatency;
    }
    // Without a $connect route every connection is accepted, with no subprotocol.
    const handler = connectHandler();
    if (handler) {
      const event = connectEvent(gateway, facts, upgradeRequest);
      // Only $connect's event tells how long the authorizer took, as captured events show.
      if (event.requestContext.authorizer)
        event.requestContext.authorizer.integrationLatency = integrationLatency;
      const outcome = await invoke(handler, event, functionName, integrationTimeoutMs);
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
    if (!socket.destroyed && socket.readable && socket.writable && !isShuttingDown()) {
      wss.handleUpgrade(request, socket, head, (open) => {
        upgraded = true;
        onOpen(open, facts);
      });
    }
    if (!upgraded) {
      onAbandoned(facts);
      refuseUpgrade(socket, 503);
      socket.destroy();
    }
  }

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {});
    handleUpgrade(request, socket, head).catch((error: unknown) => {
      log.error(() => `upgrade failed: ${String(error)}`);
      refuseUpgrade(socket, 500);
    });
  }

  function close(): Promise<void> {
    return new Promise<void>((resolve) => {
      wss.close(() => resolve());
    });
  }

  return { onUpgrade, close };
}
