/** A Lambda handler as the local gateway calls it: `(event, context)`, returning a result or a promise. */
// biome-ignore lint/suspicious/noExplicitAny: any Lambda handler's own event and context types must fit
export type LambdaHandler = (event: any, context: any) => unknown;

/** One line per invocation and per gateway-level problem; `false` silences. */
export interface GatewayLogger {
  info(line: string): void;
  error(line: string): void;
}

export interface LocalGatewayOptions {
  /** One handler for every route. Give this or `routes`. */
  handler?: LambdaHandler;
  /** Route key to handler, as API Gateway integrates per route. Give this or `handler`. */
  routes?: Record<string, LambdaHandler>;
  /** 0 picks a free port. Default 3001. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default `local`. */
  stage?: string;
  /** Default `$request.body.action`. */
  routeSelectionExpression?: string;
  /** Send the handler's returned body back to the caller, as a route response would. Default false, as on AWS. */
  routeResponses?: boolean;
  /** Close a connection with no traffic for this long (1001). Default 600,000 (10 minutes). */
  idleTimeoutMs?: number;
  /** Close any connection after this long (1001). Default 7,200,000 (2 hours). */
  maxConnectionMs?: number;
  /** A handler that has not answered by then counts as failed. Default 29,000. */
  integrationTimeoutMs?: number;
  /** Files served over plain HTTP at `/`. */
  staticDir?: string;
  /** Default: silent. */
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
  routeResponses: boolean;
  idleTimeoutMs: number;
  maxConnectionMs: number;
  integrationTimeoutMs: number;
  staticDir: string | undefined;
  logger: GatewayLogger | undefined;
}

const SELECTION_EXPRESSION = /^\$request\.body\.([A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*)$/;
const STAGE = /^[A-Za-z0-9_-]+$/;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new TypeError(
      `startLocalGateway: ${name} must be a positive integer of milliseconds, got ${value}`,
    );
  }
  return value;
}

/** Checks everything once, at start, so a typo fails with its name rather than at the first event. */
export function resolveOptions(options: LocalGatewayOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('startLocalGateway(options): options must be an object');
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

  return {
    routes: routeMap,
    handler,
    port,
    host: options.host ?? '127.0.0.1',
    stage,
    routeSelectionPath: match[1].split('.'),
    routeResponses: options.routeResponses ?? false,
    idleTimeoutMs: positiveInteger('idleTimeoutMs', options.idleTimeoutMs, 600_000),
    maxConnectionMs: positiveInteger('maxConnectionMs', options.maxConnectionMs, 7_200_000),
    integrationTimeoutMs: positiveInteger('integrationTimeoutMs', options.integrationTimeoutMs, 29_000),
    staticDir: options.staticDir,
    logger,
  };
}
