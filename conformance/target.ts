// Where the conformance suite runs: its own local gateways (the default), or a deployed stage named
// by CONFORMANCE_URL and CONFORMANCE_ENDPOINT (deploy conformance/infra for one).
import { type LocalGateway, startLocalGateway } from 'aws-framework-local';
import {
  type ConformanceApi,
  MAIN_API,
  NO_DEFAULT_API,
  ROUTE_SELECTION_EXPRESSION,
} from './handlers/apis.js';
import { handler } from './handlers/handler.js';

/** The idle timeout of the local-only idle test gateway: AWS's is fixed at 10 minutes. */
export const LOCAL_IDLE_TIMEOUT_MS = 2_000;

/** What the environment asks for, before anything is started. */
export type TargetConfig =
  | { mode: 'local' }
  | {
      mode: 'aws';
      /** The stage's WebSocket URL (wss://, or ws:// for a local stand-in). */
      url: string;
      /** The stage's management endpoint (https://, or http:// for a local stand-in). */
      endpoint: string;
      /** The WebSocket URL of the API without `$default`; its tests are skipped when absent. */
      noDefaultUrl: string | undefined;
      /** The region the management API's requests are signed for. */
      region: string;
    };

export type Env = Record<string, string | undefined>;

function parseUrl(name: string, value: string, protocols: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new Error(`${name} is not a URL: ${JSON.stringify(value)}`, { cause: error });
  }
  if (!protocols.includes(url.protocol)) {
    throw new Error(
      `${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}, got ${JSON.stringify(value)}`,
    );
  }
  // The SDK appends /@connections/{id} to the endpoint, and clients connect to the stage's path.
  return value.replace(/\/+$/, '');
}

const EXECUTE_API_HOST = /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** The region of an execute-api endpoint, else AWS_REGION; plain-http stand-ins sign for any. */
function regionFor(endpoint: string, env: Env): string {
  const url = new URL(endpoint);
  const fromHost = EXECUTE_API_HOST.exec(url.hostname)?.[1];
  const region = fromHost ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region) return region;
  if (url.protocol === 'http:') return 'us-east-1';
  throw new Error(
    `CONFORMANCE_ENDPOINT ${endpoint} names no region (not an execute-api host): set AWS_REGION to sign for it`,
  );
}

const set = (value: string | undefined): value is string => value !== undefined && value !== '';

/**
 * Reads CONFORMANCE_URL, CONFORMANCE_ENDPOINT and CONFORMANCE_URL_NO_DEFAULT. All unset (or empty):
 * local mode. URL and endpoint together: aws mode. Anything else is an error naming the variable.
 */
export function readTargetConfig(env: Env = process.env): TargetConfig {
  const url = env.CONFORMANCE_URL;
  const endpoint = env.CONFORMANCE_ENDPOINT;
  const noDefault = env.CONFORMANCE_URL_NO_DEFAULT;
  if (!set(url) && !set(endpoint)) {
    if (set(noDefault)) {
      throw new Error('CONFORMANCE_URL_NO_DEFAULT needs CONFORMANCE_URL and CONFORMANCE_ENDPOINT too');
    }
    return { mode: 'local' };
  }
  if (!set(url))
    throw new Error('CONFORMANCE_ENDPOINT is set but CONFORMANCE_URL is not: set both, or neither');
  if (!set(endpoint)) {
    throw new Error('CONFORMANCE_URL is set but CONFORMANCE_ENDPOINT is not: set both, or neither');
  }
  const parsedEndpoint = parseUrl('CONFORMANCE_ENDPOINT', endpoint, ['https:', 'http:']);
  return {
    mode: 'aws',
    url: parseUrl('CONFORMANCE_URL', url, ['wss:', 'ws:']),
    endpoint: parsedEndpoint,
    noDefaultUrl: set(noDefault)
      ? parseUrl('CONFORMANCE_URL_NO_DEFAULT', noDefault, ['wss:', 'ws:'])
      : undefined,
    region: regionFor(parsedEndpoint, env),
  };
}

/** A running target: what the tests connect to, and how to let it go. */
export interface Target {
  mode: 'local' | 'aws';
  /** The main API's WebSocket URL. */
  url: string;
  /** The main API's management endpoint. */
  endpoint: string;
  /** The WebSocket URL of the API without `$default`, when there is one. */
  noDefaultUrl: string | undefined;
  /** Local mode only: a gateway like the main one whose idle timeout is LOCAL_IDLE_TIMEOUT_MS. */
  idle: { url: string; endpoint: string } | undefined;
  region: string;
  /** Placeholder credentials for a plain-http endpoint; undefined: the SDK's default chain. */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  close(): Promise<void>;
}

function routesOf(api: ConformanceApi) {
  return Object.fromEntries(api.routes.map((routeKey) => [routeKey, handler]));
}

function startApi(api: ConformanceApi, idleTimeoutMs?: number): Promise<LocalGateway> {
  return startLocalGateway({
    routes: routesOf(api),
    routeResponses: [...api.routeResponses],
    routeSelectionExpression: ROUTE_SELECTION_EXPRESSION,
    port: 0,
    host: '127.0.0.1',
    logger: false,
    ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMs }),
  });
}

/** The conformance APIs on local gateways: main, without `$default`, and main with a short idle timeout. */
export async function startLocalApis(): Promise<{
  main: LocalGateway;
  noDefault: LocalGateway;
  idle: LocalGateway;
  close(): Promise<void>;
}> {
  const [main, noDefault, idle] = await Promise.all([
    startApi(MAIN_API),
    startApi(NO_DEFAULT_API),
    startApi(MAIN_API, LOCAL_IDLE_TIMEOUT_MS),
  ]);
  return {
    main,
    noDefault,
    idle,
    close: async () => {
      await Promise.all([main.close(), noDefault.close(), idle.close()]);
    },
  };
}

const PLACEHOLDER_CREDENTIALS = { accessKeyId: 'conformance', secretAccessKey: 'conformance' };

/** Starts the local target, or describes the deployed one, and logs which. */
export async function startTarget(config: TargetConfig = readTargetConfig()): Promise<Target> {
  if (config.mode === 'aws') {
    console.info(
      `conformance target: aws mode, ${config.url} (management ${config.endpoint}; no-$default API ${config.noDefaultUrl ?? 'not set'})`,
    );
    return {
      mode: 'aws',
      url: config.url,
      endpoint: config.endpoint,
      noDefaultUrl: config.noDefaultUrl,
      idle: undefined,
      region: config.region,
      credentials: config.endpoint.startsWith('http:') ? PLACEHOLDER_CREDENTIALS : undefined,
      close: async () => {},
    };
  }
  const apis = await startLocalApis();
  console.info(`conformance target: local mode, ${apis.main.url}`);
  return {
    mode: 'local',
    url: apis.main.url,
    endpoint: apis.main.endpoint,
    noDefaultUrl: apis.noDefault.url,
    idle: { url: apis.idle.url, endpoint: apis.idle.endpoint },
    region: 'us-east-1',
    credentials: PLACEHOLDER_CREDENTIALS,
    close: apis.close,
  };
}
