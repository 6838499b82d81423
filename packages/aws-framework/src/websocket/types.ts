import type { Context } from 'aws-lambda';
import type {
  ActionName,
  ActionOutput,
  Contract,
  EventInput,
  EventName,
  ReplyInput,
} from '../contract/types.js';
import type { BroadcastFn, SendFn } from '../types/delivery.js';
import type {
  AuthorizerField,
  ErrorLogger,
  WebSocketEvent,
  WebSocketEventType,
  WebSocketResponse,
} from '../types/event.js';

export type { BroadcastFn, SendFn } from '../types/delivery.js';
export type {
  AuthorizerField,
  ErrorLogEntry,
  ErrorLogger,
  WebSocketAuthorizer,
  WebSocketEvent,
  WebSocketEventType,
  WebSocketIdentity,
  WebSocketRequestContext,
  WebSocketRequestContextFields,
  WebSocketResponse,
  WebSocketResult,
} from '../types/event.js';

/** What `webSocketLambda` adds to the Lambda context, apart from `authorizer`. */
export interface WebSocketContextFields extends Context {
  connectionId: string;
  routeKey: string;
  eventType: WebSocketEventType;
  send: SendFn;
  broadcast: BroadcastFn;
}

/**
 * The Lambda context with what `webSocketLambda` adds for the current invocation. `authorizer`
 * is the event's `requestContext.authorizer`, as is: `TAuthorizer & { principalId: string }`
 * when `TAuthorizer` is declared, else optional (`undefined` when no authorizer ran).
 */
export type WebSocketContext<TAuthorizer = undefined> = WebSocketContextFields & AuthorizerField<TAuthorizer>;

export interface WebSocketLambdaOptions {
  /**
   * Parse a string body as JSON (base64-decoded first when `isBase64Encoded`). Default `true`; with
   * `false` the handler gets the raw string, for text or binary protocols on `$default`.
   */
  jsonBody?: boolean;
  /**
   * Receives one entry per 5xx. Default: one JSON line on `console.error`. `false` silences.
   */
  logger?: ErrorLogger | false;
  /**
   * The management API endpoint for `context.send`, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/prod`.
   * Default: resolved from the event (see `resolveEndpoint`).
   */
  endpoint?: string;
  /**
   * How `context.send` and `context.broadcast` reach the management API: `'sdk'` (the AWS SDK v3
   * client, which `aws-sdk-client-mock` intercepts) or `'direct'` (signed HTTPS requests on a
   * keep-alive agent, about a third of the CPU per send). Default `'sdk'`.
   */
  transport?: 'sdk' | 'direct';
}

// biome-ignore lint/suspicious/noConfusingVoidType: an async function that returns nothing is Promise<void>
export type HandlerReturn = WebSocketResponse | undefined | void;

/** The plain function `webSocketLambda` wraps. */
export type WebSocketHandlerFn<TBody = unknown, TAuthorizer = undefined> = (
  event: WebSocketEvent<TBody, TAuthorizer>,
  context: WebSocketContext<TAuthorizer>,
) => HandlerReturn | Promise<HandlerReturn>;

/**
 * `context.emit(connectionId, event, payload)`: sends the event frame `{ event, payload }` to one
 * connection through `context.send`, the payload typed by the contract's schema for `event`.
 */
export type EmitFn<C extends Contract> = <E extends EventName<C>>(
  connectionId: string,
  event: E,
  payload: EventInput<C, E>,
) => Promise<void>;

/** The context of every handler of `routes(contract, handlers)`: `WebSocketContext` and `emit`. */
export type ContractContext<C extends Contract, TAuthorizer = undefined> = WebSocketContext<TAuthorizer> & {
  emit: EmitFn<C>;
};

/** The event an action's handler gets: `body` is the payload, validated, as the schema's output. */
export type ActionEvent<
  C extends Contract,
  A extends ActionName<C>,
  TAuthorizer = undefined,
> = WebSocketEvent<ActionOutput<C, A>, TAuthorizer> & { body: ActionOutput<C, A> };

/**
 * The handler of action `A`: it returns the reply's payload (sent to a request, ignored for a
 * one-way send), typed by the contract's `replies` schema for `A` if it declares one.
 */
export type ActionHandler<C extends Contract, A extends ActionName<C>, TAuthorizer = undefined> = (
  event: ActionEvent<C, A, TAuthorizer>,
  context: ContractContext<C, TAuthorizer>,
) => ReplyInput<C, A> | Promise<ReplyInput<C, A>>;

/** `$connect`, `$disconnect` and `$default` in a contract's handlers: untyped bodies, as in `routes(table)`. */
export type LifecycleHandler<C extends Contract, TAuthorizer = undefined> = (
  event: WebSocketEvent<unknown, TAuthorizer>,
  context: ContractContext<C, TAuthorizer>,
) => HandlerReturn | Promise<HandlerReturn>;

/**
 * What `routes(contract, handlers)` takes: a handler for some or all of the contract's actions,
 * and the lifecycle routes.
 */
export type ContractHandlers<C extends Contract, TAuthorizer = undefined> = {
  [A in ActionName<C>]?: ActionHandler<C, A, TAuthorizer>;
} & {
  $connect?: LifecycleHandler<C, TAuthorizer>;
  $disconnect?: LifecycleHandler<C, TAuthorizer>;
  $default?: LifecycleHandler<C, TAuthorizer>;
};

/** The options of `routes(contract, handlers, options)`. */
export interface ContractRoutesOptions {
  /**
   * How a request's reply frame reaches the client: `'managementApi'` sends it with
   * `context.send`, which works without route responses; `'routeResponse'` returns it as the
   * route's result body, for routes that have a route response configured.
   * @default 'managementApi'
   */
  replies?: 'managementApi' | 'routeResponse';
  /**
   * Check what is sent against the contract too: `emit`'s payloads and, where `replies` declares a
   * schema, replies. An invalid one throws a `TypeError` listing the issues before anything is sent.
   * For development and tests: it costs a validation per message.
   * @default false
   */
  validateEvents?: boolean;
}
