import type { Context } from 'aws-lambda';

/**
 * The base of the older class API: a Lambda handler as a class, whose subclass implements
 * `process` (the work) and `handleError` (the result for anything `process` throws).
 *
 * Kept so that code written against the original specification keeps working; new handlers are
 * plain functions (`webSocketLambda`). {@link WebSocketLambda} is the subclass for API Gateway
 * WebSocket APIs; extend `BaseLambda` directly for any other event.
 *
 * @typeParam TEvent - The event Lambda invokes the handler with.
 * @typeParam TResult - What the handler resolves to.
 *
 * @example
 * ```ts
 * import { BaseLambda } from 'aws-framework';
 *
 * interface Order {
 *   id: string;
 *   quantity: number;
 * }
 *
 * class PlaceOrder extends BaseLambda<Order, { ok: boolean; error?: string }> {
 *   protected async process(order: Order) {
 *     if (order.quantity < 1) throw new RangeError('quantity must be at least 1');
 *     return { ok: true };
 *   }
 *
 *   protected async handleError(error: unknown) {
 *     return { ok: false, error: error instanceof Error ? error.message : String(error) };
 *   }
 * }
 *
 * export const handler = new PlaceOrder().handler;
 * ```
 */
export abstract class BaseLambda<TEvent, TResult> {
  /**
   * What Lambda calls: resolves to what `process(event, context)` resolves to, or, when `process`
   * throws or rejects, to `handleError(error)`. It rejects only when `handleError` does.
   *
   * An arrow function bound to its instance, so it can be exported as is
   * (`export const handler = new MyLambda().handler`) as well as `.bind(instance)`.
   */
  readonly handler = async (event: TEvent, context?: Context): Promise<TResult> => {
    try {
      return await this.process(event, context);
    } catch (error) {
      return this.handleError(error);
    }
  };

  /**
   * The work of one invocation: what it resolves to is the handler's result. Anything it throws
   * goes to `handleError`.
   *
   * @param event - The event Lambda invoked the handler with.
   * @param context - The Lambda context; `undefined` when the handler is called without one (a test).
   */
  protected abstract process(event: TEvent, context?: Context): Promise<TResult>;

  /**
   * The handler's result when `process` throws or rejects.
   *
   * @param error - What `process` threw, as it was thrown (not always an `Error`).
   */
  protected abstract handleError(error: unknown): Promise<TResult>;
}
