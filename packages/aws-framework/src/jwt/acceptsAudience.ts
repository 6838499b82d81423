import type { JWTPayload } from 'jose';

export interface AudienceCheck {
  /** Accepted `aud` values; `false`: no audience check. */
  audience: readonly string[] | false | undefined;
  /** Accepted `client_id` values of access tokens (Cognito's, which carry no `aud`). */
  clientId: readonly string[] | undefined;
}

/**
 * Whether the token was issued for this API. Cognito's access tokens name their app client in
 * `client_id` with `token_use: "access"`; its ID tokens, like most issuers' tokens, name it in
 * `aud`, and say `token_use: "id"` when they say anything, so an access token is never accepted
 * where an ID token is expected, nor the reverse.
 */
export function acceptsAudience(payload: JWTPayload, { audience, clientId }: AudienceCheck): boolean {
  if (audience === false) return true;
  if (payload.token_use === 'access') {
    return (
      clientId !== undefined && typeof payload.client_id === 'string' && clientId.includes(payload.client_id)
    );
  }
  if (audience === undefined || (payload.token_use !== undefined && payload.token_use !== 'id')) return false;
  const aud = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
  return aud.some((value) => audience.includes(value));
}
