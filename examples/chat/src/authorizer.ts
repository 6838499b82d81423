import { createChatAuthorizer } from './createChatAuthorizer.js';

const { TOKEN_ISSUER, TOKEN_AUDIENCE, TOKEN_SECRET } = process.env;
if (!TOKEN_SECRET && !TOKEN_ISSUER) {
  throw new Error('the chat authorizer needs TOKEN_SECRET (development) or TOKEN_ISSUER (Cognito)');
}

/**
 * The authorizer's Lambda entry point, configured by its environment (see `ChatStack`): tokens
 * from `TOKEN_ISSUER` for `TOKEN_AUDIENCE`, checked with `TOKEN_SECRET` (development, HS256) or,
 * without it, against the issuer's published keys (a Cognito user pool's ID tokens).
 */
export const handler = createChatAuthorizer({
  ...(TOKEN_ISSUER ? { issuer: TOKEN_ISSUER } : {}),
  ...(TOKEN_AUDIENCE ? { audience: TOKEN_AUDIENCE } : {}),
  ...(TOKEN_SECRET ? { secret: TOKEN_SECRET } : {}),
});
