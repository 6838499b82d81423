import type { BroadcastFn, SendFn } from '../websocket/types.js';
import { broadcastTo } from './broadcast.js';
import { type ConnectionInfo, deleteConnection, getConnection, postToConnection } from './operations.js';
import { ENDPOINT_ENV_VAR, normalizeEndpoint } from './resolveEndpoint.js';

export interface ConnectionsOptions {
  /** The management API base URL; default the `WEBSOCKET_MANAGEMENT_ENDPOINT` variable. */
  endpoint?: string;
}

export interface Connections {
  send: SendFn;
  /** One message to many connections; see `BroadcastOptions`. */
  broadcast: BroadcastFn;
  /** Closes the connection; resolves when it is already gone. */
  disconnect(connectionId: string): Promise<void>;
  /** Throws `ConnectionGoneError` when the connection no longer exists. */
  info(connectionId: string): Promise<ConnectionInfo>;
}

/**
 * Talks to connections from outside a WebSocket event: a Lambda fed by SQS, a stream or a
 * schedule that pushes to sockets. Same semantics as `context.send`.
 *
 * @example
 * const ws = connections({ endpoint: process.env.WS_ENDPOINT });
 * await ws.send(connectionId, { type: 'job-done', id });
 */
export function connections(options: ConnectionsOptions = {}): Connections {
  const configured = options.endpoint ?? process.env[ENDPOINT_ENV_VAR];
  if (!configured) {
    throw new TypeError(`connections() needs options.endpoint or the ${ENDPOINT_ENV_VAR} variable`);
  }
  const endpoint = normalizeEndpoint(configured);
  return {
    send: (connectionId, data) => postToConnection(endpoint, connectionId, data),
    broadcast: (targets, data, broadcastOptions) => broadcastTo(endpoint, targets, data, broadcastOptions),
    disconnect: (connectionId) => deleteConnection(endpoint, connectionId),
    info: (connectionId) => getConnection(endpoint, connectionId),
  };
}
