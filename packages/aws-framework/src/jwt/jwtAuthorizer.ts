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
