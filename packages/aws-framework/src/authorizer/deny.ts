/** Marks what `deny()` returns; registered, so two copies of this package agree on it. */
export const DENY: unique symbol = Symbol.for('aws-framework.deny');

/**
 * What `deny()` returns, for an authorizer function to return in turn; only `deny()` makes one.
 *
 * @example
 * ```ts
 * import { type AuthorizerDeny, deny } from 'aws-framework';
 *
 * const banned: AuthorizerDeny = deny('user-42');
 * ```
 */
export interface AuthorizerDeny {
  /** The mark `webSocketAuthorizer` recognizes a deny by, whichever copy of the package made it. */
  readonly [DENY]: true;
  /** The principal of the Deny policy (API Gateway answers 500 to a policy without one). */
  readonly principalId: string;
}

/**
 * The decision to deny a connection: `webSocketAuthorizer` answers it with a Deny policy for the
 * event's method ARN, which API Gateway answers 403. A principal is always present: AWS answers
 * 500 to a policy without one.
 *
 * @example
 * ```typescript
 * import { deny, type WebSocketAuthorizerEvent, webSocketAuthorizer } from 'aws-framework';
 *
 * declare function findUser(
 *   event: WebSocketAuthorizerEvent,
 * ): Promise<{ id: string; banned: boolean } | undefined>;
 *
 * export const handler = webSocketAuthorizer(async (event) => {
 *   const user = await findUser(event);
 *   if (user?.banned) return deny(user.id); // 403
 *   return user && { principalId: user.id };
 * });
 * ```
 * @throws {@link !TypeError} when `principalId` is not a non-empty string.
 */
export function deny(principalId = 'anonymous'): AuthorizerDeny {
  if (typeof principalId !== 'string' || principalId === '') {
    throw new TypeError(
      `deny(principalId): principalId must be a non-empty string, got ${JSON.stringify(principalId)}`,
    );
  }
  return Object.freeze({ [DENY]: true as const, principalId });
}

export function isDeny(value: object): value is AuthorizerDeny {
  return (value as Partial<AuthorizerDeny>)[DENY] === true;
}
