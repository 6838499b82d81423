import { type OptionSchema, validateOptions } from '../options/validateOptions.js';
import type { BroadcastFn, SendFn } from '../types/delivery.js';
import { broadcastTo } from './broadcast.js';
import { deleteConnection, getConnection, postToConnection } from './operations.js';
import { ENDPOINT_ENV_VAR, normalizeEndpoint } from './resolveEndpoint.js';
import { type ConnectionInfo, checkTransport, type Transport } from './transport.js';

export interface ConnectionsOptions {
  /** The management API base URL; default the `WEBSOCKET_MANAGEMENT_ENDPOINT` variable. */
  endpoint?: string;
  /**
   * `'sdk'` (default): the AWS SDK v3 client; `'direct'`: SigV4-signed requests on a keep-alive
   * agent, same errors and retries, a fraction of the SDK's CPU per request. See `Transport`.
   */
  transport?: Transport;
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
 * ```typescript
 * import { connections } from 'aws-framework';
 *
 * const ws = connections({ endpoint: process.env.WS_ENDPOINT, transport: 'direct' });
 * await ws.send(connectionId, { type: 'job-done', id });
 * ```
 */
const OPTIONS_SCHEMA: OptionSchema = { endpoint: 'string', transport: 'transport' };

export function connections(options: ConnectionsOptions = {}): Connections {
  validateOptions('connections', OPTIONS_SCHEMA, options);
  const configured = options.endpoint ?? process.env[ENDPOINT_ENV_VAR];
  if (!configured) {
    throw new TypeError(`connections() needs options.endpoint or the ${ENDPOINT_ENV_VAR} variable`);
  }
  const endpoint = normalizeEndpoint(configured);
  const transport = checkTransport(options.transport, 'connections()');
  return {
    send: (connectionId, data) => postToConnection(endpoint, connectionId, data, transport),
    broadcast: (targets, data, broadcastOptions) =>
      broadcastTo(endpoint, targets, data, broadcastOptions, transport),
    disconnect: (connectionId) => deleteConnection(endpoint, connectionId, transport),
    info: (connectionId) => getConnection(endpoint, connectionId, transport),
  };
}
