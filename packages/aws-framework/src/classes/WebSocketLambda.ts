import { AsyncLocalStorage } from 'node:async_hooks';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { type OptionSchema, validateOptions } from '../options/validateOptions.js';
import type { BroadcastOptions, BroadcastReport, BroadcastTargets } from '../types/delivery.js';
import { guardContext } from '../websocket/guardContext.js';
import type { WebSocketContext, WebSocketLambdaOptions, WebSocketResponse } from '../websocket/types.js';
import { INTERNAL_ERROR_MESSAGE } from '../websocket/webSocketErrors.js';
import { webSocketMiddlewares } from '../websocket/webSocketMiddlewares.js';
import { BaseLambda } from './BaseLambda.js';
import { OutsideInvocationError } from './OutsideInvocationError.js';

export interface WebSocketLambdaClassOptions {
  /** As `webSocketLambda`'s `logger`: default one JSON line on `console.error`, `false` silences. */
  logger?: WebSocketLambdaOptions['logger'];
  /** As `webSocketLambda`'s `endpoint`: default resolved from the event. */
  endpoint?: string;
  /** As `webSocketLambda`'s `transport`: `'sdk'` (default) or `'direct'`. */
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
 * The class adapter of the original specification, on the same middlewares as `webSocketLambda`:
 * the same result and error mapping and the same `send`. `processWebSocket` gets the raw event
 * (body still a string) and runs even without a connection ID, so the subclass decides.
 *
 * @example
 * class Echo extends WebSocketLambda {
 *   protected async processWebSocket(event: APIGatewayProxyEvent) {
 *     await this.sendMessage(this.getConnectionId(event)!, event.body ?? '');
 *     return { statusCode: 200 };
 *   }
 * }
 * export const handler = new Echo().handler;
 */
export abstract class WebSocketLambda extends BaseLambda<APIGatewayProxyEvent, APIGatewayProxyResult> {
  readonly #options: WebSocketLambdaClassOptions;
  #stack: Stack | undefined;

  constructor(options: WebSocketLambdaClassOptions = {}) {
    super();
    // Checked here, not on the first event: a typo must fail where the class is built.
    validateOptions(new.target.name || 'WebSocketLambda', OPTIONS_SCHEMA, options);
    this.#options = options;
  }

  protected abstract processWebSocket(event: APIGatewayProxyEvent): Promise<WebSocketResponse>;

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

  protected async handleError(_error: unknown): Promise<APIGatewayProxyResult> {
    return { statusCode: 500, body: JSON.stringify({ message: INTERNAL_ERROR_MESSAGE }) };
  }

  protected getConnectionId(event: APIGatewayProxyEvent): string | undefined {
    return event?.requestContext?.connectionId || undefined;
  }

  protected getRouteKey(event: APIGatewayProxyEvent): string | undefined {
    return event?.requestContext?.routeKey || undefined;
  }

  /** As `context.send`, to the endpoint of the invocation it is called from. */
  protected async sendMessage(connectionId: string, data: unknown): Promise<void> {
    return this.#currentContext('sendMessage').send(connectionId, data);
  }

  /** As `context.broadcast`, to the endpoint of the invocation it is called from. */
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
