import { type IdentitySource, parseIdentitySource } from './identitySource.js';

/**
 * A Lambda handler as the local gateway calls it: `(event, context, callback)`, returning a result
 * or a promise, or answering through the callback as on the nodejs22.x runtime.
 */
// biome-ignore lint/suspicious/noExplicitAny: any Lambda handler's own event, context and callback types must fit
export type LambdaHandler = (event: any, context: any, callback: any) => unknown;

/**
 * A REQUEST Lambda authorizer on `$connect`, as a WebSocket API configures one: the `authorizer`
 * option of {@link LocalGatewayOptions}.
 *
 * It runs before every `$connect` (no result caching: that is an HTTP API setting). Its event has
 * `methodArn` `arn:aws:execute-api:us-east-1:000000000000:{apiId}/{stage}/$connect`
 * ({@link LOCAL_REGION}, {@link LOCAL_ACCOUNT_ID}); an Allow gives every event of the connection
 * `requestContext.authorizer`: `{ principalId, ...context }`, the context's values as strings.
 */
export interface LocalAuthorizerOptions {
  /**
   * The authorizer Lambda handler (for example one made with aws-framework's `webSocketAuthorizer`).
   * A failure with the message `Unauthorized` refuses 401, a Deny (or an Allow whose policy does not
   * cover the method ARN) 403, any other failure, timeout or malformed result 500.
   */
  handler: LambdaHandler;
  /**
   * `route.request.header.NAME` or `route.request.querystring.NAME` entries: a request lacking any
   * of them (or with it empty) is refused 401 without invoking the authorizer. Header names match
   * in any letter case, query names exactly.
   *
   * @default undefined (no identity source: the authorizer is invoked on every `$connect`)
   */
  identitySource?: string[];
}

/**
 * Where the gateway writes its log: one line per invocation (`route key, connection, status, ms`)
 * and per gateway-level problem. `console` fits. A logger that throws is ignored, so logging can
 * never stop the gateway.
 */
export interface GatewayLogger {
  /** Receives invocations that succeeded and start-up facts (the routes the API declares). */
  info(line: string): void;
  /** Receives failed or timed-out invocations, refusals with 500 and the gateway's own errors. */
  error(line: string): void;
}

/**
 * What {@link startLocalGateway} runs, where it listens, and the API Gateway settings and limits it
 * applies. Give exactly one of `handler` and `routes`; the limits default to AWS's own.
 *
 * Each option is checked once, at start, so that a typo fails with its name rather than at the
 * first event: an unknown key or a bad value throws a `TypeError` naming it.
 */
export interface LocalGatewayOptions {
  /**
   * One handler for every route (`handler` mode), as one Lambda integrated with every route of an
   * API. Give this or `routes`.
   *
   * @default undefined (then `routes` must be given)
   */
  handler?: LambdaHandler;
  /**
   * Route key to handler, as API Gateway integrates per route (`routes` mode): these keys are the
   * API's routes. Give this or `handler`.
   *
   * @default undefined (then `handler` must be given)
   */
  routes?: Record<string, LambdaHandler>;
  /**
   * The TCP port of both the WebSocket server and the management API; 0 picks a free port, read
   * back from {@link LocalGateway.port}.
   *
   * @default 3001
   */
  port?: number;
  /**
   * The address to listen on. With `0.0.0.0` or `::` the URLs the gateway reports name
   * `127.0.0.1`.
   *
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * The stage name, the first path segment of the WebSocket URL and the management endpoint
   * (letters, digits, `_` or `-`).
   *
   * @default 'local'
   */
  stage?: string;
  /**
   * Where the route key is read from a message's JSON body: `$request.body.NAME` or a path such as
   * `$request.body.a.b` (header and `${...}` expressions are not emulated).
   *
   * @default '$request.body.action'
   */
  routeSelectionExpression?: string;
  /**
   * Which routes have a route response, so the handler's returned body is sent back to the client:
   * `true` for every route, or the route keys that have one.
   *
   * @default false (as on AWS, where a route has none unless one is configured)
   */
  routeResponses?: boolean | string[];
  /**
   * In `handler` mode, the route keys the API declares: an action outside them takes `$default`, as
   * on AWS; `$connect`, `$disconnect` and `$default` go to the handler as well. Not allowed in
   * `routes` mode, where the routes are the keys.
   *
   * @default undefined (the keys of a handler built with `routes({...})` when it carries them, else
   * every action is treated as a declared route, and the gateway says so once at start)
   */
  routeKeys?: string[];
  /**
   * Route keys on a MOCK integration: API Gateway answers them without invoking any Lambda (a
   * heartbeat route such as `ping`, which keeps a connection from idling out at no cost). They are
   * declared routes in either mode, and may not also be in `routes`.
   *
   * @default undefined (no mock routes)
   */
  mockRoutes?: string[];
  /**
   * A POST to a connection whose socket holds more than this many unsent bytes (the client is not
   * reading) answers 429 `LimitExceededException`, as AWS does when a client's buffer is full.
   *
   * @default 1_048_576 (1 MiB)
   */
  clientBufferBytes?: number;
  /**
   * Management API requests per second, across all connections, beyond which requests answer 429
   * `LimitExceededException` (the account's rate on AWS; its burst allowance is not modelled).
   *
   * @default undefined (no limit)
   */
  managementRateLimit?: number;
  /**
   * Closes a connection with no traffic in either direction for this long, with 1001 "Going away"
   * (ping and pong frames do not count as traffic).
   *
   * @default 600_000 (10 minutes, AWS's idle timeout)
   */
  idleTimeoutMs?: number;
  /**
   * Closes any connection after this long, with 1001 "Going away".
   *
   * @default 7_200_000 (2 hours, AWS's maximum connection duration)
   */
  maxConnectionMs?: number;
  /**
   * A handler that has not answered by then counts as failed (504 on `$connect`, the frame
   * `Endpoint request timed out` on a message route); it is abandoned, not stopped.
   *
   * @default 29_000 (AWS's integration timeout)
   */
  integrationTimeoutMs?: number;
  /**
   * A folder whose files are served over plain HTTP (GET and HEAD) at `/`, never a path outside
   * it: a page and its scripts next to the WebSocket they open.
   *
   * @default undefined (no files: plain HTTP outside the stage's paths answers 404)
   */
  staticDir?: string;
  /**
   * A Lambda authorizer that runs before `$connect`, as on AWS.
   *
   * @default undefined (no authorizer: every handshake goes straight to `$connect`)
   */
  authorizer?: LocalAuthorizerOptions;
  /**
   * Where log lines go; `false` silences, as leaving it out does.
   *
   * @default undefined (silent)
   */
  logger?: GatewayLogger | false;
}

export interface ResolvedOptions {
  routes: Map<string, LambdaHandler>;
  /** Set in `handler` mode: every route key goes to it. */
  handler: LambdaHandler | undefined;
  port: number;
  host: string;
  stage: string;
  routeSelectionPath: string[];
  /** Whether a route key has a route response. */
  hasRouteResponse: (routeKey: string) => boolean;
  /** In `handler` mode: the declared route keys, when known (from the option or the handler). */
  routeKeys: ReadonlySet<string> | undefined;
  /** Where `routeKeys` came from, for the start-up log line. */
  routeKeysSource: 'option' | 'handler' | undefined;
  mockRoutes: ReadonlySet<string>;
  clientBufferBytes: number;
  managementRateLimit: number | undefined;
  idleTimeoutMs: number;
  maxConnectionMs: number;
  integrationTimeoutMs: number;
  staticDir: string | undefined;
  authorizer: { handler: LambdaHandler; identitySources: IdentitySource[] } | undefined;
  logger: GatewayLogger | undefined;
}

const SELECTION_EXPRESSION = /^\$request\.body\.([A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*)$/;
const STAGE = /^[A-Za-z0-9_-]+$/;

function positiveInteger(
  name: string,
  value: number | undefined,
  fallback: number,
  unit = 'milliseconds',
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new TypeError(`startLocalGateway: ${name} must be a positive integer of ${unit}, got ${value}`);
  }
  return value;
}

function authorizerOption(value: unknown): ResolvedOptions['authorizer'] {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) {
    throw new TypeError('startLocalGateway: authorizer must be { handler, identitySource? }');
  }
  const { handler, identitySource, ...unknown } = value as LocalAuthorizerOptions;
  const extra = Object.keys(unknown);
  if (extra.length > 0) throw new TypeError(`startLocalGateway: authorizer has unknown option "${extra[0]}"`);
  if (typeof handler !== 'function')
    throw new TypeError('startLocalGateway: authorizer.handler must be a function');
  if (identitySource !== undefined && !Array.isArray(identitySource)) {
    throw new TypeError('startLocalGateway: authorizer.identitySource must be an array');
  }
  const identitySources = (identitySource ?? []).map((source) =>
    parseIdentitySource(source, 'startLocalGateway: authorizer.identitySource'),
  );
  return { handler, identitySources };
}

/** The key `routes({...})` of aws-framework puts its table's route keys under, read without importing it. */
export const ROUTE_KEYS = Symbol.for('aws-framework.routeKeys');

const LIFECYCLE_KEYS = new Set(['$connect', '$disconnect', '$default']);

/** Checks a list of route keys: non-empty strings, and no `$` keys but AWS's three. */
export function checkRouteKeys(where: string, keys: unknown): string[] {
  if (!Array.isArray(keys)) throw new TypeError(`${where} must be an array of route keys`);
  for (const key of keys) {
    if (typeof key !== 'string' || key === '') {
      throw new TypeError(`${where}: every route key must be a non-empty string, got ${JSON.stringify(key)}`);
    }
    if (key.startsWith('$') && !LIFECYCLE_KEYS.has(key)) {
      throw new TypeError(
        `${where}: "${key}" is not a route key API Gateway knows ($connect, $disconnect, $default)`,
      );
    }
  }
  return keys as string[];
}

/** The route keys a handler built with aws-framework's `routes({...})` declares, if it carries them. */
export function routeKeysOf(handler: unknown): string[] | undefined {
  if (typeof handler !== 'function') return undefined;
  const keys = (handler as unknown as Record<symbol, unknown>)[ROUTE_KEYS];
  return Array.isArray(keys) && keys.every((k) => typeof k === 'string') ? (keys as string[]) : undefined;
}

function routeResponsesOption(value: unknown): (routeKey: string) => boolean {
  if (value === undefined || value === false) return () => false;
  if (value === true) return () => true;
  const keys = new Set(checkRouteKeys('startLocalGateway: routeResponses', value));
  return (routeKey) => keys.has(routeKey);
}

const KNOWN_OPTIONS: ReadonlySet<string> = new Set<keyof LocalGatewayOptions>([
  'handler',
  'routes',
  'port',
  'host',
  'stage',
  'routeSelectionExpression',
  'routeResponses',
  'routeKeys',
  'mockRoutes',
  'clientBufferBytes',
  'managementRateLimit',
  'idleTimeoutMs',
  'maxConnectionMs',
  'integrationTimeoutMs',
  'staticDir',
  'authorizer',
  'logger',
]);

/** Checks everything once, at start, so a typo fails with its name rather than at the first event. */
export function resolveOptions(options: LocalGatewayOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('startLocalGateway(options): options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new TypeError(`startLocalGateway: unknown option "${key}"`);
  }
  const { handler, routes } = options;
  if ((handler === undefined) === (routes === undefined)) {
    throw new TypeError('startLocalGateway: give exactly one of "handler" or "routes"');
  }
  if (handler !== undefined && typeof handler !== 'function') {
    throw new TypeError('startLocalGateway: "handler" must be a function');
  }
  const routeMap = new Map<string, LambdaHandler>();
  if (routes !== undefined) {
    if (typeof routes !== 'object' || routes === null) {
      throw new TypeError('startLocalGateway: "routes" must be an object of route key to handler');
    }
    for (const [key, route] of Object.entries(routes)) {
      if (typeof route !== 'function') {
        throw new TypeError(`startLocalGateway: route "${key}" must be a function`);
      }
      routeMap.set(key, route);
    }
  }

  const port = options.port ?? 3001;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TypeError(`startLocalGateway: port must be an integer from 0 to 65535, got ${port}`);
  }
  const stage = options.stage ?? 'local';
  if (!STAGE.test(stage)) {
    throw new TypeError(
      `startLocalGateway: stage must be letters, digits, _ or -, got ${JSON.stringify(stage)}`,
    );
  }
  const expression = options.routeSelectionExpression ?? '$request.body.action';
  const match = SELECTION_EXPRESSION.exec(expression);
  if (!match?.[1]) {
    throw new TypeError(
      `startLocalGateway: routeSelectionExpression must look like $request.body.action or $request.body.a.b, got ${JSON.stringify(expression)}`,
    );
  }
  const logger = options.logger === false ? undefined : options.logger;
  if (logger !== undefined && (typeof logger.info !== 'function' || typeof logger.error !== 'function')) {
    throw new TypeError('startLocalGateway: logger must have info() and error(), or be false');
  }

  if (options.routeKeys !== undefined && handler === undefined) {
    throw new TypeError(
      'startLocalGateway: routeKeys is for "handler" mode; in "routes" mode the routes are the keys',
    );
  }
  const explicitKeys =
    options.routeKeys === undefined
      ? undefined
      : checkRouteKeys('startLocalGateway: routeKeys', options.routeKeys);
  const discoveredKeys = explicitKeys ? undefined : routeKeysOf(handler);
  const routeKeys = explicitKeys ?? discoveredKeys;

  const mockRoutes = new Set(
    options.mockRoutes === undefined
      ? []
      : checkRouteKeys('startLocalGateway: mockRoutes', options.mockRoutes),
  );
  for (const key of mockRoutes) {
    if (routeMap.has(key)) {
      throw new TypeError(`startLocalGateway: route "${key}" is both in routes and in mockRoutes`);
    }
  }

  return {
    routes: routeMap,
    mockRoutes,
    handler,
    port,
    host: options.host ?? '127.0.0.1',
    stage,
    routeSelectionPath: match[1].split('.'),
    hasRouteResponse: routeResponsesOption(options.routeResponses),
    routeKeys: routeKeys ? new Set(routeKeys) : undefined,
    routeKeysSource: explicitKeys ? 'option' : discoveredKeys ? 'handler' : undefined,
    clientBufferBytes: positiveInteger('clientBufferBytes', options.clientBufferBytes, 1_048_576, 'bytes'),
    managementRateLimit:
      options.managementRateLimit === undefined
        ? undefined
        : positiveInteger('managementRateLimit', options.managementRateLimit, 0, 'requests per second'),
    idleTimeoutMs: positiveInteger('idleTimeoutMs', options.idleTimeoutMs, 600_000),
    maxConnectionMs: positiveInteger('maxConnectionMs', options.maxConnectionMs, 7_200_000),
    integrationTimeoutMs: positiveInteger('integrationTimeoutMs', options.integrationTimeoutMs, 29_000),
    staticDir: options.staticDir,
    authorizer: authorizerOption(options.authorizer),
    logger,
  };
}
