import { OptionsError } from './OptionsError.js';

export { OptionsError } from './OptionsError.js';

/** The kinds of option value the factories accept, with how each is checked and named in errors. */
const OPTION_TYPES = {
  boolean: { test: (value: unknown) => typeof value === 'boolean', expected: 'a boolean' },
  string: { test: (value: unknown) => typeof value === 'string', expected: 'a string' },
  'non-empty string': {
    test: (value: unknown) => typeof value === 'string' && value !== '',
    expected: 'a non-empty string',
  },
  'function or false': {
    test: (value: unknown) => typeof value === 'function' || value === false,
    expected: 'a function or false',
  },
  number: { test: (value: unknown) => typeof value === 'number', expected: 'a number' },
  object: {
    test: (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value),
    expected: 'an object',
  },
  transport: {
    test: (value: unknown) => value === 'sdk' || value === 'direct',
    expected: '"sdk" or "direct"',
  },
  'reply delivery': {
    test: (value: unknown) => value === 'managementApi' || value === 'routeResponse',
    expected: '"managementApi" or "routeResponse"',
  },
} as const;

export type OptionType = keyof typeof OPTION_TYPES;

/** Option name to the type its value must have when given; every option is optional. */
export type OptionSchema = Readonly<Record<string, OptionType>>;

/**
 * Checks an options object against a schema, once, when a handler is built: unknown keys and
 * values of the wrong type throw an `OptionsError` (a `TypeError`) naming the option and who took it (`owner`).
 */
export function validateOptions(owner: string, schema: OptionSchema, options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new OptionsError(owner, undefined, `${owner} options must be an object`);
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(schema, key)) {
      throw new OptionsError(owner, key, `${owner}: unknown option "${key}"`);
    }
  }
  for (const [key, type] of Object.entries(schema)) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined && !OPTION_TYPES[type].test(value)) {
      throw new OptionsError(owner, key, `${owner}: option "${key}" must be ${OPTION_TYPES[type].expected}`);
    }
  }
}
