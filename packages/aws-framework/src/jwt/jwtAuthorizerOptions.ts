import {
  type TokenFromOptions,
  tokenFrom,
  type WebSocketAuthorizerEvent,
  type WebSocketAuthorizerOptions,
} from '../authorizer/index.js';
import { OptionsError } from '../options/OptionsError.js';
import { type OptionSchema, validateOptions } from '../options/validateOptions.js';

/** Where the token is: as `tokenFrom(event, options)` reads it, or your own function. */
export type JwtTokenSource = TokenFromOptions | ((event: WebSocketAuthorizerEvent) => string | undefined);

export interface JwtAuthorizerOptions {
  /**
   * The expected `iss`, exactly, e.g. `https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123`.
   * Without `jwksUri` or `secret`, the keys are fetched from `${issuer}/.well-known/jwks.json`.
   */
  issuer: string;
  /**
   * The accepted `aud` value(s). Required unless `clientId` is given; `false` turns the audience
   * check off (only for an issuer whose tokens are all meant for you). A token with a `token_use`
   * (Cognito) must say `"id"`.
   */
  audience?: string | readonly string[] | false;
  /**
   * Cognito app client ID(s): accepts access tokens (`token_use: "access"`), which name their
   * client in `client_id` instead of `aud`. With `audience` too, ID tokens are accepted as well.
   */
  clientId?: string | readonly string[];
  /** The key set URL (https, or http on loopback). @default `${issuer}/.well-known/jwks.json` */
  jwksUri?: string;
  /**
   * A shared secret for HS256 tokens, at least 32 bytes: for development and tests, where there is
   * no key set to serve. Exclusive with `jwksUri`.
   */
  secret?: string | Uint8Array;
  /** Where the token is. */
  tokenFrom: JwtTokenSource;
  /**
   * Claims copied into the authorizer context. Absent claims are left out; arrays of strings are
   * joined with `,`; other non-scalar values throw (logged, 401). @default []
   */
  claims?: readonly string[];
  /**
   * Accepted `alg` values; `none` never is. @default ['RS256', 'ES256'] with a key set,
   * ['HS256'] with a `secret`
   */
  algorithms?: readonly string[];
  /** Leeway for `exp` and `nbf`, in seconds. @default 5 */
  clockToleranceSeconds?: number;
  /** As `webSocketAuthorizer`'s: where a failure that is not the token's fault is logged. */
  logger?: WebSocketAuthorizerOptions['logger'];
}

export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;

const ASYMMETRIC_ALGORITHMS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);
const HMAC_ALGORITHMS = new Set(['HS256', 'HS384', 'HS512']);
// RFC 7518 §3.2: an HMAC key must be at least as long as the hash output.
const MIN_SECRET_BYTES = 32;
// Kinds only: what each value must be is checked after, with the message saying why.
const OPTIONS_SCHEMA: OptionSchema = {
  issuer: 'string',
  audience: 'string, string array or false',
  clientId: 'string or string array',
  jwksUri: 'string',
  secret: 'string or bytes',
  tokenFrom: 'function or object',
  claims: 'string array',
  algorithms: 'string or string array',
  clockToleranceSeconds: 'number',
  logger: 'function or false',
};
// API Gateway puts these beside the context values in `requestContext.authorizer`.
const RESERVED_CLAIM_NAMES = new Set(['principalId', 'integrationLatency']);
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The options, checked and with their defaults: built once per authorizer. */
export interface ResolvedJwtAuthorizerOptions {
  issuer: string;
  audience: readonly string[] | false | undefined;
  clientId: readonly string[] | undefined;
  key: { jwksUri: string } | { secret: Uint8Array };
  tokenFrom: JwtTokenSource;
  claims: readonly string[];
  algorithms: string[];
  clockToleranceSeconds: number;
  logger: WebSocketAuthorizerOptions['logger'];
}

function fail(option: string, problem: string, cause?: unknown): never {
  throw new OptionsError(
    'jwtAuthorizer',
    option,
    `jwtAuthorizer: option "${option}" ${problem}`,
    cause instanceof Error ? { cause } : undefined,
  );
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function stringList(option: string, value: unknown): readonly string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every(isNonEmptyString)) {
    fail(option, 'must be a non-empty string or a non-empty array of them');
  }
  return list;
}

function checkJwksUri(option: string, uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    fail(option, `must be a URL to fetch the key set from; got ${JSON.stringify(uri)}`);
  }
  // Keys fetched over plain HTTP could be swapped on the way, and then any token would verify.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    fail(option, `must give an https key set URL (http only on loopback); got ${JSON.stringify(uri)}`);
  }
  return url.href;
}

function resolveKey(options: JwtAuthorizerOptions): ResolvedJwtAuthorizerOptions['key'] {
  if (options.secret !== undefined) {
    if (options.jwksUri !== undefined) fail('secret', 'and "jwksUri" exclude each other: give one');
    const secret =
      typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
    if (secret.byteLength < MIN_SECRET_BYTES)
      fail('secret', `must be at least ${MIN_SECRET_BYTES} bytes for HS256`);
    return { secret };
  }
  if (options.jwksUri !== undefined) {
    return { jwksUri: checkJwksUri('jwksUri', options.jwksUri) };
  }
  return { jwksUri: checkJwksUri('issuer', `${options.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`) };
}

function resolveAlgorithms(options: JwtAuthorizerOptions, withSecret: boolean): string[] {
  if (options.algorithms === undefined) return withSecret ? ['HS256'] : ['RS256', 'ES256'];
  const algorithms = stringList('algorithms', options.algorithms);
  // A key set's public key used as an HMAC secret would let anyone sign (algorithm confusion), and
  // "none" would let anyone skip signing: only the family that matches the key is accepted.
  const family = withSecret ? HMAC_ALGORITHMS : ASYMMETRIC_ALGORITHMS;
  for (const algorithm of algorithms) {
    if (!family.has(algorithm)) {
      fail(
        'algorithms',
        `cannot include ${JSON.stringify(algorithm)} with ${withSecret ? 'a "secret"' : 'a key set'}`,
      );
    }
  }
  return [...algorithms];
}

function checkTokenFrom(source: unknown): JwtTokenSource {
  if (typeof source === 'function') return source as JwtTokenSource;
  if (typeof source !== 'object' || source === null) {
    fail(
      'tokenFrom',
      'is required: { query?, header?, protocol? } or a function (event) => string | undefined',
    );
  }
  try {
    // tokenFrom checks its sources on every call; once here, on an empty event, fails at construction.
    tokenFrom({}, source as TokenFromOptions);
  } catch (error) {
    fail('tokenFrom', `is not valid: ${(error as Error).message}`, error);
  }
  return source as TokenFromOptions;
}

/** Checks `jwtAuthorizer`'s options once, at construction, and fills in the defaults. */
export function resolveJwtAuthorizerOptions(options: JwtAuthorizerOptions): ResolvedJwtAuthorizerOptions {
  validateOptions('jwtAuthorizer', OPTIONS_SCHEMA, options);
  if (!isNonEmptyString(options.issuer)) fail('issuer', 'is required: the exact `iss` of accepted tokens');
  const clientId = options.clientId === undefined ? undefined : stringList('clientId', options.clientId);
  let audience: ResolvedJwtAuthorizerOptions['audience'];
  if (options.audience === false) {
    if (clientId)
      fail('audience', 'false turns the audience check off, but "clientId" asks for one: give one');
    audience = false;
  } else if (options.audience !== undefined) {
    audience = stringList('audience', options.audience);
  } else if (!clientId) {
    fail('audience', 'is required (or "clientId" for Cognito access tokens; false turns the check off)');
  }
  const key = resolveKey(options);
  const claims = options.claims === undefined ? [] : options.claims;
  if (!claims.every(isNonEmptyString)) fail('claims', 'must be an array of claim names');
  const reserved = claims.find((name) => RESERVED_CLAIM_NAMES.has(name));
  if (reserved)
    fail('claims', `cannot include "${reserved}": API Gateway puts its own in requestContext.authorizer`);
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    fail('clockToleranceSeconds', 'must be a number of seconds, 0 or more');
  }
  return {
    issuer: options.issuer,
    audience,
    clientId,
    key,
    tokenFrom: checkTokenFrom(options.tokenFrom),
    claims: [...claims],
    algorithms: resolveAlgorithms(options, 'secret' in key),
    clockToleranceSeconds: tolerance,
    logger: options.logger,
  };
}
