import type {
  ApiGatewayManagementApiClient,
  ApiGatewayManagementApiClientConfig,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { isLocalEndpoint } from './resolveEndpoint.js';

type ManagementSdk = typeof import('@aws-sdk/client-apigatewaymanagementapi');

export interface ManagementClient {
  client: ApiGatewayManagementApiClient;
  sdk: ManagementSdk;
}

let sdkModule: Promise<ManagementSdk> | undefined;
const clientsByEndpoint = new Map<string, Promise<ManagementClient>>();

// Loaded on the first send only: a $connect or $disconnect that sends nothing never pays for
// parsing the SDK, which dominates cold start otherwise.
function loadSdk(): Promise<ManagementSdk> {
  sdkModule ??= import('@aws-sdk/client-apigatewaymanagementapi');
  return sdkModule;
}

function regionFor(endpoint: string): string {
  const fromHost = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/i.exec(endpoint)?.[1];
  return fromHost ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
}

async function createClient(endpoint: string): Promise<ManagementClient> {
  const sdk = await loadSdk();
  const config: ApiGatewayManagementApiClientConfig = { endpoint, region: regionFor(endpoint) };
  // A local gateway does not check signatures, but the SDK refuses to sign without credentials;
  // on a laptop with no AWS profile that would make every local send fail. API Gateway itself is
  // only ever reached over https, so plain http means a local gateway (on loopback or a LAN).
  if (isLocalEndpoint(endpoint) && !process.env.AWS_ACCESS_KEY_ID) {
    config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  return { client: new sdk.ApiGatewayManagementApiClient(config), sdk };
}

/** One client per endpoint for the life of the process, made on first use. */
export function managementClientFor(endpoint: string): Promise<ManagementClient> {
  let client = clientsByEndpoint.get(endpoint);
  if (!client) {
    client = createClient(endpoint);
    clientsByEndpoint.set(endpoint, client);
    // A failed import must not poison the cache for later invocations.
    client.catch(() => clientsByEndpoint.delete(endpoint));
  }
  return client;
}
