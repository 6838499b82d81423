import type {
  ActionName,
  ActionOutput,
  Contract,
  EventInput,
  EventName,
  ReplyInput,
} from '../contract/types.js';
import type { WebSocketContext } from '../types/context.js';
import type { ErrorLogger, WebSocketEvent, WebSocketResponse } from '../types/event.js';

export type { WebSocketContext, WebSocketContextFields } from '../types/context.js';
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

/**
 * The options of `webSocketLambda(fn, options)`. They are checked once, when the handler is
 * built: an unknown key or a value of the wrong type throws an `OptionsError`.
 */
export interface WebSocketLambdaOptions {
  /**
   * Parse a string body as JSON (base64-decoded first when `isBase64Encoded`); malformed JSON is
   * answered 422. With `false` the handler gets the raw string, for text or binary protocols on
   * `$default`.
   * @default true
   */
  jsonBody?: boolean;
  /**
   * Receives one entry per 5xx. `false` silences.
   * @default undefined (one JSON line per entry on `console.error`)
   */
  logger?: ErrorLogger | false;
  /**
   * The management API endpoint for `context.send` and `context.broadcast`, e.g.
   * `https://abc.execute-api.eu-west-1.amazonaws.com/prod`; an http(s) URL, a trailing slash is
   * dropped.
   * @default undefined (the `WEBSOCKET_MANAGEMENT_ENDPOINT` variable, else resolved from the
   * event on the first send: see `resolveEndpoint`)
   */
  endpoint?: string;
  /**
   * How `context.send` and `context.broadcast` reach the management API: `'sdk'` (the AWS SDK v3
   * client, which `aws-sdk-client-mock` intercepts) or `'direct'` (signed HTTPS requests on a
   * keep-alive agent, about a third of the CPU per send).
   * @default 'sdk'
   */
  transport?: 'sdk' | 'direct';
}

/**
 * What a handler may return: a {@link WebSocketResponse}, or nothing, which is answered 200.
 */
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
  /** Sends one of the contract's events to a connection, its payload typed by the event's schema. */
  emit: EmitFn<C>;
};

/** The event an action's handler gets: `body` is the payload, validated, as the schema's output. */
export type ActionEvent<
  C extends Contract,
  A extends ActionName<C>,
  TAuthorizer = undefined,
> = WebSocketEvent<ActionOutput<C, A>, TAuthorizer> & {
  /** The frame's `payload`, validated by the action's schema: its output, always present. */
  body: ActionOutput<C, A>;
};

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
  /** Runs when a client connects; absent, every connection is accepted (200). */
  $connect?: LifecycleHandler<C, TAuthorizer>;
  /** Runs when a connection has closed; absent, answered 200. */
  $disconnect?: LifecycleHandler<C, TAuthorizer>;
  /**
   * Gets the messages whose route key has no action handler; absent, they are answered 400
   * `{"message":"Unknown route key"}`, and a request also gets that error as its reply frame.
   */
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
