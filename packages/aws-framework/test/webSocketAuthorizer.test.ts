import { createError } from '@middy/util';
import {
  type AuthorizerContext,
  deny,
  type ErrorLogEntry,
  type WebSocketAuthorizerOptions,
  webSocketAuthorizer,
} from 'aws-framework';
import { createAuthorizerEvent, createLambdaContext } from 'aws-framework/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Silences and records console.error for the duration of one test. */
function spyOnConsoleError() {
  return vi.spyOn(console, 'error').mockImplementation(() => {});
}

const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123defg/prod/$connect';

function policyFor(effect: 'Allow' | 'Deny', resource = METHOD_ARN) {
  return {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
  };
}

/** Runs the handler and returns what it rejected with; fails the test if it resolved. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the authorizer to reject');
}

/** The first entry a mock logger received; fails the test if there is none. */
function firstEntry(logger: { mock: { calls: ErrorLogEntry[][] } }): ErrorLogEntry {
  const entry = logger.mock.calls[0]?.[0];
  if (!entry) throw new Error('expected the logger to have been called');
  return entry;
}

/** Asserts the invocation failed the way API Gateway reads as 401: exactly Error('Unauthorized'). */
async function expectUnauthorized(promise: Promise<unknown>): Promise<void> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).toBe('Unauthorized');
  expect((error as Error).name).toBe('Error');
}

describe('webSocketAuthorizer: allow', () => {
  it('answers { principalId, context } with an Allow policy for the event’s method ARN', async () => {
    const handler = webSocketAuthorizer(async () => ({
      principalId: 'user-1',
      context: { name: 'Ana', level: 3, admin: false },
    }));

    const result = await handler(createAuthorizerEvent(), createLambdaContext());

    expect(result).toEqual({
      principalId: 'user-1',
      policyDocument: policyFor('Allow'),
      context: { name: 'Ana', level: 3, admin: false },
    });
  });

  it('omits context when the function gives none', async () => {
    const handler = webSocketAuthorizer(() => ({ principalId: 'user-1' }));

    const result = await handler(createAuthorizerEvent(), createLambdaContext());

    expect(result).toEqual({ principalId: 'user-1', policyDocument: policyFor('Allow') });
    expect(Object.keys(result)).not.toContain('context');
  });

  it('scopes the policy to the method ARN of the event it was given (another stage, another API)', async () => {
    const handler = webSocketAuthorizer(() => ({ principalId: 'user-1' }));
    const event = createAuthorizerEvent({ requestContext: { apiId: 'zyx987wvut', stage: 'dev' } });

    const result = await handler(event, createLambdaContext());

    expect(event.methodArn).toBe('arn:aws:execute-api:eu-west-1:123456789012:zyx987wvut/dev/$connect');
    expect(result.policyDocument.Statement[0]?.Resource).toBe(event.methodArn);
  });

  it('gives the function the event and the Lambda context as received', async () => {
    const fn = vi.fn(() => ({ principalId: 'user-1' }));
    const event = createAuthorizerEvent({ queryStringParameters: { token: 't' } });
    const lambdaContext = createLambdaContext();

    await webSocketAuthorizer(fn)(event, lambdaContext);

    expect(fn).toHaveBeenCalledTimes(1);
    expect(fn.mock.calls[0]?.slice(0, 2)).toEqual([event, expect.objectContaining(lambdaContext)]);
  });

  it('accepts the edge values API Gateway accepts in context: empty strings, 0, negative numbers, false', async () => {
    const handler = webSocketAuthorizer(() => ({
      principalId: 'p',
      context: { empty: '', zero: 0, negative: -1.5, no: false },
    }));

    const result = await handler(createAuthorizerEvent(), createLambdaContext());

    expect(result.context).toEqual({ empty: '', zero: 0, negative: -1.5, no: false });
  });
});

describe('webSocketAuthorizer: refuse and deny', () => {
  it.each<[string, false | undefined]>([
    ['false', false],
    ['undefined', undefined],
  ])('fails with Unauthorized (401) when the function returns %s, logging nothing', async (_, returned) => {
    const consoleError = spyOnConsoleError();
    const handler = webSocketAuthorizer(async () => returned);

    await expectUnauthorized(handler(createAuthorizerEvent(), createLambdaContext()));
    expect(consoleError).not.toHaveBeenCalled();
  });

  it('fails with Unauthorized when the function returns nothing at all', async () => {
    const handler = webSocketAuthorizer(() => {});

    await expectUnauthorized(handler(createAuthorizerEvent(), createLambdaContext()));
  });

  it('treats the classic throw new Error("Unauthorized") as a refusal, not a failure to log', async () => {
    const consoleError = spyOnConsoleError();
    const handler = webSocketAuthorizer(() => {
      throw new Error('Unauthorized');
    });

    await expectUnauthorized(handler(createAuthorizerEvent(), createLambdaContext()));
    expect(consoleError).not.toHaveBeenCalled();
  });

  it('answers deny(principalId) with a Deny policy for the event’s method ARN (403)', async () => {
    const handler = webSocketAuthorizer(() => deny('user-1'));

    const result = await handler(createAuthorizerEvent(), createLambdaContext());

    expect(result).toEqual({ principalId: 'user-1', policyDocument: policyFor('Deny') });
  });

  it('gives deny() a principal even when none is named: AWS answers 500 to a policy without one', async () => {
    const handler = webSocketAuthorizer(async () => deny());

    const result = await handler(createAuthorizerEvent(), createLambdaContext());

    expect(result.principalId).toBe('anonymous');
    expect(result.policyDocument.Statement[0]?.Effect).toBe('Deny');
  });

  it.each([[''], [42], [null]])('deny(%j) throws a TypeError', (principalId) => {
    expect(() => deny(principalId as string)).toThrow(TypeError);
  });

  it('does not mistake an allow for a deny, or a deny for an allow', async () => {
    const allowed = await webSocketAuthorizer(() => ({ principalId: 'deny' }))(
      createAuthorizerEvent(),
      createLambdaContext(),
    );
    const denied = await webSocketAuthorizer(() => deny('allow'))(
      createAuthorizerEvent(),
      createLambdaContext(),
    );

    expect(allowed.policyDocument.Statement[0]?.Effect).toBe('Allow');
    expect(denied.policyDocument.Statement[0]?.Effect).toBe('Deny');
  });
});

describe('webSocketAuthorizer: failures are logged, then Unauthorized', () => {
  it('logs a thrown error once as one JSON line and fails with Unauthorized, never its message', async () => {
    const consoleError = spyOnConsoleError();
    const event = createAuthorizerEvent();
    const lambdaContext = createLambdaContext();
    const thrown = new TypeError('secret db password');
    const handler = webSocketAuthorizer(async () => {
      throw thrown;
    });

    const error = await rejectionOf(handler(event, lambdaContext));

    expect(error).toEqual(new Error('Unauthorized'));
    expect(String((error as Error).stack)).not.toContain('secret');
    expect(consoleError).toHaveBeenCalledTimes(1);
    expect(JSON.parse(consoleError.mock.calls[0]?.[0] as string)).toEqual({
      level: 'error',
      message: 'WebSocket authorizer failed',
      error: { name: 'TypeError', message: 'secret db password', stack: thrown.stack },
      requestId: event.requestContext.requestId,
      awsRequestId: lambdaContext.awsRequestId,
      connectionId: event.requestContext.connectionId,
      routeKey: '$connect',
    });
  });

  it('logs and refuses an error thrown by a middleware added with .use()', async () => {
    const logger = vi.fn<(entry: ErrorLogEntry) => void>();
    const fn = vi.fn(() => ({ principalId: 'user-1' }));
    const handler = webSocketAuthorizer(fn, { logger }).use({
      before: () => {
        throw new Error('rate limiter down');
      },
    });

    await expectUnauthorized(handler(createAuthorizerEvent(), createLambdaContext()));
    expect(fn).not.toHaveBeenCalled();
    expect(logger).toHaveBeenCalledTimes(1);
    expect(firstEntry(logger).error.message).toBe('rate limiter down');
  });

  it('refuses a client error (createError(403)) as Unauthorized too, logged: an authorizer has no other answer', async () => {
    const logger = vi.fn<(entry: ErrorLogEntry) => void>();
    const handler = webSocketAuthorizer(
      () => {
        throw createError(403, 'Forbidden');
      },
      { logger },
    );

    await expectUnauthorized(handler(createAuthorizerEvent(), createLambdaContext()));
    expect(logger).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['an object', { nested: { a: 1 } }, 'an object'],
    ['an array', { list: [1, 2] }, 'an array'],
    ['null', { gone: null }, 'null'],
    ['undefined', { missing: undefined }, 'a undefined'],
    ['a bigint', { big: 10n }, 'a bigint'],
    ['NaN', { ratio: Number.NaN }, 'NaN'],
    ['Infinity', { ratio: Number.POSITIVE_INFINITY }, 'Infinity'],
    ['a function', { fn: () => 1 }, 'a function'],
  ])('refuses a context value that is %s with a logged TypeError naming the key', async (_, context, got) => {
    const logger = vi.fn<(entry: ErrorLogEntry) => void>();
    const [key] = Object.keys(context);
    const handler = webSocketAuthorizer(
      () => ({ principalId: 'user-1', context: context as unknown as AuthorizerContext }),
      { logger },
    );

    await expectUnauthorized(handler(createAuthorizerEvent(), createLambdaContext()));
    expect(logger).toHaveBeenCalledTimes(1);
    const { error } = firstEntry(logger);
    expect(error.name).toBe('TypeError');
    expect(error.message).toContain(`context "${key}"`);
    expect(error.message).toContain(got);
  });

  it.each([
    ['an array', ['a']],
    ['a string', 'name=Ana'],
    ['null', null],
  ])('refuses a context that is %s, logged', async (_, context) => {
    const logger = vi.fn<(entry: ErrorLogEntry) => void>();
    const handler = webSocketAuthorizer(
      () => ({ principalId: 'user-1', context: context as unknown as AuthorizerContext }),
      { logger },
    );

    await expectUnauthorized(handler(createAuthorizerEvent(), createLambdaContext()));
    expect(firstEntry(logger).error.message).toMatch(/context must be an object/);
  });

  it.each([['principalId'], ['integrationLatency']])(
    'refuses a context key "%s", which would collide with what API Gateway puts beside the context',
    async (key) => {
      const logger = vi.fn<(entry: ErrorLogEntry) => void>();
      const handler = webSocketAuthorizer(() => ({ principalId: 'user-1', context: { [key]: 'x' } }), {
        logger,
      });

      await expectUnauthorized(handler(createAuthorizerEvent(), createLambdaContext()));
      expect(firstEntry(logger).error.message).toContain(`"${key}"`);
    },
  );

  it.each([
    ['missing', {}],
    ['empty', { principalId: '' }],
    ['a number', { principalId: 42 }],
    ['null', { principalId: null }],
  ])('refuses an allow whose principalId is %s, with a logged TypeError', async (_, returned) => {
    const logger = vi.fn<(entry: ErrorLogEntry) => void>();
    const handler = webSocketAuthorizer(() => returned as never, { logger });

    await expectUnauthorized(handler(createAuthorizerEvent(), createLambdaContext()));
    const { error } = firstEntry(logger);
    expect(error.name).toBe('TypeError');
    expect(error.message).toMatch(/principalId must be a non-empty string/);
  });

  it.each([
    ['true', true],
    ['null', null],
    ['a string', 'user-1'],
    ['an array', [{ principalId: 'user-1' }]],
    ['a ready-made policy', { principalId: 'u', policyDocument: {} }],
  ])('refuses a result that is %s, with a logged TypeError', async (_, returned) => {
    const logger = vi.fn<(entry: ErrorLogEntry) => void>();
    const handler = webSocketAuthorizer(() => returned as never, { logger });

    await expectUnauthorized(handler(createAuthorizerEvent(), createLambdaContext()));
    expect(logger).toHaveBeenCalledTimes(1);
    expect(firstEntry(logger).error.name).toBe('TypeError');
  });

  it.each([
    ['null', null],
    ['a $connect integration event (no methodArn)', { requestContext: { routeKey: '$connect' } }],
    ['an empty methodArn', { ...createAuthorizerEvent(), methodArn: '' }],
  ])('refuses %s without running the function, logged', async (_, event) => {
    const logger = vi.fn<(entry: ErrorLogEntry) => void>();
    const fn = vi.fn(() => ({ principalId: 'user-1' }));

    await expectUnauthorized(webSocketAuthorizer(fn, { logger })(event, createLambdaContext()));
    expect(fn).not.toHaveBeenCalled();
    expect(firstEntry(logger).error.message).toMatch(/methodArn/);
  });

  it('logs nothing with logger: false and still fails with Unauthorized', async () => {
    const consoleError = spyOnConsoleError();
    const handler = webSocketAuthorizer(
      () => {
        throw new Error('boom');
      },
      { logger: false },
    );

    await expectUnauthorized(handler(createAuthorizerEvent(), createLambdaContext()));
    expect(consoleError).not.toHaveBeenCalled();
  });

  it('still fails with Unauthorized when the logger throws', async () => {
    const handler = webSocketAuthorizer(
      () => {
        throw new Error('boom');
      },
      {
        logger: () => {
          throw new Error('log sink down');
        },
      },
    );

    await expectUnauthorized(handler(createAuthorizerEvent(), createLambdaContext()));
  });

  it('logs whatever was thrown: a string, undefined', async () => {
    const logger = vi.fn<(entry: ErrorLogEntry) => void>();
    await expectUnauthorized(
      webSocketAuthorizer(
        () => {
          throw 'plain string';
        },
        { logger },
      )(createAuthorizerEvent()),
    );
    await expectUnauthorized(
      webSocketAuthorizer(
        () => {
          throw undefined;
        },
        { logger },
      )(createAuthorizerEvent()),
    );

    expect(logger.mock.calls.map(([entry]) => entry.error)).toEqual([
      { name: 'string', message: 'plain string' },
      { name: 'undefined', message: 'undefined' },
    ]);
  });

  it('keeps a response set by a middleware’s onError, as Middy does', async () => {
    const handler = webSocketAuthorizer(() => {
      throw new Error('boom');
    }).use({
      onError: (request) => {
        request.response = { principalId: 'fallback', policyDocument: policyFor('Deny') } as never;
      },
    });

    const result = await handler(createAuthorizerEvent(), createLambdaContext());

    expect(result.principalId).toBe('fallback');
  });
});

describe('webSocketAuthorizer: construction', () => {
  it('returns the Middy instance, so .use() adds middlewares that see the raw decision first', async () => {
    const seen: unknown[] = [];
    const handler = webSocketAuthorizer(() => ({ principalId: 'user-1' })).use({
      after: (request) => {
        seen.push(request.response);
      },
    });

    const result = await handler(createAuthorizerEvent(), createLambdaContext());

    expect(seen).toEqual([{ principalId: 'user-1' }]);
    expect(result.policyDocument.Statement[0]?.Effect).toBe('Allow');
  });

  it.each([
    ['an unknown key', { loger: false }, /unknown option "loger"/],
    ['logger: 42', { logger: 42 }, /option "logger" must be a function or false/],
    ['logger: true', { logger: true }, /option "logger"/],
    ['null', null, /options must be an object/],
  ])('throws a TypeError naming the option at construction for %s', (_, options, message) => {
    const fn = vi.fn();

    expect(() => webSocketAuthorizer(fn, options as unknown as WebSocketAuthorizerOptions)).toThrow(
      expect.objectContaining({ name: 'OptionsError', message: expect.stringMatching(message) }),
    );
    expect(fn).not.toHaveBeenCalled();
  });

  it('throws a TypeError when fn is not a function', () => {
    expect(() => webSocketAuthorizer('nope' as never)).toThrow(TypeError);
  });

  it('answers concurrent invocations each with its own event’s method ARN', async () => {
    const handler = webSocketAuthorizer(async (event) => {
      await new Promise((resolve) => setTimeout(resolve, event.requestContext.stage === 'a' ? 20 : 0));
      return { principalId: event.requestContext.stage };
    });
    const a = createAuthorizerEvent({ requestContext: { stage: 'a' } });
    const b = createAuthorizerEvent({ requestContext: { stage: 'b' } });

    const [ra, rb] = await Promise.all([handler(a), handler(b)]);

    expect(ra.policyDocument.Statement[0]?.Resource).toBe(a.methodArn);
    expect(rb.policyDocument.Statement[0]?.Resource).toBe(b.methodArn);
    expect([ra.principalId, rb.principalId]).toEqual(['a', 'b']);
  });
});
