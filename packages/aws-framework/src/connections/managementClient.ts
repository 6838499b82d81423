import type {
  ApiGatewayManagementApiClient,
  ApiGatewayManagementApiClientConfig,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { RetryMode } from './managementTransport.js';
import { isLocalEndpoint, regionFor } from './resolveEndpoint.js';

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

async function createClient(endpoint: string, retries: RetryMode): Promise<ManagementClient> {
  const sdk = await loadSdk();
  const config: ApiGatewayManagementApiClientConfig = { endpoint, region: regionFor(endpoint) };
  // A broadcast retries on its own, and must see each 429 to slow down: one attempt per request.
  if (retries === 'none') config.maxAttempts = 1;
  // A local gateway does not check signatures, but the SDK refuses to sign without credentials;
  // on a laptop with no AWS profile that would make every local send fail. API Gateway itself is
  // only ever reached over https, so plain http means a local gateway (on loopback or a LAN).
  if (isLocalEndpoint(endpoint) && !process.env.AWS_ACCESS_KEY_ID) {
    config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  return { client: new sdk.ApiGatewayManagementApiClient(config), sdk };
}

/**
 * One client per endpoint for the life of the process, made on first use; with `retries: 'none'`
 * a second one, which makes a single attempt per request (for broadcasts).
 */
export function managementClientFor(endpoint: string, retries: RetryMode = 'sdk'): Promise<ManagementClient> {
  const key = retries === 'sdk' ? endpoint : `${endpoint} (single attempt)`;
  let client = clientsByEndpoint.get(key);
  if (!client) {
    client = createClient(endpoint, retries);
    clientsByEndpoint.set(key, client);
    // A failed import must not poison the cache for later invocations.
    client.catch(() => clientsByEndpoint.delete(key));
  }
  return client;
}
