import type { InvocationOutcome } from './invoke.js';

/** What an authorizer's outcome makes of a `$connect`: its identity, or the handshake's refusal. */
export type AuthorizerDecision =
  | { allow: true; principalId: string; context: Record<string, string | number | boolean> }
  | { allow: false; status: 401 | 403 | 500; body: string; why: string };

/** API Gateway's quota for an authorizer's result (AWS: "Quotas for WebSocket APIs"). */
export const MAX_AUTHORIZER_RESULT_BYTES = 8_192;

const refuse = (status: 401 | 403 | 500, why: string): AuthorizerDecision => ({
  allow: false,
  status,
  body: JSON.stringify({
    message: status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Internal server error',
  }),
  why,
});

/**
 * IAM's wildcards in a policy's Resource or Action: `*` any run of characters, `?` one. So
 * `.../stage/*\/*` does not cover `.../stage/$connect`, which has no second segment (the
 * Powertools helper bug, powertools-lambda-python#5800: every connection got 403).
 */
export function matchesPattern(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${source}$`).test(value);
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

function statementCovers(statement: Record<string, unknown>, methodArn: string): boolean {
  const actions = asList(statement.Action);
  const resources = asList(statement.Resource);
  return (
    actions.some(
      (action) => typeof action === 'string' && matchesPattern(action.toLowerCase(), 'execute-api:invoke'),
    ) && resources.some((resource) => typeof resource === 'string' && matchesPattern(resource, methodArn))
  );
}

/**
 * Reads an authorizer's outcome as API Gateway does for a REQUEST authorizer on `$connect`: a
 * failure whose message is `Unauthorized` is 401; a result that denies, or allows without covering
 * the method ARN, is 403; any other failure, a malformed result (no principalId, no policy), context
 * values that are not strings, numbers or booleans, or a result over 8 KB is 500.
 */
export function authorizerDecision(outcome: InvocationOutcome, methodArn: string): AuthorizerDecision {
  if (!outcome.ok) {
    const message = (outcome.error as { message?: unknown } | null | undefined)?.message ?? outcome.error;
    if (message === 'Unauthorized') return refuse(401, 'the authorizer refused (Unauthorized)');
    return refuse(
      500,
      outcome.timedOut ? 'the authorizer timed out' : `the authorizer failed: ${String(outcome.error)}`,
    );
  }
  const result = outcome.result as Record<string, unknown> | null | undefined;
  if (typeof result !== 'object' || result === null) return refuse(500, 'the authorizer returned no result');
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(result));
  } catch {
    return refuse(500, 'the authorizer result cannot be serialized');
  }
  if (size > MAX_AUTHORIZER_RESULT_BYTES) {
    return refuse(
      500,
      `the authorizer result is ${size} bytes, over the ${MAX_AUTHORIZER_RESULT_BYTES}-byte quota`,
    );
  }
  const { principalId, policyDocument, context } = result;
  if (typeof principalId !== 'string' || principalId === '') {
    return refuse(500, 'the authorizer result has no principalId');
  }
  const statements = (policyDocument as { Statement?: unknown } | null | undefined)?.Statement;
  if (typeof policyDocument !== 'object' || policyDocument === null || statements === undefined) {
    return refuse(500, 'the authorizer result has no policyDocument.Statement');
  }
  const checked = checkContext(context);
  if (typeof checked === 'string') return refuse(500, checked);
  const list = asList(statements).filter(
    (s): s is Record<string, unknown> => typeof s === 'object' && s !== null,
  );
  const covering = list.filter((statement) => statementCovers(statement, methodArn));
  // An explicit Deny wins over any Allow, as in IAM.
  if (covering.some((statement) => statement.Effect === 'Deny'))
    return refuse(403, 'the policy denies $connect');
  if (!covering.some((statement) => statement.Effect === 'Allow')) {
    return refuse(403, `no Allow statement covers ${methodArn}`);
  }
  return { allow: true, principalId, context: checked };
}

function checkContext(context: unknown): Record<string, string | number | boolean> | string {
  if (context === undefined || context === null) return {};
  if (typeof context !== 'object' || Array.isArray(context)) return 'the authorizer context is not an object';
  for (const [key, value] of Object.entries(context)) {
    if (
      typeof value !== 'string' &&
      typeof value !== 'boolean' &&
      !(typeof value === 'number' && Number.isFinite(value))
    ) {
      return `the authorizer context value "${key}" is not a string, number or boolean`;
    }
  }
  return context as Record<string, string | number | boolean>;
}
