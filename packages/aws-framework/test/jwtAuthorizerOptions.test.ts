import { DEFAULT_CLOCK_TOLERANCE_SECONDS, jwtAuthorizer } from 'aws-framework/jwt';
import { describe, expect, it } from 'vitest';

type Options = Parameters<typeof jwtAuthorizer>[0];

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123';
const valid: Options = { issuer: ISSUER, audience: 'chat-api', tokenFrom: { query: 'token' } };
const SECRET = 'a-development-secret-of-32-bytes!';

function construct(options: Record<string, unknown>) {
  return () => jwtAuthorizer(options as unknown as Options);
}

describe('jwtAuthorizer options, checked at construction', () => {
  it('builds a handler from an issuer, an audience and a token source, fetching nothing yet', () => {
    expect(typeof jwtAuthorizer(valid)).toBe('function');
    expect(DEFAULT_CLOCK_TOLERANCE_SECONDS).toBe(5);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no options object', null as unknown as Record<string, unknown>, /options must be an object/],
    ['an unknown option', { ...valid, audiences: ['x'] }, /unknown option "audiences"/],
    ['no issuer', { ...valid, issuer: undefined }, /option "issuer" is required/],
    ['neither audience nor clientId', { ...valid, audience: undefined }, /option "audience" is required/],
    ['an empty audience list', { ...valid, audience: [] }, /option "audience" must be a non-empty string/],
    [
      'audience false with a clientId',
      { ...valid, audience: false, clientId: 'abc' },
      /option "audience" false/,
    ],
    ['a clientId that is not a string', { ...valid, clientId: 42 }, /option "clientId" must be/],
    [
      'both secret and jwksUri',
      { ...valid, secret: SECRET, jwksUri: `${ISSUER}/keys` },
      /option "secret" and "jwksUri"/,
    ],
    [
      'a secret shorter than 32 bytes',
      { ...valid, secret: 'short' },
      /option "secret" must be at least 32 bytes/,
    ],
    [
      'a secret that is neither string nor bytes',
      { ...valid, secret: 42 },
      /option "secret" must be a string or/,
    ],
    ['a jwksUri that is not a URL', { ...valid, jwksUri: 'keys.json' }, /option "jwksUri" must be a URL/],
    [
      'a plain-http jwksUri off loopback',
      { ...valid, jwksUri: 'http://example.com/jwks.json' },
      /option "jwksUri" must give an https/,
    ],
    [
      'an issuer that is not a URL and no key source',
      { ...valid, issuer: 'my-issuer' },
      /option "issuer" must be a URL/,
    ],
    ['alg none', { ...valid, algorithms: ['RS256', 'none'] }, /option "algorithms" cannot include "none"/],
    [
      'HS256 with a key set',
      { ...valid, algorithms: ['HS256'] },
      /option "algorithms" cannot include "HS256" with a key set/,
    ],
    [
      'RS256 with a secret',
      { ...valid, secret: SECRET, algorithms: ['RS256'] },
      /cannot include "RS256" with a "secret"/,
    ],
    ['an empty algorithm list', { ...valid, algorithms: [] }, /option "algorithms" must be a non-empty/],
    ['no tokenFrom', { ...valid, tokenFrom: undefined }, /option "tokenFrom" is required/],
    [
      'a tokenFrom naming nothing known',
      { ...valid, tokenFrom: { cookie: 'token' } },
      /option "tokenFrom" is not valid/,
    ],
    ['a tokenFrom naming no source', { ...valid, tokenFrom: {} }, /option "tokenFrom" is not valid/],
    [
      'a tokenFrom protocol that is not a marker',
      { ...valid, tokenFrom: { protocol: true } },
      /option "tokenFrom"/,
    ],
    [
      'a claim API Gateway reserves',
      { ...valid, claims: ['email', 'principalId'] },
      /option "claims" cannot include "principalId"/,
    ],
    ['claims that are not names', { ...valid, claims: 'email' }, /option "claims" must be an array/],
    ['a negative clock tolerance', { ...valid, clockToleranceSeconds: -1 }, /option "clockToleranceSeconds"/],
    [
      'a logger that is not a function',
      { ...valid, logger: 'console' },
      /option "logger" must be a function or false/,
    ],
  ])('throws a TypeError naming the option for %s', (_, options, message) => {
    expect(construct(options)).toThrow(TypeError);
    expect(construct(options)).toThrow(message);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a clientId without an audience', { ...valid, audience: undefined, clientId: ['a', 'b'] }],
    ['audience false', { ...valid, audience: false }],
    ['a secret as bytes over a non-URL issuer', { ...valid, issuer: 'dev', secret: new Uint8Array(32) }],
    ['an http jwksUri on loopback', { ...valid, jwksUri: 'http://localhost:9000/jwks.json' }],
    ['a tokenFrom function', { ...valid, tokenFrom: () => undefined }],
    [
      'a clock tolerance of 0 and more algorithms',
      { ...valid, clockToleranceSeconds: 0, algorithms: ['PS256', 'ES384'] },
    ],
  ])('accepts %s', (_, options) => {
    expect(construct(options)).not.toThrow();
  });
});
