import { createError } from '@middy/util';
import { createLambdaContext } from 'aws-framework/testing';
import fc from 'fast-check';
import { expect } from 'vitest';

/**
 * Shared by the `*.fuzz.test.ts` files: hostile events, contexts and handler behaviours, and the
 * checks every result must pass. Every error generated here carries {@link SECRET} in its message,
 * so a result that shows it has leaked an error's text.
 */
export const SECRET = 'SECRET-MARKER-9f41c2';

/**
 * Fixed, so a failure reproduces: fast-check prints the seed and the shrunk counterexample's path.
 * `FUZZ_SEED=<n>` explores another part of the space; `FUZZ_RUNS=<n>` runs longer.
 */
export const FUZZ_PARAMETERS: fc.Parameters<unknown> = {
  seed: Number(process.env.FUZZ_SEED ?? 20_261_130),
  numRuns: Number(process.env.FUZZ_RUNS ?? 300),
};

function secretError(): Error {
  return new Error(`${SECRET}: thrown by a trap`);
}

/** A Proxy whose every trap throws an error carrying the secret (a function target, so `apply` too). */
export function throwingProxy(): Record<string, unknown> {
  const trap = () => {
    throw secretError();
  };
  return new Proxy(() => {}, {
    get: trap,
    set: trap,
    has: trap,
    deleteProperty: trap,
    ownKeys: trap,
    getOwnPropertyDescriptor: trap,
    defineProperty: trap,
    getPrototypeOf: trap,
    setPrototypeOf: trap,
    isExtensible: trap,
    preventExtensions: trap,
    apply: trap,
    construct: trap,
  }) as unknown as Record<string, unknown>;
}

/** An object whose `key` getter throws an error carrying the secret. */
export function throwingGetter(key: string, rest: Record<string, unknown> = {}): Record<string, unknown> {
  return Object.defineProperty({ ...rest }, key, {
    enumerable: true,
    get() {
      throw secretError();
    },
  });
}

const HOSTILE = {
  proxy: () => throwingProxy(),
  requestContextGetter: () => throwingGetter('requestContext'),
  frozen: () =>
    Object.freeze({ requestContext: Object.freeze({ connectionId: 'C=', routeKey: 'sendMessage' }) }),
};

/**
 * Stands for a hostile value in what fast-check generates, prints and shrinks (it reads every value,
 * so a Proxy that throws would break fast-check, not the handler); {@link materialize} makes it.
 */
class Hostile {
  constructor(readonly kind: keyof typeof HOSTILE) {}
}

const hostileValue: fc.Arbitrary<unknown> = fc
  .constantFrom(...(Object.keys(HOSTILE) as (keyof typeof HOSTILE)[]))
  .map((kind) => new Hostile(kind));

/**
 * A fresh copy of a generated event or context (the handler may write to it) with its stand-ins,
 * at the top and one level down, made into the hostile values they stand for.
 */
export function materialize(value: unknown, depth = 0): unknown {
  if (value instanceof Hostile) return HOSTILE[value.kind]();
  if (depth > 1 || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, materialize(item, depth + 1)]));
}

function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** Bodies: JSON and not, huge, deeply nested, forbidden keys, base64, action frames, non-strings. */
export const bodyArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.json(),
  fc.integer({ min: 1, max: 20_000 }).map(nested),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => `{"a":${nested(depth)},"constructor":1}`),
  fc.constant(JSON.stringify({ text: 'x'.repeat(1_000_000) })),
  fc.constantFrom(
    '{"__proto__":{"polluted":true}}',
    '{"a":{"__proto__":{"polluted":true}}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"\\u005f_proto__":{"polluted":true}}',
    '',
    'null',
    '"just a string"',
  ),
  fc.json().map((json) => Buffer.from(json).toString('base64')),
  fc
    .record(
      {
        action: fc.constantFrom('join', 'say', 'sendMessage', '__proto__', 'constructor'),
        payload: fc.oneof(fc.anything(), fc.record({ room: fc.oneof(fc.string(), fc.anything()) })),
        id: fc.oneof(fc.string(), fc.anything()),
      },
      { requiredKeys: ['action'] },
    )
    .map((frame) => {
      try {
        return JSON.stringify(frame) ?? '';
      } catch {
        return '';
      }
    }),
  fc.anything(),
  hostileValue,
);

const routeKeyArb = fc.oneof(
  fc.constantFrom(
    '$connect',
    '$disconnect',
    '$default',
    'sendMessage',
    'join',
    'say',
    '__proto__',
    'toString',
  ),
  fc.string(),
  fc.anything(),
);

const requestContextArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.record(
    {
      connectionId: fc.oneof(fc.constant('CONNECTION123='), fc.string(), fc.anything()),
      routeKey: routeKeyArb,
      eventType: fc.oneof(fc.constantFrom('CONNECT', 'MESSAGE', 'DISCONNECT'), fc.anything()),
      requestId: fc.oneof(fc.string(), fc.anything()),
      domainName: fc.oneof(fc.constantFrom('abc.execute-api.eu-west-1.amazonaws.com'), fc.anything()),
      stage: fc.oneof(fc.constant('prod'), fc.anything()),
      authorizer: fc.anything(),
    },
    { requiredKeys: ['connectionId', 'routeKey'] },
  ),
  fc.anything(),
  hostileValue,
);

const headersArb = fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.anything(), hostileValue);

/** Events: WebSocket-shaped with hostile parts, anything at all, and objects that throw when read. */
export const eventArb: fc.Arbitrary<unknown> = fc.oneof(
  {
    arbitrary: fc.record(
      {
        requestContext: requestContextArb,
        body: bodyArb,
        isBase64Encoded: fc.oneof(fc.boolean(), fc.anything()),
        headers: headersArb,
        multiValueHeaders: headersArb,
        queryStringParameters: headersArb,
        methodArn: fc.oneof(fc.constant('arn:aws:execute-api:eu-west-1:1:abc/prod/$connect'), fc.anything()),
      },
      { requiredKeys: ['requestContext'] },
    ),
    weight: 6,
  },
  { arbitrary: fc.anything(), weight: 1 },
  { arbitrary: hostileValue, weight: 1 },
);

/** Contexts: none, `null`, a real-looking one, anything, and ones that throw when read. */
export const contextArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant('lambda context').map(() => createLambdaContext()),
  fc.anything(),
  hostileValue,
  fc.constant('throwing getRemainingTimeInMillis').map(() => ({
    getRemainingTimeInMillis: () => {
      throw secretError();
    },
  })),
);

/** What a user's function may do: return anything, throw anything (always with the secret). */
export type Behaviour = (event: unknown, context: unknown) => unknown;

export const behaviourArb: fc.Arbitrary<Behaviour> = fc.oneof(
  fc.anything().map((value) => () => value),
  fc
    .record({ statusCode: fc.oneof(fc.integer({ min: 100, max: 599 }), fc.anything()), body: fc.anything() })
    .map((value) => async () => value),
  fc.constant(async (event: unknown) => ({ statusCode: 200, body: (event as { body?: unknown }).body })),
  fc.constant(async () => ({ statusCode: 200, body: { big: 10n } })),
  fc.constant(async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    return { statusCode: 200, body: circular };
  }),
  fc.constant(async () => throwingProxy()),
  fc.constant(async () => ({ statusCode: 200, body: throwingProxy() })),
  fc.constant(async (_event: unknown, context: unknown) =>
    (context as { send: (id: string, data: unknown) => Promise<void> }).send('', 1),
  ),
  fc
    .constantFrom<unknown[]>(
      () => new Error(SECRET),
      () => SECRET,
      () => ({ message: SECRET }),
      () => ({ statusCode: 500, message: SECRET }),
      () => ({ statusCode: 404, expose: false, message: SECRET }),
      () => createError(500, SECRET),
      () => createError(503, SECRET),
      () => new RangeError(SECRET, { cause: new Error(SECRET) }),
      () => throwingProxy(),
      () => throwingGetter('message', { statusCode: 400 }),
      () => throwingGetter('statusCode', { message: SECRET }),
      () => undefined,
      () => null,
    )
    .map((make) => async () => {
      throw (make as () => unknown)();
    }),
  // Client errors: their message is shown by design, so it holds no secret.
  fc.integer({ min: 400, max: 499 }).map((status) => async () => {
    throw createError(status, 'a public client error');
  }),
);

/** A logger that records, drops or throws: a failing logger must not change the answer. */
export const loggerArb = fc.constantFrom(
  () => {},
  () => {
    throw secretError();
  },
);

/** `{ statusCode: integer 100-599, body?: string }` without the secret in it. */
export function expectValidResult(result: unknown): void {
  expect(typeof result).toBe('object');
  expect(result).not.toBeNull();
  const { statusCode, body } = result as { statusCode?: unknown; body?: unknown };
  expect(Number.isInteger(statusCode)).toBe(true);
  expect(statusCode).toBeGreaterThanOrEqual(100);
  expect(statusCode).toBeLessThanOrEqual(599);
  if (body !== undefined) {
    expect(typeof body).toBe('string');
    expect(body).not.toContain(SECRET);
  }
}
