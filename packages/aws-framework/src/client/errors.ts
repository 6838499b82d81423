import type { ValidationIssue } from '../contract/index.js';

/**
 * Why the client could not do what was asked, with nothing heard from the server:
 *
 * - `frame-too-large`: the frame would exceed API Gateway's 32 KB frame limit (AWS closes the
 *   connection with 1009 for it), so it was not sent.
 * - `queue-full`: the connection is not open and `queueLimit` frames already wait.
 * - `timeout`: no reply within the request's timeout.
 * - `connection-lost`: the connection a request was sent on closed before its reply came (the
 *   action may or may not have run; the client never re-sends it), or the connection closed and
 *   `reconnect` is `false`.
 * - `refused`: handshakes kept failing without ever opening (a `$connect` answering 401 or 403, or
 *   a server out of reach: a browser cannot tell them apart); the client has stopped.
 * - `closed`: `close()` was called.
 *
 * @example
 * ```typescript
 * client.onStatus((status, error) => {
 *   if (error?.code === 'refused') showSignIn();
 * });
 * ```
 */
export class ClientError extends Error {
  override name = 'ClientError';

  constructor(
    readonly code: 'frame-too-large' | 'queue-full' | 'timeout' | 'connection-lost' | 'refused' | 'closed',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The server answered a request with an error: its `status` (4xx, or 500 for a failure it does not
 * expose), its `message`, and for a payload its schema refused (422) the `issues`.
 *
 * @example
 * ```typescript
 * try {
 *   await client.request('join', { room: '' });
 * } catch (error) {
 *   if (error instanceof ClientRequestError && error.status === 422) console.log(error.issues);
 * }
 * ```
 */
export class ClientRequestError extends Error {
  override name = 'ClientRequestError';

  constructor(
    readonly status: number,
    message: string,
    readonly issues?: ValidationIssue[],
  ) {
    super(message);
  }
}
