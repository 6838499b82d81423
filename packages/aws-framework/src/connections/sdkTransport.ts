import { UnexpectedAnswerError } from './errors.js';
import { managementClientFor } from './managementClient.js';
import type {
  ConnectionInfo,
  ManagementTransport,
  PreparedPayload,
  RetryMode,
} from './managementTransport.js';

const transports = new Map<string, Promise<ManagementTransport>>();

async function createSdkTransport(endpoint: string, retries: RetryMode): Promise<ManagementTransport> {
  const { client, sdk } = await managementClientFor(endpoint, retries);
  return {
    prepare: (bytes) => ({ bytes }),
    async post(connectionId: string, payload: PreparedPayload, signal?: AbortSignal) {
      await client.send(
        new sdk.PostToConnectionCommand({ ConnectionId: connectionId, Data: payload.bytes }),
        signal ? { abortSignal: signal } : undefined,
      );
    },
    async remove(connectionId: string) {
      await client.send(new sdk.DeleteConnectionCommand({ ConnectionId: connectionId }));
    },
    async info(connectionId: string): Promise<ConnectionInfo> {
      const output = await client.send(new sdk.GetConnectionCommand({ ConnectionId: connectionId }));
      if (!output.ConnectedAt || !output.LastActiveAt) {
        throw new UnexpectedAnswerError('GetConnection', 'without ConnectedAt/LastActiveAt');
      }
      return {
        connectedAt: output.ConnectedAt,
        lastActiveAt: output.LastActiveAt,
        sourceIp: output.Identity?.SourceIp,
        userAgent: output.Identity?.UserAgent,
      };
    },
    // The SDK's own agent keeps up to 50 sockets per client; more in flight queue there.
    reserve: () => {},
  };
}

/** The `'sdk'` transport: the SDK v3 client of the endpoint (see `managementClientFor`). */
export function sdkTransportFor(endpoint: string, retries: RetryMode): Promise<ManagementTransport> {
  const key = `${retries} ${endpoint}`;
  let transport = transports.get(key);
  if (!transport) {
    transport = createSdkTransport(endpoint, retries);
    transports.set(key, transport);
    transport.catch(() => transports.delete(key));
  }
  return transport;
}
