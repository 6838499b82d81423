import { type OptionSchema, validateOptions } from '../options/validateOptions.js';
import type { BroadcastFn, SendFn } from '../types/delivery.js';
import { broadcastTo } from './broadcast.js';
import { deleteConnection, getConnection, postToConnection } from './operations.js';
import { ENDPOINT_ENV_VAR, normalizeEndpoint } from './resolveEndpoint.js';
import { type ConnectionInfo, checkTransport, type Transport } from './transport.js';

/** Where `connections()` sends, and how. */
export interface ConnectionsOptions {
  /**
   * The management API base URL, `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`
   * (the stack's `callbackUrl`), or the local gateway's `http://127.0.0.1:{port}/{stage}`.
   * @default process.env.WEBSOCKET_MANAGEMENT_ENDPOINT
   */
  endpoint?: string;
  /**
   * `'sdk'`: the AWS SDK v3 client; `'direct'`: SigV4-signed requests on a keep-alive agent, same
   * errors and retries, a fraction of the SDK's CPU per request. See `Transport`.
   * @default 'sdk'
   */
  transport?: Transport;
}

/** The connection operations `connections()` returns, bound to one endpoint. */
export interface Connections {
  /** One message to one connection; see `SendFn` for what it sends and how it fails. */
  send: SendFn;
  /** One message to many connections; see `BroadcastOptions`. */
  broadcast: BroadcastFn;
  /** Closes the connection; resolves when it is already gone. */
  disconnect(connectionId: string): Promise<void>;
  /** Throws `ConnectionGoneError` when the connection no longer exists. */
  info(connectionId: string): Promise<ConnectionInfo>;
}

const OPTIONS_SCHEMA: OptionSchema = { endpoint: 'string', transport: 'transport' };

/**
 * Talks to connections from outside a WebSocket event: a Lambda fed by SQS, a stream or a
 * schedule that pushes to sockets. Same semantics as `context.send`. Nothing is sent until an
 * operation is called; the SDK client (or the direct transport's agent) is made on first use and
 * kept for the process.
 *
 * @example
 * ```typescript
 * import { connections } from 'aws-framework';
 * import type { SQSEvent } from 'aws-lambda';
 *
 * const ws = connections({ endpoint: process.env.WS_ENDPOINT, transport: 'direct' });
 *
 * export async function handler(event: SQSEvent): Promise<void> {
 *   for (const record of event.Records) {
 *     const { connectionId, jobId } = JSON.parse(record.body) as { connectionId: string; jobId: string };
 *     await ws.send(connectionId, { type: 'job-done', jobId });
 *   }
 * }
 * ```
 * @throws {@link OptionsError} when an option is unknown or of the wrong type.
 * @throws {@link !TypeError} when there is no endpoint (neither `endpoint` nor
 * `WEBSOCKET_MANAGEMENT_ENDPOINT`), or it is not an http(s) URL.
 */
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
