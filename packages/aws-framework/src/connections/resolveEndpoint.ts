import type { WebSocketEvent } from '../types/event.js';
import { EndpointNotResolvedError } from './errors.js';

/** What `resolveEndpoint` uses instead of, or beside, the event. */
export interface ResolveEndpointOptions {
  /**
   * Used as is when given (a trailing slash dropped); wins over everything else.
   * @default process.env.WEBSOCKET_MANAGEMENT_ENDPOINT, else worked out from the event
   */
  endpoint?: string;
  /**
   * The region of the execute-api host built for a custom domain (only then is it used).
   * @default process.env.AWS_REGION
   */
  region?: string;
}

export const ENDPOINT_ENV_VAR = 'WEBSOCKET_MANAGEMENT_ENDPOINT';

const EXECUTE_API_HOST = /^[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/i;
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d{1,5})?$/i;
// API Gateway's domainName never carries a port; one that does is a local gateway (on a LAN
// address, say), which must never be mistaken for a custom domain and sent to AWS.
const HOST_WITH_PORT = /^(\[[0-9a-f:.]+\]|[^:/\s]+):\d{1,5}$/i;

/**
 * What `resolveEndpoint` reads of an event: its `requestContext` (`domainName`, `stage`, `apiId`).
 * `null`/`undefined` are accepted so that a missing event fails with a clear error.
 */
export type EndpointEvent = Pick<WebSocketEvent, 'requestContext'> | null | undefined;

/**
 * The management API base URL for the connection an event came from, without a trailing slash.
 *
 * In order: `options.endpoint`; the `WEBSOCKET_MANAGEMENT_ENDPOINT` variable; an execute-api
 * `domainName` as `https://{domainName}/{stage}`; a loopback `domainName` (the local gateway) as
 * `http://{domainName}/{stage}`; otherwise a custom domain, where `https://{domainName}/{stage}`
 * would fail because a base-path mapping replaces the stage, so the execute-api host is built
 * from `apiId` and the region instead.
 *
 * @example
 * ```ts
 * import { resolveEndpoint, webSocketLambda } from 'aws-framework';
 *
 * export const handler = webSocketLambda(async (event) => {
 *   // 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod' on AWS,
 *   // 'http://127.0.0.1:3001/local' on the local gateway
 *   console.log(resolveEndpoint(event));
 * });
 * ```
 * @throws {@link EndpointNotResolvedError} when the event lacks what the URL is built from
 * (`domainName` and `stage`; for a custom domain, `apiId` and a region) and no endpoint is configured.
 * @throws {@link !TypeError} when the configured endpoint is not an http(s) URL.
 */
export function resolveEndpoint(event: EndpointEvent, options: ResolveEndpointOptions = {}): string {
  const explicit = options.endpoint ?? process.env[ENDPOINT_ENV_VAR];
  if (explicit !== undefined && explicit !== '') return normalizeEndpoint(explicit);

  const requestContext = event?.requestContext;
  const domainName = requestContext?.domainName;
  const stage = requestContext?.stage;
  if (!domainName || !stage) {
    const missing = [
      ...(domainName ? [] : ['requestContext.domainName']),
      ...(stage ? [] : ['requestContext.stage']),
    ];
    throw new EndpointNotResolvedError(
      missing,
      `Cannot resolve the management endpoint: the event has no ${missing.join(' or ')}; pass options.endpoint or set ${ENDPOINT_ENV_VAR}`,
    );
  }
  if (EXECUTE_API_HOST.test(domainName)) return `https://${domainName}/${stage}`;
  if (LOOPBACK_HOST.test(domainName) || HOST_WITH_PORT.test(domainName))
    return `http://${domainName}/${stage}`;

  const region = options.region ?? process.env.AWS_REGION;
  const apiId = requestContext.apiId;
  if (!apiId || !region) {
    const missing = [...(apiId ? [] : ['requestContext.apiId']), ...(region ? [] : ['AWS_REGION'])];
    throw new EndpointNotResolvedError(
      missing,
      `Cannot resolve the management endpoint for custom domain ${domainName}: it needs ${missing.join(' and ')}; pass options.endpoint or set ${ENDPOINT_ENV_VAR}`,
    );
  }
  return `https://${apiId}.execute-api.${region}.amazonaws.com/${stage}`;
}

/** Checks a configured endpoint once, so a typo fails with its name rather than deep in the SDK. */
export function normalizeEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new TypeError(`Invalid management endpoint ${JSON.stringify(endpoint)}: not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`Invalid management endpoint ${JSON.stringify(endpoint)}: use http(s)://`);
  }
  return endpoint.replace(/\/+$/, '');
}

/** An endpoint only a local gateway answers: plain http, or a loopback host. */
export function isLocalEndpoint(endpoint: string): boolean {
  const url = new URL(endpoint);
  return url.protocol === 'http:' || LOOPBACK_HOST.test(url.host);
}

/**
 * The region to sign for: the one in an execute-api host, else `AWS_REGION` (what Lambda sets),
 * else `us-east-1` (a local gateway does not check).
 */
export function regionFor(endpoint: string): string {
  const fromHost = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/i.exec(endpoint)?.[1];
  return fromHost ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
}
