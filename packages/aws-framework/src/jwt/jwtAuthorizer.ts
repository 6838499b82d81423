import { type JWTPayload, type JWTVerifyOptions, type JWTVerifyResult, jwtVerify } from 'jose';
import {
  tokenFrom,
  type WebSocketAuthorizerEvent,
  type WebSocketAuthorizerHandler,
  webSocketAuthorizer,
} from '../authorizer/index.js';
import { acceptsAudience } from './acceptsAudience.js';
import { contextFromClaims } from './contextFromClaims.js';
import {
  type JwtAuthorizerOptions,
  type ResolvedJwtAuthorizerOptions,
  resolveJwtAuthorizerOptions,
} from './jwtAuthorizerOptions.js';
import { remoteJwks } from './remoteJwks.js';

// jose's codes for a token that is malformed, badly signed, expired, not yet valid, from another
// issuer or signed with an algorithm or key we do not accept: the client's fault, a 401 that is
// not logged. Any other failure (the key set unreachable, not JSON, not 200, timing out) is ours,
// so it is thrown for `webSocketAuthorizer` to log before it refuses.
const TOKEN_FAULTS = new Set([
  'ERR_JWT_EXPIRED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_INVALID',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
]);

function isTokenFault(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    TOKEN_FAULTS.has((error as { code?: unknown }).code as string)
  );
}

function verifierFor(
  key: ResolvedJwtAuthorizerOptions['key'],
  options: JWTVerifyOptions,
): (token: string) => Promise<JWTVerifyResult> {
  if ('secret' in key) {
    const { secret } = key;
    return (token) => jwtVerify(token, secret, options);
  }
  const keySet = remoteJwks(key.jwksUri);
  return (token) => jwtVerify(token, keySet, options);
}

/**
 * A `$connect` authorizer that verifies a JWT: its signature against the issuer's key set (or a
 * development `secret`), `iss`, `aud` (or Cognito's `client_id`), `exp` and `nbf`. A valid token is
 * allowed as its `sub`, with the selected `claims` in the context; no token, or a token that fails
 * any check, is refused (401) without a log line. A key set that cannot be fetched is logged and
 * refused.
 *
 * Built on `webSocketAuthorizer`, so the result is the same Lambda REQUEST authorizer: every event
 * of an allowed connection carries `{ principalId, ...context }` in `requestContext.authorizer`.
 * A token must have a non-empty `sub` and an `exp`. Unless `audience` is `false`, Cognito's access
 * tokens are accepted only with `clientId` and its ID tokens only with `audience`, so one is never
 * taken for the other.
 *
 * @example
 * ```typescript
 * import { jwtAuthorizer } from 'aws-framework/jwt';
 *
 * export const handler = jwtAuthorizer({
 *   issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123',
 *   clientId: '1example23456789',
 *   tokenFrom: { query: 'token' },
 *   claims: ['username', 'cognito:groups'],
 * });
 * ```
 * @param options - The issuer, audience, key and token source; see {@link JwtAuthorizerOptions}.
 * @returns The authorizer handler to export, a Middy instance (`.use()` adds middlewares).
 * @throws {@link index.OptionsError | OptionsError} (from `aws-framework`) when the options are
 * wrong, all checked here, before any event: not an object, an unknown key or a value of the wrong
 * type; no `issuer`; neither `audience` nor `clientId`, or `audience: false` with `clientId`; an
 * empty list; both `secret` and `jwksUri`; a `secret` under 32 bytes; a key set URL that is not
 * one, or not https (http only on loopback); a claim name that is empty, `principalId` or
 * `integrationLatency`; a `clockToleranceSeconds` that is negative or not finite; no `tokenFrom`,
 * or sources `tokenFrom` refuses (its error as `cause`); an algorithm outside the key's family.
 */
export function jwtAuthorizer(options: JwtAuthorizerOptions): WebSocketAuthorizerHandler {
  const resolved = resolveJwtAuthorizerOptions(options);
  const { issuer, audience, clientId, claims, algorithms, clockToleranceSeconds } = resolved;
  const source = resolved.tokenFrom;
  const readToken =
    typeof source === 'function' ? source : (event: WebSocketAuthorizerEvent) => tokenFrom(event, source);
  const verify = verifierFor(resolved.key, {
    issuer,
    algorithms,
    clockTolerance: clockToleranceSeconds,
    requiredClaims: ['sub', 'exp'],
  });

  return webSocketAuthorizer(
    async function jwtAuthorizerVerify(event) {
      const token = readToken(event);
      if (!token) return false;
      let payload: JWTPayload;
      try {
        ({ payload } = await verify(token));
      } catch (error) {
        if (isTokenFault(error)) return false;
        throw error;
      }
      if (typeof payload.sub !== 'string' || payload.sub === '') return false;
      if (!acceptsAudience(payload, { audience, clientId })) return false;
      if (claims.length === 0) return { principalId: payload.sub };
      return { principalId: payload.sub, context: contextFromClaims(payload, claims) };
    },
    { logger: resolved.logger },
  );
}
