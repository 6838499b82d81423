import { AsyncLocalStorage } from 'node:async_hooks';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { normalizeEndpoint } from '../connections/resolveEndpoint.js';
import { type OptionSchema, validateOptions } from '../options/validateOptions.js';
import type { WebSocketContext } from '../types/context.js';
import type { BroadcastOptions, BroadcastReport, BroadcastTargets } from '../types/delivery.js';
import { guardContext } from '../websocket/guardContext.js';
import type { WebSocketLambdaOptions, WebSocketResponse } from '../websocket/types.js';
import { INTERNAL_ERROR_MESSAGE } from '../websocket/webSocketErrors.js';
import { webSocketMiddlewares } from '../websocket/webSocketMiddlewares.js';
import { BaseLambda } from './BaseLambda.js';
import { OutsideInvocationError } from './OutsideInvocationError.js';

/**
 * What the {@link WebSocketLambda} constructor takes: the options of `webSocketLambda` that apply
 * to the class adapter (it has no `jsonBody`: `processWebSocket` always gets the raw body).
 *
 * Checked when the instance is built, so that a typo fails at module load rather than at the first
 * event: an unknown key or a value of the wrong type throws an {@link OptionsError}.
 */
export interface WebSocketLambdaClassOptions {
  /**
   * Receives one entry per 5xx answered for an error `processWebSocket` threw (or a result it
   * returned that API Gateway cannot use), as `webSocketLambda`'s `logger`; `false` silences.
   * Client errors (a thrown `createError(4xx)`) are not logged.
   *
   * @default one JSON line on `console.error`
   */
  logger?: WebSocketLambdaOptions['logger'];
  /**
   * The management API endpoint `sendMessage` and `broadcast` post to, e.g.
   * `https://abc123.execute-api.eu-west-1.amazonaws.com/prod`, as `webSocketLambda`'s `endpoint`.
   * Checked by the constructor, as there: one that is not an http(s) URL throws a `TypeError`.
   *
   * @default process.env.WEBSOCKET_MANAGEMENT_ENDPOINT, else worked out from each invocation's
   * event (see `resolveEndpoint`) on its first send
   */
  endpoint?: string;
  /**
   * How `sendMessage` and `broadcast` reach the management API, as `webSocketLambda`'s
   * `transport`: `'sdk'` (the AWS SDK v3 client, which `aws-sdk-client-mock` intercepts) or
   * `'direct'` (signed HTTPS requests on a keep-alive agent, about a third of the CPU per send).
   *
   * @default 'sdk'
   */
  transport?: WebSocketLambdaOptions['transport'];
}

const OPTIONS_SCHEMA: OptionSchema = {
  logger: 'function or false',
  endpoint: 'string',
  transport: 'transport',
};

// Lambda's multi-concurrency mode runs several invocations of one instance at once, so the
// current invocation's context (and so its endpoint) cannot live on `this`.
const currentInvocation = new AsyncLocalStorage<WebSocketContext>();

type Stack = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/**
 * The class adapter of the original specification: an API Gateway WebSocket handler as a class,
 * whose subclass implements `processWebSocket`.
 *
 * It runs on the same middlewares as `webSocketLambda`: the same result and error mapping and the
 * same `send`. Unlike `webSocketLambda`, `processWebSocket` gets the raw event (the body still a
 * string, never parsed) and runs even without a connection ID, so the subclass decides. Kept for
 * code written against the original specification; new handlers are plain functions
 * (`webSocketLambda`, `routes`).
 *
 * One instance can serve several invocations at once (Lambda's multi-concurrency mode):
 * `sendMessage` and `broadcast` follow the invocation they are called from with
 * `AsyncLocalStorage`, never a field of the instance.
 *
 * @example
 * ```ts
 * import { type APIGatewayProxyEvent, WebSocketLambda, type WebSocketResponse } from 'aws-framework';
 *
 * class Echo extends WebSocketLambda {
 *   protected async processWebSocket(event: APIGatewayProxyEvent): Promise<WebSocketResponse> {
 *     const connectionId = this.getConnectionId(event);
 *     if (!connectionId) return { statusCode: 400, body: { message: 'Missing connection ID' } };
 *     if (this.getRouteKey(event) === '$default') await this.sendMessage(connectionId, event.body ?? '');
 *     return { statusCode: 200 };
 *   }
 * }
 *
 * export const handler = new Echo({ transport: 'direct' }).handler;
 * ```
 */
export abstract class WebSocketLambda extends BaseLambda<APIGatewayProxyEvent, APIGatewayProxyResult> {
  readonly #options: WebSocketLambdaClassOptions;
  #stack: Stack | undefined;

  /**
   * Checks the options; the middlewares are built at the first invocation.
   *
   * @param options - The logger, endpoint and transport; see {@link WebSocketLambdaClassOptions}.
   * @throws {@link OptionsError} when `options` is not an object, or an option is unknown or has
   * the wrong type; its `owner` is the subclass's name.
   * @throws {@link !TypeError} when the `endpoint` option is not an http(s) URL.
   */
  constructor(options: WebSocketLambdaClassOptions = {}) {
    super();
    // Checked here, not on the first event: a typo must fail where the class is built.
    validateOptions(new.target.name || 'WebSocketLambda', OPTIONS_SCHEMA, options);
    if (options.endpoint !== undefined) normalizeEndpoint(options.endpoint);
    this.#options = options;
  }

  /**
   * The work of one invocation, whatever its route: `$connect`, `$disconnect` or a message.
   *
   * It gets the raw event: `body` is the message as API Gateway delivered it (a string, base64
   * when `isBase64Encoded`), and `requestContext.connectionId` may be missing, so check
   * `getConnectionId(event)`. It returns `{ statusCode, body?, headers? }`, mapped as a
   * `webSocketLambda` handler's result (a non-string `body` is sent as JSON; on `$connect`,
   * anything but 2xx refuses the connection). A thrown `createError(4xx, message)` is answered with
   * its status and `{"message": ...}`, unlogged; anything else thrown is logged once (the `logger`
   * option) and answered 500 with API Gateway's own integration error body, nothing of the error.
   *
   * @param event - The event API Gateway invoked the Lambda with.
   */
  protected abstract processWebSocket(event: APIGatewayProxyEvent): Promise<WebSocketResponse>;

  /**
   * Runs `processWebSocket` through the middlewares (built here at the first invocation) and
   * returns the result they make of it; errors `processWebSocket` throws are already results here.
   * Override `processWebSocket`, not this.
   *
   * @param event - The event API Gateway invoked the Lambda with.
   * @param context - The Lambda context, copied per invocation so that what the middlewares add to
   * it (`send`, `connectionId`) never leaks into another invocation given the same object.
   */
  protected async process(event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> {
    this.#stack ??= this.#buildStack();
    // A copy per invocation: what the middlewares add (send, connectionId) must not leak into
    // another invocation handed the same context object. One that cannot be copied is none.
    let copy: unknown;
    try {
      copy = { ...context };
    } catch {
      copy = {};
    }
    const request = { context: copy };
    guardContext(request);
    const invocationContext = request.context as WebSocketContext;
    return currentInvocation.run(invocationContext, () => this.#stack!(event, invocationContext));
  }

  /**
   * The result when `process` itself fails, which this class's `process` does not do:
   * `processWebSocket`'s errors never reach it, the middlewares turn them into results first (and
   * the options were checked by the constructor). It is the base class's contract, kept for a
   * subclass that overrides `process`. Returns
   * `{ statusCode: 500, body: '{"message":"Internal server error"}' }` and logs nothing; override it
   * to log or answer otherwise.
   *
   * @param _error - What `process` threw; not used by this implementation.
   */
  protected async handleError(_error: unknown): Promise<APIGatewayProxyResult> {
    return { statusCode: 500, body: JSON.stringify({ message: INTERNAL_ERROR_MESSAGE }) };
  }

  /**
   * The connection the event came from, `requestContext.connectionId`: the ID `sendMessage` sends
   * to. `undefined` when the event has none (or an empty one), so an event that is not from a
   * WebSocket API can be answered 400.
   *
   * @param event - The event `processWebSocket` got.
   */
  protected getConnectionId(event: APIGatewayProxyEvent): string | undefined {
    return event?.requestContext?.connectionId || undefined;
  }

  /**
   * The route the event was selected for, `requestContext.routeKey`: `$connect`, `$disconnect`,
   * `$default` or a custom route key such as `sendMessage`. `undefined` when the event has none (or
   * an empty one).
   *
   * @param event - The event `processWebSocket` got.
   */
  protected getRouteKey(event: APIGatewayProxyEvent): string | undefined {
    return event?.requestContext?.routeKey || undefined;
  }

  /**
   * Sends `data` to one connection, as `context.send` does, through the management endpoint of the
   * invocation it is called from: a string goes as its UTF-8 bytes, a `Uint8Array` as is, anything
   * else as JSON. Throttling (429), 5xx and dropped connections are retried (3 attempts).
   *
   * @param connectionId - The connection to send to, e.g. `getConnectionId(event)`.
   * @param data - The message.
   * @throws {@link OutsideInvocationError} (the promise rejects) when no invocation of `handler` is
   * running, e.g. from a timer: nothing is sent.
   * @throws {@link PayloadTooLargeError} when the message is over 131,072 bytes (before any request).
   * @throws {@link ConnectionGoneError} when the connection no longer exists (410).
   * @throws {@link ManagementApiError} for any other failure of the management API.
   * @throws {@link EndpointNotResolvedError} when no endpoint is configured and the event lacks
   * what the management endpoint is built from.
   * @throws {@link !TypeError} when `connectionId` is not a non-empty string.
   */
  protected async sendMessage(connectionId: string, data: unknown): Promise<void> {
    return this.#currentContext('sendMessage').send(connectionId, data);
  }

  /**
   * Sends one message to many connections, as `context.broadcast` does, through the management
   * endpoint of the invocation it is called from, with bounded, adaptive concurrency, and reports
   * where each went. A failed target never rejects the call: it is in the report's `failed` or
   * `gone`.
   *
   * @param targets - The connection IDs, any iterable, sync or async (a store's `members(group)`).
   * @param data - The message, encoded as for `sendMessage`.
   * @param options - Concurrency, retries, the store gone connections are removed from, a signal.
   * @returns The report: how many were sent, the gone and the failed targets, throttling and retries.
   * @throws {@link OutsideInvocationError} (the promise rejects) when no invocation of `handler` is
   * running, e.g. from a timer: nothing is sent.
   * @throws {@link PayloadTooLargeError} when the message is over 131,072 bytes (before pulling any
   * target).
   * @throws {@link OptionsError} when an option is unknown, of the wrong type or out of range.
   * @throws {@link BroadcastError} (with the report so far) when the signal aborts, the targets fail
   * to list, or the store's clean-up fails.
   * @throws {@link EndpointNotResolvedError} when no endpoint is configured and the event lacks
   * what the management endpoint is built from.
   */
  protected async broadcast(
    targets: BroadcastTargets,
    data: unknown,
    options?: BroadcastOptions,
  ): Promise<BroadcastReport> {
    return this.#currentContext('broadcast').broadcast(targets, data, options);
  }

  #currentContext(caller: string): WebSocketContext {
    const context = currentInvocation.getStore();
    if (!context?.send) {
      throw new OutsideInvocationError(caller);
    }
    return context;
  }

  #buildStack(): Stack {
    const processWebSocket = (event: APIGatewayProxyEvent) => this.processWebSocket(event);
    return middy(processWebSocket).use(
      webSocketMiddlewares({
        endpoint: this.#options.endpoint,
        transport: this.#options.transport,
        logger: this.#options.logger,
        jsonBody: false,
        checkEvent: false,
      }),
    ) as unknown as Stack;
  }
}
