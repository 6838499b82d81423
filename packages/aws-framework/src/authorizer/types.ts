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
  /** Always `'REQUEST'`: WebSocket APIs have REQUEST authorizers only. */
  type: 'REQUEST';
  /**
   * The `$connect` route's ARN, `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/$connect`:
   * the resource of the policy `webSocketAuthorizer` returns.
   */
  methodArn: string;
  /** The `$connect` request's headers, name to value. */
  headers: Record<string, string | undefined>;
  /** The `$connect` request's headers, name to every value sent. */
  multiValueHeaders: Record<string, string[] | undefined>;
  /** The query string of the WebSocket URL, name to value. */
  queryStringParameters?: Record<string, string | undefined> | null;
  /** The query string of the WebSocket URL, name to every value sent. */
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  /** The stage's variables, name to value. */
  stageVariables?: Record<string, string | undefined> | null;
  /** The `$connect` request's context: connection ID, stage, domain name, client identity... */
  requestContext: WebSocketRequestContext;
}

/**
 * What an authorizer function returns to let the connection in. `context` is required when
 * `TContext` declares required keys, since the routes are then typed as receiving them.
 */
export type AuthorizerAllow<TContext extends AuthorizerContext = AuthorizerContext> = {
  /** Who connects: a non-empty string, kept as `requestContext.authorizer.principalId`. */
  principalId: string;
} & (Record<never, never> extends TContext
  ? {
      /** Values every event of the connection carries in `requestContext.authorizer`. */
      context?: TContext;
    }
  : {
      /** Values every event of the connection carries in `requestContext.authorizer`. */
      context: TContext;
    });

/** What a `webSocketAuthorizer` handler resolves to: the IAM policy API Gateway expects. */
export interface WebSocketAuthorizerResult<TContext extends AuthorizerContext = AuthorizerContext> {
  /** The principal the function returned (`'anonymous'` for a `deny()` without one). */
  principalId: string;
  /** One statement allowing or denying `execute-api:Invoke` on the event's `methodArn`. */
  policyDocument: {
    /** The IAM policy language version. */
    Version: '2012-10-17';
    /** The one statement of the policy. */
    Statement: [
      {
        /** Connecting to the API. */
        Action: 'execute-api:Invoke';
        /** `Allow` lets the connection in; `Deny` has API Gateway answer 403. */
        Effect: 'Allow' | 'Deny';
        /** The event's `methodArn`. */
        Resource: string;
      },
    ];
  };
  /** The context the function returned, checked; absent when it returned none. */
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

/** What `webSocketAuthorizer` takes besides the function. */
export interface WebSocketAuthorizerOptions {
  /**
   * Receives one entry per failure (a thrown error, a malformed result). `false` silences.
   * @default one JSON line on `console.error`
   */
  logger?: ErrorLogger | false;
}
