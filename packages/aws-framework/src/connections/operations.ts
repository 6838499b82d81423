import { encodeForConnection } from './encodePayload.js';
import { ConnectionGoneError, isGone, ManagementApiError } from './errors.js';
import { managementClientFor } from './managementClient.js';

/** What GetConnection tells about a live connection. */
export interface ConnectionInfo {
  connectedAt: Date;
  lastActiveAt: Date;
  sourceIp: string | undefined;
  userAgent: string | undefined;
}

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

export async function postToConnection(endpoint: string, connectionId: string, data: unknown): Promise<void> {
  checkConnectionId(connectionId);
  const bytes = encodeForConnection(connectionId, data);
  const { client, sdk } = await managementClientFor(endpoint);
  try {
    await client.send(new sdk.PostToConnectionCommand({ ConnectionId: connectionId, Data: bytes }));
  } catch (error) {
    throw translate('send', connectionId, error);
  }
}

/** Closes a connection. One that is already gone counts as closed. */
export async function deleteConnection(endpoint: string, connectionId: string): Promise<void> {
  checkConnectionId(connectionId);
  const { client, sdk } = await managementClientFor(endpoint);
  try {
    await client.send(new sdk.DeleteConnectionCommand({ ConnectionId: connectionId }));
  } catch (error) {
    if (isGone(error)) return;
    throw translate('disconnect', connectionId, error);
  }
}

export async function getConnection(endpoint: string, connectionId: string): Promise<ConnectionInfo> {
  checkConnectionId(connectionId);
  const { client, sdk } = await managementClientFor(endpoint);
  try {
    const output = await client.send(new sdk.GetConnectionCommand({ ConnectionId: connectionId }));
    if (!output.ConnectedAt || !output.LastActiveAt) {
      throw new Error('GetConnection answered without ConnectedAt/LastActiveAt');
    }
    return {
      connectedAt: output.ConnectedAt,
      lastActiveAt: output.LastActiveAt,
      sourceIp: output.Identity?.SourceIp,
      userAgent: output.Identity?.UserAgent,
    };
  } catch (error) {
    throw translate('info', connectionId, error);
  }
}
