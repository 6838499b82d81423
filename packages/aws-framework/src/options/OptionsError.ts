/**
 * An options object a factory or constructor was given is wrong: an unknown key or a value of the
 * wrong type. Thrown once, where the options are given, never per request. A `TypeError`, so
 * `instanceof TypeError` keeps working; `owner` names who took the options and `option` the key
 * (absent when the options are not an object at all).
 *
 * @example
 * ```typescript
 * import { OptionsError, webSocketLambda } from 'aws-framework';
 * try {
 *   webSocketLambda(async () => {}, { jsonbody: false } as never);
 * } catch (error) {
 *   if (error instanceof OptionsError) console.error(error.owner, error.option); // webSocketLambda jsonbody
 * }
 * ```
 */
export class OptionsError extends TypeError {
  /** Always `'OptionsError'`. */
  override readonly name = 'OptionsError';
  /** Who took the options, as its errors name it: `'webSocketLambda'`, `'connections'`... */
  readonly owner: string;
  /**
   * The option at fault, with its path for a nested one (`'retry.attempts'`); `undefined` when
   * the options are not an object at all.
   */
  readonly option: string | undefined;

  /**
   * @param owner - Who took the options.
   * @param option - The option at fault, `undefined` for the options object itself.
   * @param message - What is wrong, naming the owner and the option.
   * @param options - The standard `Error` options (`cause`).
   */
  constructor(owner: string, option: string | undefined, message: string, options?: ErrorOptions) {
    super(message, options);
    this.owner = owner;
    this.option = option;
  }
}
