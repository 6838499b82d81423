import type { JWTPayload } from 'jose';

type ContextValue = string | number | boolean;

/**
 * The selected claims as an authorizer context, which API Gateway accepts only as string, number
 * and boolean values. An absent (or `null`) claim is left out; an array of strings is joined with
 * `,` (Cognito's `cognito:groups`); anything else throws a TypeError naming the claim, since it is
 * the configuration, not the client, that asked for a value API Gateway would refuse.
 */
export function contextFromClaims(
  payload: JWTPayload,
  names: readonly string[],
): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {};
  for (const name of names) {
    const value = payload[name];
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      context[name] = value;
    } else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
      context[name] = value.join(',');
    } else {
      throw new TypeError(
        `jwtAuthorizer: claim "${name}" is ${Array.isArray(value) ? 'an array of non-strings' : `a ${typeof value}`}; an authorizer context holds strings, numbers, booleans (and arrays of strings, joined with ",")`,
      );
    }
  }
  return context;
}
