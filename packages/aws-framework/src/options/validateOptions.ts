import { OptionsError } from './OptionsError.js';

export { OptionsError } from './OptionsError.js';

function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** The kinds of option value the factories accept, with how each is checked and named in errors. */
const OPTION_TYPES = {
  boolean: { test: (value: unknown) => typeof value === 'boolean', expected: 'a boolean' },
  string: { test: (value: unknown) => typeof value === 'string', expected: 'a string' },
  'non-empty string': {
    test: (value: unknown) => typeof value === 'string' && value !== '',
    expected: 'a non-empty string',
  },
  'string or function': {
    test: (value: unknown) => typeof value === 'string' || typeof value === 'function',
    expected: 'a string or a function',
  },
  'string array': { test: isStringArray, expected: 'an array of strings' },
  'string or string array': {
    test: (value: unknown) => typeof value === 'string' || isStringArray(value),
    expected: 'a string or an array of strings',
  },
  'string, string array or false': {
    test: (value: unknown) => typeof value === 'string' || isStringArray(value) || value === false,
    expected: 'a string, an array of strings or false',
  },
  'string or bytes': {
    test: (value: unknown) => typeof value === 'string' || value instanceof Uint8Array,
    expected: 'a string or a Uint8Array',
  },
  'function or false': {
    test: (value: unknown) => typeof value === 'function' || value === false,
    expected: 'a function or false',
  },
  'function or object': {
    test: (value: unknown) => typeof value === 'function' || isPlainObject(value),
    expected: 'a function or an object',
  },
  number: { test: (value: unknown) => typeof value === 'number', expected: 'a number' },
  'number or false': {
    test: (value: unknown) => typeof value === 'number' || value === false,
    expected: 'a number or false',
  },
  object: { test: isPlainObject, expected: 'an object' },
  'object or false': {
    test: (value: unknown) => isPlainObject(value) || value === false,
    expected: 'an object or false',
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
 * values of the wrong type throw an `OptionsError` (a `TypeError`) naming the option and who took it
 * (`owner`). Ranges and combinations are the caller's to check after this. `path` prefixes the
 * names of a nested object's options (`'retry.'`), so its errors name `retry.attempts`.
 */
export function validateOptions(owner: string, schema: OptionSchema, options: unknown, path = ''): void {
  if (!isPlainObject(options)) {
    const what = path === '' ? 'options' : `option "${path.slice(0, -1)}"`;
    throw new OptionsError(
      owner,
      path === '' ? undefined : path.slice(0, -1),
      `${owner} ${what} must be an object`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(schema, key)) {
      throw new OptionsError(owner, `${path}${key}`, `${owner}: unknown option "${path}${key}"`);
    }
  }
  for (const [key, type] of Object.entries(schema)) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined && !OPTION_TYPES[type].test(value)) {
      const name = `${path}${key}`;
      throw new OptionsError(
        owner,
        name,
        `${owner}: option "${name}" must be ${OPTION_TYPES[type].expected}`,
      );
    }
  }
}
