import { directTransportFor } from './directTransport.js';
import type { ManagementTransport, RetryMode } from './managementTransport.js';
import { sdkTransportFor } from './sdkTransport.js';

export type {
  ConnectionInfo,
  ManagementTransport,
  PreparedPayload,
  RetryMode,
} from './managementTransport.js';

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
