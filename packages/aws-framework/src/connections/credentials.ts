import { isLocalEndpoint } from './resolveEndpoint.js';

/** What SigV4 signs with; `expiration` is set for temporary credentials (a Lambda role's). */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export type CredentialsProvider = () => Promise<Credentials>;

/** The SDK refreshes credentials this long before they expire (@smithy/core's memoize). */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

const LOCAL_CREDENTIALS: Promise<Credentials> = Promise.resolve({
  accessKeyId: 'local',
  secretAccessKey: 'local',
});

type ProviderModule = typeof import('@aws-sdk/credential-provider-node');

let defaultChain: CredentialsProvider | undefined;

/**
 * The credentials for an endpoint: placeholders for a local gateway when the environment has none
 * (local gateways do not check signatures), else the SDK's default provider chain (environment,
 * SSO, shared files, web identity, ECS/EC2 metadata), shared by the whole process.
 */
export function credentialsFor(endpoint: string): CredentialsProvider {
  if (isLocalEndpoint(endpoint) && !process.env.AWS_ACCESS_KEY_ID) return () => LOCAL_CREDENTIALS;
  defaultChain ??= refreshingCredentials(loadDefaultChain());
  return defaultChain;
}

// Loaded on the first send only, like the SDK client: an invocation that sends nothing never pays
// for parsing the provider chain.
function loadDefaultChain(): (options: { forceRefresh: boolean }) => Promise<Credentials> {
  let provider: Promise<(options?: { forceRefresh?: boolean }) => Promise<Credentials>> | undefined;
  return async (options) => {
    provider ??= import('@aws-sdk/credential-provider-node').then((module: ProviderModule) =>
      module.defaultProvider(),
    );
    provider.catch(() => {
      provider = undefined;
    });
    return (await provider)(options);
  };
}

/**
 * `load`, cached: its credentials are reused until they are within
 * {@link REFRESH_BEFORE_EXPIRY_MS} of their `expiration`, then loaded again (forced, so an inner
 * cache cannot hand back the same ones). Concurrent callers share one load; a failed load is not
 * kept, so the next call tries again.
 */
export function refreshingCredentials(
  load: (options: { forceRefresh: boolean }) => Promise<Credentials>,
  now: () => number = Date.now,
): CredentialsProvider {
  let current: Promise<Credentials> | undefined;
  let expiresAt = Number.POSITIVE_INFINITY;
  let loaded = false;
  return function signingCredentials() {
    if (current && now() < expiresAt - REFRESH_BEFORE_EXPIRY_MS) return current;
    const loading = load({ forceRefresh: loaded }).then(
      (credentials) => {
        if (current === loading) expiresAt = credentials.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
        loaded = true;
        return credentials;
      },
      (error: unknown) => {
        if (current === loading) current = undefined;
        throw error;
      },
    );
    current = loading;
    // Until it settles, callers share this load rather than starting their own.
    expiresAt = Number.POSITIVE_INFINITY;
    return loading;
  };
}
