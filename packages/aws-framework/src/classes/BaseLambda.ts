import type { Context } from 'aws-lambda';

/**
 * The older class API: subclasses implement `process` and `handleError`; `handler` is what Lambda
 * calls. `handler` is an arrow property, so both `instance.handler` and
 * `instance.handler.bind(instance)` can be exported.
 */
export abstract class BaseLambda<TEvent, TResult> {
  readonly handler = async (event: TEvent, context?: Context): Promise<TResult> => {
    try {
      return await this.process(event, context);
    } catch (error) {
      return this.handleError(error);
    }
  };

  protected abstract process(event: TEvent, context?: Context): Promise<TResult>;

  protected abstract handleError(error: unknown): Promise<TResult>;
}
