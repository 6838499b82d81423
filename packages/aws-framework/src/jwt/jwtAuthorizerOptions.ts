import {
  type TokenFromOptions,
  tokenFrom,
  type WebSocketAuthorizerEvent,
  type WebSocketAuthorizerOptions,
} from '../authorizer/index.js';
import { OptionsError } from '../options/OptionsError.js';
import { type OptionSchema, validateOptions } from '../options/validateOptions.js';

/**
 * Where `jwtAuthorizer` finds the token in the `$connect` request: the sources `tokenFrom(event,
 * sources)` reads (`{ query?, header?, protocol? }`, tried in that order), or your own function of
 * the authorizer event, returning `undefined` when there is no token (refused, 401).
 */
export type JwtTokenSource = TokenFromOptions | ((event: WebSocketAuthorizerEvent) => string | undefined);

/**
 * What `jwtAuthorizer` verifies a token against and what it hands on. `issuer` and `tokenFrom` are
 * required, and `audience` or `clientId` (or both); the key set defaults to the issuer's own.
 *
 * Every option is checked once, when the authorizer is built, so a mistake fails at deployment
 * rather than as a refused connection: an unknown key, a value of the wrong type or one that
 * cannot be right (an `http` key set URL, a short `secret`, an algorithm that does not fit the key)
 * throws an {@link index.OptionsError | OptionsError} naming the option.
 */
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
   *
   * @default undefined (then `clientId` is required, and only access tokens naming one of its
   * clients are accepted)
   */
  audience?: string | readonly string[] | false;
  /**
   * Cognito app client ID(s): accepts access tokens (`token_use: "access"`), which name their
   * client in `client_id` instead of `aud`. With `audience` too, ID tokens are accepted as well.
   * Cannot be given with `audience: false`.
   *
   * @default undefined (access tokens are refused: only tokens whose `aud` is in `audience`)
   */
  clientId?: string | readonly string[];
  /**
   * The key set URL (https, or http on loopback: keys fetched over plain HTTP could be swapped on
   * the way, and then any token would verify). Exclusive with `secret`.
   *
   * The key set is fetched on the first token and kept for the whole process, shared by every
   * authorizer naming the same URL; it is fetched again once it is 10 minutes old, or when a token
   * names a key it has not seen (a rotation), at most once per 30 seconds (jose's defaults), with a
   * 5-second timeout. A key set that cannot be fetched is logged and the connection refused.
   *
   * @default `${issuer}/.well-known/jwks.json` (the issuer's trailing slashes dropped), unless
   * `secret` is given
   */
  jwksUri?: string;
  /**
   * A shared secret for HS256 tokens, at least 32 bytes (RFC 7518 §3.2: an HMAC key must be at
   * least as long as the hash output): for development and tests, where there is no key set to
   * serve. A string is taken as its UTF-8 bytes. Exclusive with `jwksUri`.
   *
   * @default undefined (tokens are verified against the key set at `jwksUri`)
   */
  secret?: string | Uint8Array;
  /** Where the token is: see {@link JwtTokenSource}. Its sources are checked when the authorizer is built. */
  tokenFrom: JwtTokenSource;
  /**
   * Claims copied into the authorizer context, which every event of the connection carries in
   * `requestContext.authorizer`. Absent claims are left out; arrays of strings are joined with `,`
   * (Cognito's `cognito:groups`); other non-scalar values throw (logged, 401). `principalId` and
   * `integrationLatency` are refused: API Gateway puts its own there.
   *
   * @default [] (the context holds only `principalId`, the token's `sub`)
   */
  claims?: readonly string[];
  /**
   * Accepted `alg` values; `none` never is. Only the family that matches the key is allowed
   * (RS*, PS*, ES*, EdDSA with a key set; HS* with a `secret`): a key set's public key used as an
   * HMAC secret would let anyone sign.
   *
   * @default ['RS256', 'ES256'] with a key set, ['HS256'] with a `secret`
   */
  algorithms?: readonly string[];
  /**
   * Leeway for `exp` and `nbf`, in seconds, 0 or more: how far the issuer's clock and Lambda's
   * may disagree.
   *
   * @default 5 ({@link DEFAULT_CLOCK_TOLERANCE_SECONDS})
   */
  clockToleranceSeconds?: number;
  /**
   * Where a failure that is not the token's fault (a key set that cannot be fetched, a claim
   * API Gateway would refuse in the context) is logged, as `webSocketAuthorizer`'s `logger`;
   * `false` silences. A bad or missing token is refused without a log line.
   *
   * @default one JSON line on `console.error`
   */
  logger?: WebSocketAuthorizerOptions['logger'];
}

/**
 * The leeway, in seconds, `jwtAuthorizer` allows for a token's `exp` and `nbf` when
 * `clockToleranceSeconds` is not given: 5, for clocks of the issuer and Lambda that drift apart.
 */
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
