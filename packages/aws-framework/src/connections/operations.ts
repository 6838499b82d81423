import { encodeForConnection, MAX_PAYLOAD_BYTES } from './encodePayload.js';
import {
  ConnectionGoneError,
  httpStatusOf,
  isGone,
  ManagementApiError,
  PayloadTooLargeError,
} from './errors.js';
import { type ConnectionInfo, DEFAULT_TRANSPORT, type Transport, transportFor } from './transport.js';

export type { ConnectionInfo } from './transport.js';

function checkConnectionId(connectionId: unknown): asserts connectionId is string {
  if (typeof connectionId !== 'string' || connectionId === '') {
    throw new TypeError(`connectionId must be a non-empty string, got ${JSON.stringify(connectionId)}`);
  }
}

function translate(operation: 'send' | 'disconnect' | 'info', connectionId: string, error: unknown) {
  return isGone(error)
    ? new ConnectionGoneError(connectionId, { cause: error })
    : new ManagementApiError(operation, connectionId, error);
}

/**
 * Sends one message. Throttling (429), 5xx and dropped connections are retried as the SDK's
 * standard mode does (3 attempts, jittered exponential backoff), on either transport.
 */
export async function postToConnection(
  endpoint: string,
  connectionId: string,
  data: unknown,
  transport: Transport = DEFAULT_TRANSPORT,
): Promise<void> {
  checkConnectionId(connectionId);
  const bytes = encodeForConnection(connectionId, data);
  const management = await transportFor(endpoint, transport, 'sdk');
  try {
    await management.post(connectionId, management.prepare(bytes));
  } catch (error) {
    if (httpStatusOf(error) === 413) {
      throw new PayloadTooLargeError(connectionId, bytes.byteLength, MAX_PAYLOAD_BYTES, { cause: error });
    }
    throw translate('send', connectionId, error);
  }
}

/** Closes a connection. One that is already gone counts as closed. */
export async function deleteConnection(
  endpoint: string,
  connectionId: string,
  transport: Transport = DEFAULT_TRANSPORT,
): Promise<void> {
  checkConnectionId(connectionId);
  const management = await transportFor(endpoint, transport, 'sdk');
  try {
    await management.remove(connectionId);
  } catch (error) {
    if (isGone(error)) return;
    throw translate('disconnect', connectionId, error);
  }
}

export async function getConnection(
  endpoint: string,
  connectionId: string,
  transport: Transport = DEFAULT_TRANSPORT,
): Promise<ConnectionInfo> {
  checkConnectionId(connectionId);
  const management = await transportFor(endpoint, transport, 'sdk');
  try {
    return await management.info(connectionId);
  } catch (error) {
    throw translate('info', connectionId, error);
  }
}
