import { directTransportFor } from './directTransport.js';
import { sdkTransportFor } from './sdkTransport.js';

/**
 * How management API requests go out:
 * - `'sdk'` (default): the AWS SDK v3 client (`@aws-sdk/client-apigatewaymanagementapi`), so
 *   `aws-sdk-client-mock` and SDK middleware see every request;
 * - `'direct'`: SigV4-signed (`@smithy/signature-v4`) requests on a keep-alive `node:http(s)`
 *   agent, with the SDK's credential chain and the same errors and retries, at a fraction of the
 *   SDK's CPU per request.
 */
export type Transport = 'sdk' | 'direct';

export const DEFAULT_TRANSPORT: Transport = 'sdk';

/** What GetConnection tells about a live connection. */
export interface ConnectionInfo {
  connectedAt: Date;
  lastActiveAt: Date;
  sourceIp: string | undefined;
  userAgent: string | undefined;
}

/** A message ready for many requests: its bytes, and for the direct transport their SHA-256 once. */
export interface PreparedPayload {
  bytes: Uint8Array;
  sha256?: string;
}

/**
 * One endpoint's management API. Failures are thrown as the transport met them (an SDK-shaped
 * error with `name` and `$metadata.httpStatusCode`, or a network error); callers translate them.
 */
export interface ManagementTransport {
  prepare(bytes: Uint8Array): PreparedPayload;
  post(connectionId: string, payload: PreparedPayload, signal?: AbortSignal): Promise<void>;
  remove(connectionId: string): Promise<void>;
  info(connectionId: string): Promise<ConnectionInfo>;
  /** Lets the transport keep at least this many requests in flight (sockets). */
  reserve(inFlight: number): void;
}

/**
 * `retries: 'sdk'` retries throttling, 5xx and dropped connections as the SDK's standard mode does
 * (3 attempts); `'none'` makes one attempt per call, for a broadcast, which retries itself and must
 * see every 429 to pace itself.
 */
export type RetryMode = 'sdk' | 'none';

/** Checks a `transport` option once, where it is given. */
export function checkTransport(transport: unknown, where: string): Transport {
  if (transport === undefined) return DEFAULT_TRANSPORT;
  if (transport !== 'sdk' && transport !== 'direct') {
    throw new TypeError(`${where}: transport must be 'sdk' or 'direct', got ${JSON.stringify(transport)}`);
  }
  return transport;
}

/** The endpoint's transport, made on first use and cached for the process. */
export function transportFor(
  endpoint: string,
  transport: Transport,
  retries: RetryMode,
): Promise<ManagementTransport> {
  return transport === 'direct' ? directTransportFor(endpoint, retries) : sdkTransportFor(endpoint, retries);
}
