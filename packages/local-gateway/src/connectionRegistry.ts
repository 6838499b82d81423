import type { Duplex } from 'node:stream';
import { type RawData, WebSocket } from 'ws';
import { CLOSE_REASONS, closeForProtocolError, GATEWAY_CLOSES, type GatewayClose } from './closeCodes.js';
import type { ConnectionFacts } from './events.js';
import { FrameGuard, MAX_FRAME_BYTES } from './frameGuard.js';
import type { GatewayLog } from './gatewayLog.js';
import type { ManagedConnections } from './managementApi.js';

/** A connection as the registry hands it out: its facts, and a way to send to its client. */
export interface OpenConnection extends ConnectionFacts {
  /**
   * Queues one message in frames of at most 32 KB, without waiting for the client to read it.
   * False when the connection is closing.
   */
  send(data: string | Buffer): boolean;
}

export interface ConnectionRegistryOptions {
  /** Close a connection with no data in either direction for this long (1001). */
  idleTimeoutMs: number;
  /** Close any connection after this long (1001). */
  maxConnectionMs: number;
  /** More unsent bytes than this in a socket and its buffer counts as full. */
  clientBufferBytes: number;
  log: GatewayLog;
  /** A text message the gateway takes from a client (not binary, not after it began to close). */
  onMessage(connection: OpenConnection, body: string): Promise<void>;
  /** A connection ended, with the code and reason its `$disconnect` reports. */
  onDisconnect(connection: ConnectionFacts, statusCode: number, reason: string): Promise<void>;
}

/** The gateway's open connections, the management API's view of them included. */
export interface ConnectionRegistry extends ManagedConnections {
  /** Takes a socket that has just completed its upgrade, under the connection's facts. */
  add(socket: WebSocket, facts: ConnectionFacts): void;
  /** A connection `$connect` accepted whose socket never opened (the client left): `$disconnect` 1006. */
  abandon(facts: ConnectionFacts): void;
  /** Closes every connection (1001) and resolves once every `$disconnect` has been delivered. */
  closeAll(): Promise<void>;
}

interface Connection extends OpenConnection {
  socket: WebSocket;
  lastActiveAt: number;
  idleTimer: NodeJS.Timeout;
  maxTimer: NodeJS.Timeout;
  /** Set when the gateway closes the socket, so `$disconnect` tells why. */
  closedBy?: GatewayClose;
  /** Resolves once `$disconnect` has been delivered. */
  gone: Promise<void>;
}

// How long a client gets to answer our close frame before its socket is cut.
const CLOSE_GRACE_MS = 1_000;

// A failed write ends the socket, and its close delivers $disconnect: nothing to do per frame. And
// handler failures are outcomes inside onMessage: nothing else may surface as a rejection.
const ignore = () => {};

/**
 * The connection registry: open connections by ID with their idle and maximum-duration timers,
 * the frames API Gateway refuses (binary, over 32 KB) and protocol errors closing them with the
 * right code, sends in 32 KB frames, and `$disconnect` once per connection, whoever closed it.
 *
 * @example
 * const registry = createConnectionRegistry({ idleTimeoutMs, maxConnectionMs, clientBufferBytes, log, onMessage, onDisconnect });
 * registry.add(socket, facts);
 * registry.post(facts.connectionId, 'hello');
 */
export function createConnectionRegistry(options: ConnectionRegistryOptions): ConnectionRegistry {
  const { idleTimeoutMs, maxConnectionMs, clientBufferBytes, log, onMessage, onDisconnect } = options;
  const connections = new Map<string, Connection>();
  const deliveries = new Set<Promise<void>>();

  /**
   * A POST is answered once the message is queued, and a client that does not read shows as a
   * growing buffer (429 past `clientBufferBytes`), as on AWS. Data in either direction keeps the
   * connection from idling out (a server that pushes keeps its clients).
   */
  function send(connection: Connection, data: string | Buffer): boolean {
    if (connection.socket.readyState !== WebSocket.OPEN || connection.closedBy) return false;
    touch(connection);
    const binary = typeof data !== 'string';
    const bytes = binary ? data : Buffer.from(data, 'utf8');
    if (bytes.length <= MAX_FRAME_BYTES) {
      connection.socket.send(bytes, { binary }, ignore);
      return true;
    }
    // One call per frame, all in this turn, so no other message can slip between them; a
    // multi-byte character may span two frames, which RFC 6455 allows within a message.
    for (let offset = 0; offset < bytes.length; offset += MAX_FRAME_BYTES) {
      const fin = offset + MAX_FRAME_BYTES >= bytes.length;
      connection.socket.send(bytes.subarray(offset, offset + MAX_FRAME_BYTES), { binary, fin }, ignore);
    }
    return true;
  }

  function touch(connection: Connection): void {
    connection.lastActiveAt = Date.now();
    connection.idleTimer.refresh();
  }

  function closeByGateway(connection: Connection, close: GatewayClose): void {
    if (connection.closedBy) return;
    connection.closedBy = close;
    connection.socket.close(close.statusCode, close.reason.slice(0, 120));
    setTimeout(() => connection.socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** An open connection: one the gateway or the client has begun to close is gone. */
  function openConnection(id: string): Connection | undefined {
    const connection = connections.get(id);
    return connection && connection.socket.readyState === WebSocket.OPEN && !connection.closedBy
      ? connection
      : undefined;
  }

  /** closeAll() waits for every $disconnect still being delivered. */
  function track(delivery: Promise<void>): void {
    deliveries.add(delivery);
    delivery.catch(ignore).finally(() => deliveries.delete(delivery));
  }

  function add(socket: WebSocket, facts: ConnectionFacts): void {
    let markGone = () => {};
    const gone = new Promise<void>((resolve) => {
      markGone = resolve;
    });
    const connection: Connection = {
      ...facts,
      socket,
      lastActiveAt: facts.connectedAt,
      idleTimer: setTimeout(function idleTimeout() {
        closeByGateway(connection, GATEWAY_CLOSES.idle);
      }, idleTimeoutMs),
      maxTimer: setTimeout(function maxConnectionDuration() {
        closeByGateway(connection, GATEWAY_CLOSES.maxDuration);
      }, maxConnectionMs),
      gone,
      send: (data) => send(connection, data),
    };
    connections.set(facts.connectionId, connection);

    // Ahead of ws's own listener, so a frame API Gateway refuses closes the connection before ws
    // could deliver it as a message.
    const guard = new FrameGuard();
    const rawSocket = (socket as unknown as { _socket: Duplex })._socket;
    rawSocket.prependListener('data', function frameGuardData(chunk: Buffer) {
      if (connection.closedBy) return;
      const violation = guard.inspect(chunk);
      if (violation) {
        closeByGateway(
          connection,
          violation.code === 1003 ? GATEWAY_CLOSES.binaryFrame : GATEWAY_CLOSES.frameTooBig,
        );
      }
    });

    socket.on('message', function connectionMessage(data: RawData, isBinary: boolean) {
      // A message that completed after the gateway began to close (a refused frame) runs no route.
      if (connection.closedBy) return;
      if (isBinary) {
        closeByGateway(connection, GATEWAY_CLOSES.binaryFrame);
        return;
      }
      touch(connection);
      onMessage(connection, (data as Buffer).toString('utf8')).catch(ignore);
    });
    socket.on('error', function connectionError(error: Error & { code?: string }) {
      // ws has already closed the socket with the status of the client's protocol error.
      const close = closeForProtocolError(error.code);
      if (close) {
        connection.closedBy ??= close;
        setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
      } else {
        log.error(() => `${connection.connectionId} socket error: ${error.message}`);
      }
    });
    socket.on('close', function connectionClose(code: number, reason: Buffer) {
      clearTimeout(connection.idleTimer);
      clearTimeout(connection.maxTimer);
      connections.delete(connection.connectionId);
      const statusCode = connection.closedBy?.statusCode ?? code;
      const why = connection.closedBy?.reason ?? (reason.toString('utf8') || CLOSE_REASONS[code] || 'Closed');
      track(onDisconnect(connection, statusCode, why).finally(markGone));
    });
  }

  function abandon(facts: ConnectionFacts): void {
    track(onDisconnect(facts, 1006, CLOSE_REASONS[1006] as string));
  }

  async function closeAll(): Promise<void> {
    const open = [...connections.values()];
    for (const connection of open) closeByGateway(connection, GATEWAY_CLOSES.shutdown);
    await Promise.all([...open.map((c) => c.gone), ...deliveries]);
  }

  return {
    add,
    abandon,
    closeAll,
    has: (id) => openConnection(id) !== undefined,
    isBufferFull: (id) => (openConnection(id)?.socket.bufferedAmount ?? 0) > clientBufferBytes,
    post(id, data) {
      const connection = openConnection(id);
      return connection !== undefined && send(connection, data);
    },
    info(id) {
      const connection = connections.get(id) as Connection;
      return {
        connectedAt: connection.connectedAt,
        lastActiveAt: connection.lastActiveAt,
        sourceIp: connection.sourceIp,
        userAgent: connection.userAgent,
      };
    },
    delete(id) {
      const connection = openConnection(id);
      if (connection) closeByGateway(connection, GATEWAY_CLOSES.deleted);
    },
  };
}
