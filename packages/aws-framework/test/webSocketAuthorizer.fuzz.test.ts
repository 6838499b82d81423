import { webSocketAuthorizer } from 'aws-framework';
import { jwtAuthorizer } from 'aws-framework/jwt';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  type Behaviour,
  behaviourArb,
  contextArb,
  eventArb,
  FUZZ_PARAMETERS,
  loggerArb,
  materialize,
  SECRET,
} from './fuzzArbitraries.js';

// What the function and the logger do in the current run; the handlers are built once, as in Lambda.
let behaviour: Behaviour = () => undefined;
let logger: () => void = () => {};

const ISSUER = 'https://issuer.example';
const JWT_SECRET = 'a-development-secret-of-32-bytes!';

/** What a decision may be besides the behaviours: allows, denies and malformed results. */
const decisionArb: fc.Arbitrary<Behaviour> = fc.oneof(
  behaviourArb,
  fc
    .record(
      { principalId: fc.oneof(fc.string(), fc.anything()), context: fc.anything() },
      { requiredKeys: [] },
    )
    .map((decision) => async () => decision),
  fc.constant(async () => false),
);

/** A token that is valid, signed with another key, expired or not a JWT, with claims of any shape. */
const tokenArb = fc.oneof(
  fc.string(),
  fc
    .record({
      sub: fc.oneof(fc.string(), fc.anything()),
      aud: fc.oneof(fc.constant('app'), fc.anything()),
      groups: fc.anything(),
      key: fc.constantFrom(JWT_SECRET, 'another-secret-that-is-32-bytes-long'),
      expiresIn: fc.constantFrom('1h', '-1h'),
    })
    .map(async ({ key, expiresIn, ...claims }) => {
      try {
        return await new SignJWT(JSON.parse(JSON.stringify(claims)) as never)
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer(ISSUER)
          .setExpirationTime(expiresIn)
          .sign(new TextEncoder().encode(key));
      } catch {
        return 'not-a-jwt';
      }
    }),
);

const handlers = {
  webSocketAuthorizer: webSocketAuthorizer((event, context) => behaviour(event, context) as never, {
    logger: () => logger(),
  }),
  jwtAuthorizer: jwtAuthorizer({
    issuer: ISSUER,
    audience: 'app',
    secret: JWT_SECRET,
    tokenFrom: { query: 'token', header: 'Authorization', protocol: 'access_token' },
    claims: ['groups'],
    logger: () => logger(),
  }),
};

/** Resolves an allow or deny policy, or rejects with exactly Error('Unauthorized'); shows no error text. */
async function expectPolicyOrUnauthorized(invocation: Promise<unknown>): Promise<void> {
  let result: unknown;
  try {
    result = await invocation;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('Unauthorized');
    expect(Object.getPrototypeOf(error)).toBe(Error.prototype);
    return;
  }
  const { principalId, policyDocument, context } = result as Record<string, unknown>;
  expect(typeof principalId).toBe('string');
  expect(principalId).not.toBe('');
  const statement = (policyDocument as { Statement: { Effect: unknown }[] }).Statement;
  expect(statement).toHaveLength(1);
  expect(['Allow', 'Deny']).toContain(statement[0]?.Effect);
  if (context !== undefined) {
    for (const value of Object.values(context as object)) {
      expect(['string', 'number', 'boolean']).toContain(typeof value);
    }
  }
  expect(JSON.stringify(result)).not.toContain(SECRET);
}

describe('authorizers, property-tested', () => {
  it('webSocketAuthorizer: any event, context and function give a policy or Unauthorized, never error text', async () => {
    await fc.assert(
      fc.asyncProperty(eventArb, contextArb, decisionArb, loggerArb, async (event, context, fn, log) => {
        behaviour = fn;
        logger = log;
        await expectPolicyOrUnauthorized(
          handlers.webSocketAuthorizer(materialize(event), materialize(context) as never),
        );
      }),
      FUZZ_PARAMETERS,
    );
  });

  it('jwtAuthorizer with a secret: any event, context and token give a policy or Unauthorized', async () => {
    const withToken = fc.tuple(eventArb, tokenArb, fc.constantFrom('query', 'header', 'protocol', 'none'));
    await fc.assert(
      fc.asyncProperty(
        withToken,
        contextArb,
        loggerArb,
        async ([event, tokenPromise, where], context, log) => {
          logger = log;
          const token = await tokenPromise;
          // Placed in what was generated, before its stand-ins become values that throw when read.
          let placed = event;
          const plain =
            typeof event === 'object' && event !== null && Object.getPrototypeOf(event) === Object.prototype;
          if (where !== 'none' && plain) {
            placed = {
              ...event,
              ...(where === 'query' && { queryStringParameters: { token } }),
              ...(where === 'header' && { headers: { Authorization: `Bearer ${token}` } }),
              ...(where === 'protocol' && {
                headers: { 'Sec-WebSocket-Protocol': `access_token, ${token}` },
              }),
            };
          }
          await expectPolicyOrUnauthorized(
            handlers.jwtAuthorizer(materialize(placed), materialize(context) as never),
          );
        },
      ),
      FUZZ_PARAMETERS,
    );
  });
});
