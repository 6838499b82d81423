import { createHmac, randomUUID } from 'node:crypto';

/** The `iss` of the tokens the chat signs itself (development); Cognito's tokens name their pool. */
export const CHAT_TOKEN_ISSUER = 'aws-framework-chat';
/** The `aud` of the tokens the chat signs itself. */
export const CHAT_TOKEN_AUDIENCE = 'aws-framework-chat';
/** The query string parameter the token travels in: browsers cannot set headers on a WebSocket. */
export const CHAT_TOKEN_PARAMETER = 'token';
/** API Gateway's identity source for it: a connection without a token is refused 401 unasked. */
export const CHAT_IDENTITY_SOURCE = [`route.request.querystring.${CHAT_TOKEN_PARAMETER}`];
/** Long enough to open a connection (and reconnect after a drop), short enough not to matter if copied. */
export const CHAT_TOKEN_TTL_SECONDS = 15 * 60;

export interface IssueChatTokenOptions {
  /** The name the others see: the token's `name` claim, which the authorizer copies into the context. */
  name: string;
  /** The HS256 secret the authorizer shares, at least 32 bytes. */
  secret: string;
  /** @default CHAT_TOKEN_ISSUER */
  issuer?: string;
  /** @default CHAT_TOKEN_AUDIENCE */
  audience?: string;
  /** @default CHAT_TOKEN_TTL_SECONDS */
  ttlSeconds?: number;
  /** The `sub`, the connection's principalId. @default a random UUID: one sign-in, one principal */
  subject?: string;
  /** Seconds since the epoch. @default now */
  now?: number;
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/**
 * A short-lived HS256 JWT for `name`, for development: what the chat's own sign-in hands the page
 * (`pnpm start`) and what `pnpm token` prints for a deployed stack signed with a shared secret.
 * A real deployment gets its tokens from an identity provider (Cognito) instead.
 *
 * @example
 * ```ts
 * const token = issueChatToken({ name: 'ana', secret: process.env.TOKEN_SECRET! });
 * new WebSocket(`wss://.../prod?room=lobby&token=${token}`);
 * ```
 */
export function issueChatToken(options: IssueChatTokenOptions): string {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(
    JSON.stringify({
      iss: options.issuer ?? CHAT_TOKEN_ISSUER,
      aud: options.audience ?? CHAT_TOKEN_AUDIENCE,
      sub: options.subject ?? randomUUID(),
      name: options.name,
      iat: now,
      exp: now + (options.ttlSeconds ?? CHAT_TOKEN_TTL_SECONDS),
    }),
  );
  const signature = createHmac('sha256', options.secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
