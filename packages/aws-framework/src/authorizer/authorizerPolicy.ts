import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { isDeny } from './deny.js';
import type { AuthorizerContext, WebSocketAuthorizerEvent, WebSocketAuthorizerResult } from './types.js';

/** The message API Gateway reads as "refuse with 401"; any other failure is a 500 at the gateway. */
export const UNAUTHORIZED = 'Unauthorized';

// API Gateway puts the principal beside the context values in `requestContext.authorizer` (and
// adds `integrationLatency`): a context key of the same name would collide with them.
const RESERVED_CONTEXT_KEYS = new Set(['principalId', 'integrationLatency']);

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value); // NaN, Infinity
  if (typeof value === 'string') return JSON.stringify(value);
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isContextValue(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'boolean' || Number.isFinite(value);
}

function checkedContext(context: unknown): AuthorizerContext {
  if (typeof context !== 'object' || context === null || Array.isArray(context)) {
    throw new TypeError(
      `webSocketAuthorizer: context must be an object of strings, numbers and booleans (got ${describeValue(context)})`,
    );
  }
  const checked: AuthorizerContext = {};
  for (const [key, value] of Object.entries(context)) {
    if (RESERVED_CONTEXT_KEYS.has(key)) {
      throw new TypeError(
        `webSocketAuthorizer: context key "${key}" is reserved: API Gateway puts its own "${key}" in requestContext.authorizer`,
      );
    }
    if (!isContextValue(value)) {
      throw new TypeError(
        `webSocketAuthorizer: context "${key}" is ${describeValue(value)}; only strings, finite numbers and booleans reach the integration (API Gateway answers 500 to anything else)`,
      );
    }
    checked[key] = value;
  }
  return checked;
}

function policy(principalId: string, effect: 'Allow' | 'Deny', methodArn: string): WebSocketAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: methodArn }],
    },
  };
}

/**
 * Turns what the authorizer function returned into API Gateway's policy: an allow for the event's
 * method ARN, a deny from `deny()`, or the `Unauthorized` failure for `false` / nothing. Anything
 * else is a bug in the function, thrown as a `TypeError` that says what was wrong.
 */
export function toAuthorizerResult(decision: unknown, methodArn: string): WebSocketAuthorizerResult {
  if (decision === undefined || decision === false) throw new Error(UNAUTHORIZED);
  if (typeof decision !== 'object' || decision === null || Array.isArray(decision)) {
    throw new TypeError(
      `webSocketAuthorizer: the function returned ${describeValue(decision)}; return { principalId, context? } to allow, false or nothing to refuse, or deny()`,
    );
  }
  if (isDeny(decision)) return policy(decision.principalId, 'Deny', methodArn);
  for (const key of Object.keys(decision)) {
    if (key !== 'principalId' && key !== 'context') {
      throw new TypeError(
        `webSocketAuthorizer: unexpected key "${key}" in the result; return { principalId, context? } (the policy is built for you)`,
      );
    }
  }
  const { principalId, context } = decision as { principalId?: unknown; context?: unknown };
  if (typeof principalId !== 'string' || principalId === '') {
    throw new TypeError(
      `webSocketAuthorizer: principalId must be a non-empty string (got ${describeValue(principalId)})`,
    );
  }
  const result = policy(principalId, 'Allow', methodArn);
  if (context !== undefined) result.context = checkedContext(context);
  return result;
}

type PolicyMiddleware = MiddlewareObj<WebSocketAuthorizerEvent, unknown, Error, Context>;

/**
 * Checks that the event is a REQUEST authorizer event (it has a `methodArn`) before the function
 * runs, and turns the function's decision into the policy API Gateway expects after it.
 */
export function authorizerPolicy(): PolicyMiddleware {
  const authorizerPolicyBefore: NonNullable<PolicyMiddleware['before']> = (request) => {
    const methodArn = (request.event as Partial<WebSocketAuthorizerEvent> | null | undefined)?.methodArn;
    if (typeof methodArn !== 'string' || methodArn === '') {
      throw new TypeError(
        'webSocketAuthorizer: not an API Gateway REQUEST authorizer event: methodArn must be a non-empty string',
      );
    }
  };
  const authorizerPolicyAfter: NonNullable<PolicyMiddleware['after']> = (request) => {
    request.response = toAuthorizerResult(request.response, request.event.methodArn);
  };
  return { before: authorizerPolicyBefore, after: authorizerPolicyAfter };
}
