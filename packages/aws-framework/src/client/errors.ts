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
 * `send` throws it, `request` rejects with it, and `onStatus` listeners get it as the reason for
 * `reconnecting` or for a `closed` client that gave up.
 *
 * @example
 * ```ts
 * import { ClientError, createClient } from 'aws-framework/client';
 * import { defineContract } from 'aws-framework/contract';
 * import { z } from 'zod';
 *
 * const chat = defineContract({ actions: { say: z.object({ text: z.string() }) } });
 * declare function showSignIn(): void;
 *
 * const client = createClient(chat, { url: 'wss://chat.example.com/prod' });
 * client.onStatus((status, error) => {
 *   if (status === 'closed' && error?.code === 'refused') showSignIn();
 * });
 * try {
 *   client.send('say', { text: 'hello' });
 * } catch (error) {
 *   if (error instanceof ClientError && error.code === 'queue-full') console.warn('offline for too long');
 * }
 * ```
 */
export class ClientError extends Error {
  /** Always `'ClientError'`: survives serialization and bundling, where `instanceof` may not. */
  override name = 'ClientError';

  /**
   * @param code - Why; see the class's description.
   * @param message - What happened, for people.
   * @param options - `cause`: for `refused`, the last failed handshake's error when there was one.
   */
  constructor(
    /**
     * Why the client could not do it: `frame-too-large`, `queue-full`, `timeout`,
     * `connection-lost`, `refused` or `closed` (see the class's description).
     */
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
 * Only `request` rejects with it: a one-way `send` gets no answer.
 *
 * @example
 * ```ts
 * import { ClientRequestError, createClient } from 'aws-framework/client';
 * import { defineContract } from 'aws-framework/contract';
 * import { z } from 'zod';
 *
 * const chat = defineContract({
 *   actions: { join: z.object({ room: z.string().min(1) }) },
 *   replies: { join: z.object({ members: z.number() }) },
 * });
 * const client = createClient(chat, { url: 'wss://chat.example.com/prod' });
 *
 * try {
 *   await client.request('join', { room: '' });
 * } catch (error) {
 *   if (error instanceof ClientRequestError && error.status === 422) console.log(error.issues);
 * }
 * ```
 */
export class ClientRequestError extends Error {
  /** Always `'ClientRequestError'`: survives serialization and bundling, where `instanceof` may not. */
  override name = 'ClientRequestError';

  /**
   * @param status - The reply's `error.status` (500 when it has none).
   * @param message - The reply's `error.message` (`Request failed` when it has none).
   * @param issues - The reply's `error.issues`, for a refused payload.
   */
  constructor(
    /**
     * The status the server answered with: a 4xx the handler threw (`createError(403, ...)`), 422
     * for a payload or frame the contract refused, 400 for an action without a handler, 500 for
     * anything else (nothing of the error is exposed).
     */
    readonly status: number,
    message: string,
    /**
     * For a 422, what the schema refused: each issue's `path` from the payload (from the frame for
     * an invalid action frame) and `message`. `undefined` otherwise.
     */
    readonly issues?: ValidationIssue[],
  ) {
    super(message);
  }
}
