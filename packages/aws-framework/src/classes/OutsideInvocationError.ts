/**
 * A class adapter method that needs the current invocation (`sendMessage`, `broadcast`) was called
 * when no invocation of `handler()` was running, e.g. from a timer or at module load. Nothing was
 * sent: outside an invocation there is no event to take the management endpoint from, so use
 * `connections()` there.
 */
export class OutsideInvocationError extends Error {
  override readonly name = 'OutsideInvocationError';
  /** The method that was called, e.g. `sendMessage`. */
  readonly method: string;

  constructor(method: string) {
    super(`${method}() was called outside an invocation of handler(); use connections() there`);
    this.method = method;
  }
}
