import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { type OptionSchema, validateOptions } from '../options/validateOptions.js';
import { guardContext } from './guardContext.js';
import { ROUTE_KEYS } from './routes.js';
import type {
  WebSocketContext,
  WebSocketEvent,
  WebSocketHandlerFn,
  WebSocketLambdaOptions,
  WebSocketResult,
} from './types.js';
import { webSocketMiddlewares } from './webSocketMiddlewares.js';

/**
 * The Middy instance `webSocketLambda` returns. It can also be called with a plain Lambda
 * `Context` (or none) and any event: an event that is not a WebSocket event is answered 400.
 * Around `routes()`, it lists the table's route keys under `ROUTE_KEYS`. Middlewares added with
 * `.use()` see the context typed with the handler's `TAuthorizer`.
 */
export type WebSocketLambdaHandler<TAuthorizer = undefined> = MiddyfiedHandler<
  WebSocketEvent<unknown, TAuthorizer>,
  WebSocketResult,
  Error,
  WebSocketContext<TAuthorizer>
> &
  ((event: unknown, context?: Context) => Promise<WebSocketResult>) & {
    /**
     * The route keys of the `routes()` it wraps (the table's, or the contract handlers'), in
     * order; absent around a plain function.
     */
    readonly [ROUTE_KEYS]?: readonly string[];
  };

const OPTIONS_SCHEMA: OptionSchema = {
  jsonBody: 'boolean',
  logger: 'function or false',
  endpoint: 'string',
  transport: 'transport',
};

/**
 * Wraps a plain function as an API Gateway WebSocket Lambda handler.
 *
 * The function gets the parsed JSON body and a context with `connectionId`, `routeKey`,
 * `eventType`, `authorizer`, `send` and `broadcast`; it returns `{ statusCode, body? }` or nothing
 * (200). Thrown client errors (status 400-499) keep their status and message; anything else
 * becomes a logged 500. The Middy instance is returned, so `.use()` adds your own middlewares.
 *
 * `TBody` types the parsed body; `TAuthorizer` declares what the API's `$connect` authorizer
 * hands on, typing `event.requestContext.authorizer` and `context.authorizer` as
 * `TAuthorizer & { principalId: string }` (see {@link WebSocketContext}).
 *
 * @example
 * ```typescript
 * import { webSocketLambda } from 'aws-framework';
 *
 * export const handler = webSocketLambda(async (event, context) => {
 *   await context.send(context.connectionId, { echo: event.body });
 * });
 * ```
 * @throws {@link !TypeError} when `fn` is not a function, or `endpoint` is not an http(s) URL.
 * @throws {@link OptionsError} when `options` is not an object, has an unknown key, or a value of
 * the wrong type.
 */
export function webSocketLambda<TBody = unknown, TAuthorizer = undefined>(
  fn: WebSocketHandlerFn<TBody, TAuthorizer>,
  options: WebSocketLambdaOptions = {},
): WebSocketLambdaHandler<TAuthorizer> {
  if (typeof fn !== 'function') {
    throw new TypeError('webSocketLambda(fn): fn must be a function');
  }
  validateOptions('webSocketLambda', OPTIONS_SCHEMA, options);
  // One .use() call keeps ours outermost: our before runs first, and our after and onError run
  // last, so middlewares added later see the injected context and the handler's raw response.
  const handler = middy<WebSocketEvent, WebSocketResult, Error, WebSocketContext>(
    fn as unknown as (event: WebSocketEvent, context: WebSocketContext) => Promise<WebSocketResult>,
    { requestStart: guardContext },
  ).use(
    webSocketMiddlewares({
      endpoint: options.endpoint,
      transport: options.transport,
      logger: options.logger,
      jsonBody: options.jsonBody !== false,
      checkEvent: true,
    }),
  );
  // A local gateway looks for the route keys on the handler it is given, which is this instance,
  // not the routes() function inside it.
  const routeKeys = (fn as { [ROUTE_KEYS]?: unknown })[ROUTE_KEYS];
  if (routeKeys !== undefined) Object.defineProperty(handler, ROUTE_KEYS, { value: routeKeys });
  return handler as unknown as WebSocketLambdaHandler<TAuthorizer>;
}
