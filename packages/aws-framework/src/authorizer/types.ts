import type { Context } from 'aws-lambda';
import type { ErrorLogger, WebSocketRequestContext } from '../types/event.js';
import type { AuthorizerDeny } from './deny.js';

/**
 * The values an authorizer may hand on: API Gateway refuses objects, arrays and null in the
 * context with a 500, so only strings, finite numbers and booleans are allowed.
 */
export type AuthorizerContext = Record<string, string | number | boolean>;

/**
 * The event API Gateway gives a REQUEST authorizer of a WebSocket API. Authorizers run on
 * `$connect` only, so this is the `$connect` request: its headers, query string and
 * `requestContext`, plus `methodArn`
 * (`arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/$connect`).
 */
export interface WebSocketAuthorizerEvent {
  type: 'REQUEST';
  methodArn: string;
  headers: Record<string, string | undefined>;
  multiValueHeaders: Record<string, string[] | undefined>;
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  stageVariables?: Record<string, string | undefined> | null;
  requestContext: WebSocketRequestContext;
}

/**
 * What an authorizer function returns to let the connection in. `context` is required when
 * `TContext` declares required keys, since the routes are then typed as receiving them.
 */
export type AuthorizerAllow<TContext extends AuthorizerContext = AuthorizerContext> = {
  principalId: string;
} & (Record<never, never> extends TContext ? { context?: TContext } : { context: TContext });

/** What a `webSocketAuthorizer` handler resolves to: the IAM policy API Gateway expects. */
export interface WebSocketAuthorizerResult<TContext extends AuthorizerContext = AuthorizerContext> {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: [{ Action: 'execute-api:Invoke'; Effect: 'Allow' | 'Deny'; Resource: string }];
  };
  context?: TContext;
}

/** What refuses: `false`, or nothing (an async function that returns nothing is `Promise<void>`). */
// biome-ignore lint/suspicious/noConfusingVoidType: a function that returns nothing returns void
export type AuthorizerRefusal = false | undefined | void;

/** What an authorizer function decides: allow, deny (`deny()`) or refuse. */
export type AuthorizerDecision<TContext extends AuthorizerContext = AuthorizerContext> =
  | AuthorizerAllow<TContext>
  | AuthorizerDeny
  | AuthorizerRefusal;

/**
 * The function `webSocketAuthorizer` wraps: `{ principalId, context? }` allows, `false` or nothing
 * refuses (401), `deny(principalId?)` denies (403).
 */
export type WebSocketAuthorizerFn<TContext extends AuthorizerContext = AuthorizerContext> = (
  event: WebSocketAuthorizerEvent,
  context: Context,
) => AuthorizerDecision<TContext> | Promise<AuthorizerDecision<TContext>>;

export interface WebSocketAuthorizerOptions {
  /**
   * Receives one entry per failure (a thrown error, a malformed result). `false` silences.
   * @default one JSON line on `console.error`
   */
  logger?: ErrorLogger | false;
}
