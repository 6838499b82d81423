import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { type OptionSchema, validateOptions } from '../options/validateOptions.js';
import { guardContext } from '../websocket/guardContext.js';
import { authorizerErrors } from './authorizerErrors.js';
import { authorizerPolicy } from './authorizerPolicy.js';
import type {
  AuthorizerContext,
  WebSocketAuthorizerEvent,
  WebSocketAuthorizerFn,
  WebSocketAuthorizerOptions,
  WebSocketAuthorizerResult,
} from './types.js';

/**
 * The Middy instance `webSocketAuthorizer` returns. It can also be called with a plain Lambda
 * `Context` (or none) and any event; whatever goes wrong, it rejects with `Unauthorized`.
 */
export type WebSocketAuthorizerHandler<TContext extends AuthorizerContext = AuthorizerContext> =
  MiddyfiedHandler<WebSocketAuthorizerEvent, WebSocketAuthorizerResult<TContext>, Error, Context> &
    ((event: unknown, context?: Context) => Promise<WebSocketAuthorizerResult<TContext>>);

const OPTIONS_SCHEMA: OptionSchema = { logger: 'function or false' };

/**
 * Wraps a plain function as the Lambda REQUEST authorizer of a WebSocket API (it runs on
 * `$connect`, before the connection exists).
 *
 * `fn(event, context)` returns `{ principalId, context? }` to allow (an Allow policy for the
 * event's method ARN; `context` values reach every event of the connection as
 * `requestContext.authorizer`), `false` or nothing to refuse (the invocation fails with
 * `Unauthorized`: API Gateway answers 401), or `deny(principalId?)` (a Deny policy: 403). A thrown
 * error, a `principalId` that is not a non-empty string, or a context value other than a string, a
 * finite number or a boolean is logged once (`options.logger`) and refused with `Unauthorized`;
 * its message never leaves the Lambda. The Middy instance is returned, so `.use()` adds your own
 * middlewares.
 *
 * @example
 * ```typescript
 * import { tokenFrom, webSocketAuthorizer } from 'aws-framework';
 *
 * // Your user directory, for instance:
 * declare const users: { byToken(token: string): Promise<{ id: string; name: string } | undefined> };
 *
 * export const handler = webSocketAuthorizer<{ name: string }>(async (event) => {
 *   const token = tokenFrom(event, { query: 'token' });
 *   const user = token ? await users.byToken(token) : undefined;
 *   if (!user) return false; // 401
 *   return { principalId: user.id, context: { name: user.name } };
 * });
 * ```
 * @throws {@link !TypeError} when `fn` is not a function.
 * @throws {@link OptionsError} when `options` is not an object, or an option is unknown or has the
 * wrong type (a `logger` other than a function or `false`).
 */
export function webSocketAuthorizer<TContext extends AuthorizerContext = AuthorizerContext>(
  fn: WebSocketAuthorizerFn<TContext>,
  options: WebSocketAuthorizerOptions = {},
): WebSocketAuthorizerHandler<TContext> {
  if (typeof fn !== 'function') {
    throw new TypeError('webSocketAuthorizer(fn): fn must be a function');
  }
  validateOptions('webSocketAuthorizer', OPTIONS_SCHEMA, options);
  // One .use() call keeps ours outermost: the event check runs first, and the policy and the
  // error mapping run last, so middlewares added later see the function's raw decision.
  const handler = middy<WebSocketAuthorizerEvent, WebSocketAuthorizerResult<TContext>, Error, Context>(
    fn as unknown as (event: WebSocketAuthorizerEvent) => Promise<WebSocketAuthorizerResult<TContext>>,
    { requestStart: guardContext },
  ).use([authorizerPolicy(), authorizerErrors({ logger: options.logger })] as never);
  return handler as unknown as WebSocketAuthorizerHandler<TContext>;
}
