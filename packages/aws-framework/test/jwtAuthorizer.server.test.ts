import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtAuthorizer } from 'aws-framework/jwt';
import { createAuthorizerEvent, createLambdaContext } from 'aws-framework/testing';
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from 'jose';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

/**
 * A real HTTP server on 127.0.0.1 serves the key set, so these tests see what jose actually fetches
 * and when: no fetch mocks.
 */

interface KeySetServer {
  url: string;
  /** How many times the key set was fetched. */
  fetches: () => number;
  serve: (keys: JWK[] | 'error') => void;
  close: () => Promise<void>;
}

async function startKeySetServer(keys: JWK[]): Promise<KeySetServer> {
  let served: JWK[] | 'error' = keys;
  let fetches = 0;
  const server: Server = createServer((request, response) => {
    if (!request.url?.endsWith('jwks.json')) {
      response.writeHead(404).end();
      return;
    }
    fetches += 1;
    if (served === 'error') {
      response.writeHead(500).end('boom');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: served }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    fetches: () => fetches,
    serve: (next) => {
      served = next;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(kid: string, alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

const AUDIENCE = 'chat-api';
const SUBJECT = 'user-42';
const CLIENT_ID = '1example23456789';

let rsa: SigningKey;
let ec: SigningKey;
let stranger: SigningKey;
let keySet: KeySetServer;
let issuer: string;

beforeAll(async () => {
  rsa = await signingKey('rsa-1', 'RS256');
  ec = await signingKey('ec-1', 'ES256');
  // Signs with its own private key but claims rsa-1's kid.
  stranger = { ...(await signingKey('rsa-1', 'RS256')) };
});

// A fresh server per test has a fresh URL, so each test starts with its own, unfetched key set.
beforeEach(async () => {
  keySet = await startKeySetServer([rsa.jwk, ec.jwk]);
  issuer = `${keySet.url}/eu-west-1_AbC123`;
});

afterEach(async () => {
  vi.useRealTimers();
  await keySet.close();
});

interface TokenOptions {
  key?: SigningKey;
  claims?: JWTPayload;
  /** Seconds from now. */
  expiresIn?: number | null;
  notBefore?: number;
  header?: Record<string, unknown>;
}

function sign({ key = rsa, claims = {}, expiresIn = 300, notBefore, header = {} }: TokenOptions = {}) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ iss: issuer, aud: AUDIENCE, sub: SUBJECT, ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
    .setIssuedAt(now);
  if (expiresIn !== null) jwt.setExpirationTime(now + expiresIn);
  if (notBefore !== undefined) jwt.setNotBefore(now + notBefore);
  return jwt.sign(key.privateKey);
}

type Options = Parameters<typeof jwtAuthorizer>[0];

function authorizer(options: Partial<Options> = {}) {
  return jwtAuthorizer({
    issuer,
    audience: AUDIENCE,
    tokenFrom: { query: 'token' },
    logger: vi.fn(),
    ...options,
  } as Options);
}

function withToken(token: string) {
  return createAuthorizerEvent({ queryStringParameters: { token } });
}

async function authorize(handler: ReturnType<typeof jwtAuthorizer>, event: ReturnType<typeof withToken>) {
  return handler(event, createLambdaContext());
}

describe('jwtAuthorizer against a key set served over HTTP', () => {
  it('allows a valid RS256 token as its sub, with the selected claims in the context', async () => {
    const event = withToken(await sign({ claims: { email: 'ada@example.com', name: 'Ada', admin: true } }));
    const result = await authorize(authorizer({ claims: ['email', 'name', 'admin'] }), event);
    expect(result).toEqual({
      principalId: SUBJECT,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
      },
      context: { email: 'ada@example.com', name: 'Ada', admin: true },
    });
  });

  it('allows an ES256 token from the same key set, with no context when no claims are selected', async () => {
    const result = await authorize(authorizer(), withToken(await sign({ key: ec })));
    expect(result).toMatchObject({ principalId: SUBJECT });
    expect(result).not.toHaveProperty('context');
  });

  it('leaves a selected claim out of the context when the token does not carry it', async () => {
    const result = await authorize(
      authorizer({ claims: ['email', 'name'] }),
      withToken(await sign({ claims: { email: 'ada@example.com' } })),
    );
    expect(result).toMatchObject({ context: { email: 'ada@example.com' } });
    expect((result as { context: Record<string, unknown> }).context).not.toHaveProperty('name');
  });

  it('accepts a token expired by less than the clock tolerance, and refuses it with a tolerance of 0', async () => {
    const token = await sign({ expiresIn: -2 });
    await expect(authorize(authorizer(), withToken(token))).resolves.toMatchObject({ principalId: SUBJECT });
    await expect(authorize(authorizer({ clockToleranceSeconds: 0 }), withToken(token))).rejects.toThrow(
      'Unauthorized',
    );
  });

  const refused: [string, () => Promise<string>][] = [
    ['expired', () => sign({ expiresIn: -60 })],
    ['not valid before a minute from now', () => sign({ notBefore: 60 })],
    ['from another issuer', () => sign({ claims: { iss: 'https://evil.example.com' } })],
    ['for another audience', () => sign({ claims: { aud: 'other-api' } })],
    ['signed by another key under a known kid', () => sign({ key: stranger })],
    [
      'tampered with after signing',
      async () => {
        const [header, , signature] = (await sign()).split('.');
        const payload = Buffer.from(
          JSON.stringify({
            iss: issuer,
            aud: AUDIENCE,
            sub: 'admin',
            exp: Math.floor(Date.now() / 1000) + 300,
          }),
        ).toString('base64url');
        return `${header}.${payload}.${signature}`;
      },
    ],
    [
      'unsigned (alg none)',
      async () =>
        new UnsecuredJWT({ sub: SUBJECT, aud: AUDIENCE })
          .setIssuer(issuer)
          .setExpirationTime(Math.floor(Date.now() / 1000) + 300)
          .encode(),
    ],
    [
      'HS256, signed with a secret, against a key set',
      () =>
        new SignJWT({ iss: issuer, aud: AUDIENCE, sub: SUBJECT })
          .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode('a-development-secret-of-32-bytes!')),
    ],
    ['without a sub', () => sign({ claims: { sub: undefined } })],
    ['with a sub that is not a string', () => sign({ claims: { sub: 42 as unknown as string } })],
    ['without an exp', () => sign({ expiresIn: null })],
    ['not a JWT at all', async () => 'not-a-jwt'],
  ];

  it.each(refused)('refuses a token %s with Unauthorized (401), without logging it', async (_, token) => {
    const logger = vi.fn();
    await expect(authorize(authorizer({ logger }), withToken(await token()))).rejects.toThrow(
      new Error('Unauthorized'),
    );
    expect(logger).not.toHaveBeenCalled();
  });

  it('refuses a request without a token, without fetching the key set', async () => {
    await expect(
      authorize(authorizer(), createAuthorizerEvent({ queryStringParameters: {} })),
    ).rejects.toThrow('Unauthorized');
    expect(keySet.fetches()).toBe(0);
  });

  it('fetches the key set once across many invocations, concurrent or not', async () => {
    const handler = authorizer();
    const tokens = await Promise.all(Array.from({ length: 10 }, () => sign()));
    await Promise.all(tokens.map((token) => authorize(handler, withToken(token))));
    for (const token of tokens) await authorize(handler, withToken(token));
    expect(keySet.fetches()).toBe(1);
  });

  it('shares one key set between authorizers that name the same URL', async () => {
    await authorize(authorizer(), withToken(await sign()));
    await authorize(authorizer({ claims: ['email'] }), withToken(await sign()));
    expect(keySet.fetches()).toBe(1);
  });

  it('fetches the key set again, once, for a token signed by a key it has not seen (rotation)', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const handler = authorizer();
    await authorize(handler, withToken(await sign()));
    const rotated = await signingKey('rsa-2', 'RS256');
    keySet.serve([rsa.jwk, ec.jwk, rotated.jwk]);
    // jose refetches for an unknown kid at most once per 30 s cooldown, so a flood of made-up kids
    // cannot become a flood of fetches.
    vi.setSystemTime(Date.now() + 31_000);
    const tokens = await Promise.all([1, 2, 3].map(() => sign({ key: rotated })));
    for (const token of tokens) {
      await expect(authorize(handler, withToken(token))).resolves.toMatchObject({ principalId: SUBJECT });
    }
    await expect(authorize(handler, withToken(await sign()))).resolves.toMatchObject({
      principalId: SUBJECT,
    });
    expect(keySet.fetches()).toBe(2);
  });

  it('refuses a token whose kid is unknown within the cooldown, without fetching again', async () => {
    const handler = authorizer();
    await authorize(handler, withToken(await sign()));
    const unknown = await signingKey('rsa-9', 'RS256');
    await expect(authorize(handler, withToken(await sign({ key: unknown })))).rejects.toThrow('Unauthorized');
    expect(keySet.fetches()).toBe(1);
  });

  it('logs a key set that cannot be fetched as an error, and refuses', async () => {
    keySet.serve('error');
    const logger = vi.fn();
    await expect(authorize(authorizer({ logger }), withToken(await sign()))).rejects.toThrow('Unauthorized');
    expect(logger).toHaveBeenCalledTimes(1);
  });

  it('logs an unreachable key set as an error, and refuses', async () => {
    await keySet.close();
    const logger = vi.fn();
    const handler = authorizer({ logger, jwksUri: `${keySet.url}/gone/jwks.json` });
    await expect(authorize(handler, withToken(await sign()))).rejects.toThrow('Unauthorized');
    expect(logger).toHaveBeenCalledTimes(1);
    keySet = await startKeySetServer([]);
  });

  it('refuses, and logs the misconfiguration, when a selected claim is an object', async () => {
    const logger = vi.fn();
    const handler = authorizer({ claims: ['address'], logger });
    await expect(
      authorize(handler, withToken(await sign({ claims: { address: { city: 'Paris' } } }))),
    ).rejects.toThrow('Unauthorized');
    expect(logger).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(logger.mock.calls[0])).toContain('claim \\"address\\"');
  });
});

describe('jwtAuthorizer with a Cognito user pool', () => {
  function accessToken(claims: JWTPayload = {}) {
    return sign({
      claims: {
        aud: undefined,
        token_use: 'access',
        client_id: CLIENT_ID,
        scope: 'aws.cognito.signin.user.admin',
        username: 'ada',
        'cognito:groups': ['admins', 'editors'],
        ...claims,
      },
    });
  }

  function idToken(claims: JWTPayload = {}) {
    return sign({
      claims: {
        aud: CLIENT_ID,
        token_use: 'id',
        'cognito:username': 'ada',
        email: 'ada@example.com',
        ...claims,
      },
    });
  }

  it('fetches the keys from the issuer /.well-known/jwks.json and checks an access token by client_id', async () => {
    const handler = authorizer({
      audience: undefined,
      clientId: CLIENT_ID,
      claims: ['username', 'cognito:groups'],
    });
    await expect(authorize(handler, withToken(await accessToken()))).resolves.toMatchObject({
      principalId: SUBJECT,
      context: { username: 'ada', 'cognito:groups': 'admins,editors' },
    });
    expect(keySet.fetches()).toBe(1);
  });

  it('refuses an access token for another app client, and an ID token, when only clientId is given', async () => {
    const handler = authorizer({ audience: undefined, clientId: CLIENT_ID });
    await expect(authorize(handler, withToken(await accessToken({ client_id: 'other' })))).rejects.toThrow(
      'Unauthorized',
    );
    await expect(authorize(handler, withToken(await idToken()))).rejects.toThrow('Unauthorized');
  });

  it('checks an ID token by aud and token_use, and refuses access tokens when only audience is given', async () => {
    const handler = authorizer({ audience: CLIENT_ID, claims: ['email'] });
    await expect(authorize(handler, withToken(await idToken()))).resolves.toMatchObject({
      context: { email: 'ada@example.com' },
    });
    await expect(authorize(handler, withToken(await idToken({ token_use: 'access' })))).rejects.toThrow(
      'Unauthorized',
    );
    await expect(authorize(handler, withToken(await accessToken()))).rejects.toThrow('Unauthorized');
  });

  it('accepts both kinds when given audience and clientId', async () => {
    const handler = authorizer({ audience: CLIENT_ID, clientId: CLIENT_ID });
    await expect(authorize(handler, withToken(await idToken()))).resolves.toMatchObject({
      principalId: SUBJECT,
    });
    await expect(authorize(handler, withToken(await accessToken()))).resolves.toMatchObject({
      principalId: SUBJECT,
    });
  });
});

describe('jwtAuthorizer token sources', () => {
  it('reads a Bearer token from a header', async () => {
    const token = await sign();
    const handler = authorizer({ tokenFrom: { header: 'Authorization' } });
    const event = createAuthorizerEvent({ headers: { Authorization: `Bearer ${token}` } });
    await expect(authorize(handler, event)).resolves.toMatchObject({ principalId: SUBJECT });
  });

  it('reads a token from the Sec-WebSocket-Protocol header', async () => {
    const token = await sign();
    const handler = authorizer({ tokenFrom: { protocol: 'access_token' } });
    const event = createAuthorizerEvent({ headers: { 'Sec-WebSocket-Protocol': `access_token, ${token}` } });
    await expect(authorize(handler, event)).resolves.toMatchObject({ principalId: SUBJECT });
  });

  it('reads a token with a function', async () => {
    const token = await sign();
    const handler = authorizer({ tokenFrom: (event) => event.stageVariables?.token });
    const event = createAuthorizerEvent({ stageVariables: { token } });
    await expect(authorize(handler, event)).resolves.toMatchObject({ principalId: SUBJECT });
  });
});

describe('jwtAuthorizer with a development secret', () => {
  const secret = 'a-development-secret-of-32-bytes!';

  function hs256(key = secret) {
    return new SignJWT({ iss: issuer, aud: AUDIENCE, sub: SUBJECT })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(key));
  }

  it('allows an HS256 token signed with the secret, without fetching any key set', async () => {
    await expect(authorize(authorizer({ secret }), withToken(await hs256()))).resolves.toMatchObject({
      principalId: SUBJECT,
    });
    expect(keySet.fetches()).toBe(0);
  });

  it('refuses an HS256 token signed with another secret, and an RS256 token', async () => {
    const handler = authorizer({ secret });
    await expect(
      authorize(handler, withToken(await hs256('another-secret-that-is-32-bytes-long'))),
    ).rejects.toThrow('Unauthorized');
    await expect(authorize(handler, withToken(await sign()))).rejects.toThrow('Unauthorized');
  });
});
