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
  override readonly name = 'OptionsError';
  readonly owner: string;
  readonly option: string | undefined;

  constructor(owner: string, option: string | undefined, message: string, options?: ErrorOptions) {
    super(message, options);
    this.owner = owner;
    this.option = option;
  }
}
