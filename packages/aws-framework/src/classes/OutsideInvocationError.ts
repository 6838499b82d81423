/**
 * A class adapter method that needs the current invocation (`sendMessage`, `broadcast`) was called
 * when no invocation of `handler()` was running, e.g. from a timer or at module load. Nothing was
 * sent: outside an invocation there is no event to take the management endpoint from, so use
 * `connections()` there.
 *
 * The current invocation is followed with `AsyncLocalStorage`, so anything awaited inside
 * `processWebSocket` is still inside it; only work that outlives the invocation (a timer, a
 * promise left running after it returned) is outside.
 *
 * @example
 * ```ts
 * import {
 *   type APIGatewayProxyEvent,
 *   connections,
 *   OutsideInvocationError,
 *   WebSocketLambda,
 * } from 'aws-framework';
 *
 * class Notifier extends WebSocketLambda {
 *   protected async processWebSocket(_event: APIGatewayProxyEvent) {
 *     return { statusCode: 200 };
 *   }
 *
 *   async notify(connectionId: string, data: unknown) {
 *     try {
 *       await this.sendMessage(connectionId, data);
 *     } catch (error) {
 *       if (!(error instanceof OutsideInvocationError)) throw error;
 *       // No invocation to take the endpoint from: WEBSOCKET_MANAGEMENT_ENDPOINT names it.
 *       await connections().send(connectionId, data);
 *     }
 *   }
 * }
 *
 * const notifier = new Notifier();
 * export const handler = notifier.handler;
 * setTimeout(() => void notifier.notify('abc123=', { type: 'tick' }), 1000);
 * ```
 */
export class OutsideInvocationError extends Error {
  /** Always `'OutsideInvocationError'`: survives serialization and bundling, where `instanceof` may not. */
  override readonly name = 'OutsideInvocationError';
  /** The method that was called, e.g. `sendMessage`. */
  readonly method: string;

  /** @param method - The class adapter method that was called, named in the message. */
  constructor(method: string) {
    super(`${method}() was called outside an invocation of handler(); use connections() there`);
    this.method = method;
  }
}
