import { jwtAuthorizer } from 'aws-framework/jwt';
import { CHAT_TOKEN_AUDIENCE, CHAT_TOKEN_ISSUER, CHAT_TOKEN_PARAMETER } from './issueChatToken.js';

/**
 * What the chat's authorizer hands on with every event of a connection (`context.authorizer`,
 * `requestContext.authorizer`, beside `principalId`): the name the token was issued for.
 */
export interface ChatIdentity {
  name: string;
}

export interface ChatAuthorizerOptions {
  /** The tokens' `iss`: a Cognito user pool's URL. @default CHAT_TOKEN_ISSUER, the chat's own */
  issuer?: string;
  /** The tokens' `aud`: the Cognito app client's ID (ID tokens). @default CHAT_TOKEN_AUDIENCE */
  audience?: string;
  /** HS256 secret (development). Without it the keys come from `${issuer}/.well-known/jwks.json`. */
  secret?: string;
}

/**
 * The chat's `$connect` authorizer: a JWT from `?token=`, its `sub` the principal, its `name` claim
 * copied into the context as `name`, which the chat shows as the sender of every message.
 *
 * @example
 * ```ts
 * createChatAuthorizer({ secret: process.env.TOKEN_SECRET }); // development: tokens from issueChatToken
 * createChatAuthorizer({ issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123', audience: '1example23456789' });
 * ```
 */
export function createChatAuthorizer(options: ChatAuthorizerOptions) {
  return jwtAuthorizer({
    issuer: options.issuer ?? CHAT_TOKEN_ISSUER,
    audience: options.audience ?? CHAT_TOKEN_AUDIENCE,
    ...(options.secret ? { secret: options.secret } : {}),
    tokenFrom: { query: CHAT_TOKEN_PARAMETER },
    claims: ['name'],
  });
}
