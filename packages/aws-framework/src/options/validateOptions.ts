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
 * values of the wrong type throw a `TypeError` naming the option and who took it (`owner`).
 */
export function validateOptions(owner: string, schema: OptionSchema, options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${owner} options must be an object`, {
      cause: { package: 'aws-framework', data: { owner } },
    });
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(schema, key)) {
      throw new TypeError(`${owner}: unknown option "${key}"`, {
        cause: { package: 'aws-framework', data: { owner, option: key } },
      });
    }
  }
  for (const [key, type] of Object.entries(schema)) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined && !OPTION_TYPES[type].test(value)) {
      throw new TypeError(`${owner}: option "${key}" must be ${OPTION_TYPES[type].expected}`, {
        cause: { package: 'aws-framework', data: { owner, option: key } },
      });
    }
  }
}
