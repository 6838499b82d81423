import {
  type AuthorizerAllow,
  type AuthorizerContext,
  deny,
  ROUTE_KEYS,
  type RouteTable,
  routes,
  type SendFn,
  tokenFrom,
  type WebSocketAuthorizer,
  type WebSocketAuthorizerEvent,
  type WebSocketAuthorizerResult,
  type WebSocketContext,
  type WebSocketEvent,
  type WebSocketEventType,
  type WebSocketHandlerFn,
  type WebSocketLambdaHandler,
  type WebSocketResult,
  webSocketAuthorizer,
  webSocketLambda,
} from 'aws-framework';
import {
  createAuthorizerEvent,
  createConnectEvent,
  createLambdaContext,
  createMessageEvent,
} from 'aws-framework/testing';
import type { Context } from 'aws-lambda';
import { describe, expectTypeOf, it } from 'vitest';

describe('webSocketLambda', () => {
  it('types the body from its type argument and the context it adds', () => {
    webSocketLambda<{ message: string }>(async (event, context) => {
      expectTypeOf(event).toEqualTypeOf<WebSocketEvent<{ message: string }>>();
      expectTypeOf(event.body).toEqualTypeOf<{ message: string } | undefined>();
      expectTypeOf(context).toEqualTypeOf<WebSocketContext>();
      expectTypeOf(context.send).toEqualTypeOf<(connectionId: string, data: unknown) => Promise<void>>();
      expectTypeOf(context.send).toEqualTypeOf<SendFn>();
      expectTypeOf(context.connectionId).toEqualTypeOf<string>();
      expectTypeOf(context.routeKey).toEqualTypeOf<string>();
      expectTypeOf(context.eventType).toEqualTypeOf<'CONNECT' | 'MESSAGE' | 'DISCONNECT'>();
      expectTypeOf(context.eventType).toEqualTypeOf<WebSocketEventType>();
      // Still the Lambda context underneath.
      expectTypeOf(context).toExtend<Context>();
      expectTypeOf(context.awsRequestId).toEqualTypeOf<string>();

      // @ts-expect-error the body may be undefined (CONNECT, DISCONNECT)
      event.body.message;
      // @ts-expect-error the body type has no such field
      event.body?.other;
      // @ts-expect-error send takes a connection ID string first
      await context.send(42, 'hi');
    });
  });

  it('defaults the body to unknown', () => {
    webSocketLambda((event) => {
      expectTypeOf(event.body).toEqualTypeOf<unknown>();
    });
  });

  it('accepts a handler that returns nothing or a WebSocketResponse', () => {
    webSocketLambda(() => {});
    webSocketLambda(async () => {});
    webSocketLambda(() => ({ statusCode: 200 }));
    webSocketLambda(async () => ({ statusCode: 200, body: { ok: true }, headers: { 'x-a': 'b', 'x-n': 1 } }));
    // @ts-expect-error statusCode must be a number
    webSocketLambda(async () => ({ statusCode: '200' }));
    // @ts-expect-error a bare string is not a response
    webSocketLambda(async () => 'hello');
  });

  it('checks its options', () => {
    webSocketLambda(() => {}, { jsonBody: false, logger: false, endpoint: 'https://example.com/prod' });
    webSocketLambda(() => {}, {
      logger: (entry) => {
        expectTypeOf(entry.level).toEqualTypeOf<'error'>();
        expectTypeOf(entry.error.name).toEqualTypeOf<string>();
      },
    });
    // @ts-expect-error jsonBody is a boolean
    webSocketLambda(() => {}, { jsonBody: 'yes' });
    // @ts-expect-error logger is a function or false
    webSocketLambda(() => {}, { logger: 42 });
    // @ts-expect-error unknown option
    webSocketLambda(() => {}, { jsonbody: true });
  });

  it('returns a handler callable with a built event and a Lambda context, resolving to a result', () => {
    const handler = webSocketLambda(async () => {});
    expectTypeOf(handler).toBeCallableWith(createMessageEvent({ a: 1 }), createLambdaContext());
    expectTypeOf(handler).toBeCallableWith(null);
    expectTypeOf(handler(null)).toEqualTypeOf<Promise<WebSocketResult>>();
  });

  it('returns from .use() something still callable', () => {
    const handler = webSocketLambda(async () => {});
    const used = handler.use({
      before: (request) => {
        request.context.connectionId;
      },
    });
    expectTypeOf(used).toBeFunction();
    expectTypeOf(used.use).toBeFunction();
    const context: WebSocketContext = {
      ...createLambdaContext(),
      connectionId: 'abc=',
      routeKey: '$default',
      eventType: 'MESSAGE',
      send: async () => {},
      broadcast: async () => ({
        sent: 0,
        gone: [],
        failed: [],
        throttled: 0,
        retried: 0,
        minConcurrency: 32,
      }),
    };
    expectTypeOf(used).toBeCallableWith(createMessageEvent({ a: 1 }), context);
  });
});

describe('routes', () => {
  it('accepts routes annotated with their own body type and types their context', () => {
    const handler = webSocketLambda(
      routes({
        $connect: async () => {},
        sendMessage: async (event: WebSocketEvent<{ n: number }>, context) => {
          expectTypeOf(event.body).toEqualTypeOf<{ n: number } | undefined>();
          expectTypeOf(context).toEqualTypeOf<WebSocketContext>();
          return { statusCode: 200, body: { doubled: (event.body?.n ?? 0) * 2 } };
        },
        $default: (_event, context) => {
          expectTypeOf(context.routeKey).toEqualTypeOf<string>();
        },
      }),
    );
    expectTypeOf(handler).toBeFunction();
    expectTypeOf(routes({ a: () => {} })).toEqualTypeOf<WebSocketHandlerFn>();
  });

  it('refuses a route that is not a function', () => {
    // @ts-expect-error a route must be a function
    routes({ sendMessage: 'nope' });
  });

  it('refuses a key starting with $ other than $connect, $disconnect and $default', () => {
    routes({ $connect: () => {}, $disconnect: () => {}, $default: () => {}, send$: () => {} });
    // @ts-expect-error a misspelled lifecycle key
    routes({ $conect: () => {} });
    // @ts-expect-error lifecycle keys are case-sensitive
    routes({ $Default: async () => {}, sendMessage: async () => {} });
    // A table typed only as RouteTable has no literal keys to check; routes() checks it at run time.
    const table: RouteTable = { $conect: () => {} };
    routes(table);
  });

  it('types the route keys on the handler as an optional readonly array', () => {
    const handler = webSocketLambda(routes({ a: () => {} }));
    expectTypeOf(handler[ROUTE_KEYS]).toEqualTypeOf<readonly string[] | undefined>();
  });
});

describe('WebSocketEvent', () => {
  type RequestContext = WebSocketEvent['requestContext'];

  it('has the complete requestContext API Gateway sends', () => {
    expectTypeOf<RequestContext['routeKey']>().toEqualTypeOf<string>();
    expectTypeOf<RequestContext['eventType']>().toEqualTypeOf<'CONNECT' | 'MESSAGE' | 'DISCONNECT'>();
    expectTypeOf<RequestContext['messageDirection']>().toEqualTypeOf<'IN'>();
    expectTypeOf<RequestContext['connectionId']>().toEqualTypeOf<string>();
    expectTypeOf<RequestContext['requestId']>().toEqualTypeOf<string>();
    expectTypeOf<RequestContext['extendedRequestId']>().toEqualTypeOf<string>();
    expectTypeOf<RequestContext['requestTime']>().toEqualTypeOf<string>();
    expectTypeOf<RequestContext['requestTimeEpoch']>().toEqualTypeOf<number>();
    expectTypeOf<RequestContext['connectedAt']>().toEqualTypeOf<number>();
    expectTypeOf<RequestContext['stage']>().toEqualTypeOf<string>();
    expectTypeOf<RequestContext['domainName']>().toEqualTypeOf<string>();
    expectTypeOf<RequestContext['apiId']>().toEqualTypeOf<string>();
    expectTypeOf<RequestContext['identity']['sourceIp']>().toEqualTypeOf<string>();
    expectTypeOf<RequestContext['identity']['userAgent']>().toEqualTypeOf<string | null | undefined>();
  });

  it('has the fields only some events carry as optional', () => {
    expectTypeOf<RequestContext>().toHaveProperty('messageId');
    expectTypeOf<RequestContext['messageId']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<RequestContext['disconnectStatusCode']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<RequestContext['disconnectReason']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<NonNullable<RequestContext['authorizer']>['principalId']>().toEqualTypeOf<
      string | undefined
    >();
    // Optional, not required: an event without them is still a WebSocketEvent.
    expectTypeOf<{
      requestContext: Omit<
        RequestContext,
        'messageId' | 'disconnectStatusCode' | 'disconnectReason' | 'authorizer'
      >;
      isBase64Encoded: boolean;
    }>().toExtend<WebSocketEvent>();
  });

  it('has the top-level fields', () => {
    expectTypeOf<WebSocketEvent['isBase64Encoded']>().toEqualTypeOf<boolean>();
    expectTypeOf<WebSocketEvent['headers']>().toEqualTypeOf<Record<string, string | undefined> | undefined>();
    expectTypeOf<WebSocketEvent['multiValueHeaders']>().toEqualTypeOf<
      Record<string, string[] | undefined> | undefined
    >();
    expectTypeOf<WebSocketEvent['queryStringParameters']>().toEqualTypeOf<
      Record<string, string | undefined> | null | undefined
    >();
    expectTypeOf<WebSocketEvent['stageVariables']>().toEqualTypeOf<
      Record<string, string | undefined> | null | undefined
    >();
    expectTypeOf<WebSocketEvent<{ n: number }>['body']>().toEqualTypeOf<{ n: number } | undefined>();
  });

  it('is what the builders in aws-framework/testing return', () => {
    expectTypeOf(createMessageEvent({ a: 1 })).toEqualTypeOf<WebSocketEvent<string>>();
  });
});

describe('webSocketAuthorizer', () => {
  it('gives the function the complete authorizer event and the Lambda context', () => {
    webSocketAuthorizer((event, context) => {
      expectTypeOf(event).toEqualTypeOf<WebSocketAuthorizerEvent>();
      expectTypeOf(event.type).toEqualTypeOf<'REQUEST'>();
      expectTypeOf(event.methodArn).toEqualTypeOf<string>();
      expectTypeOf(event.headers).toEqualTypeOf<Record<string, string | undefined>>();
      expectTypeOf(event.requestContext.connectionId).toEqualTypeOf<string>();
      expectTypeOf(event.requestContext.identity.sourceIp).toEqualTypeOf<string>();
      expectTypeOf(context).toEqualTypeOf<Context>();
      return false;
    });
  });

  it('accepts an allow, a deny or a refusal, sync or async', () => {
    webSocketAuthorizer(() => ({ principalId: 'u' }));
    webSocketAuthorizer(async () => ({ principalId: 'u', context: { name: 'Ana', n: 1, ok: true } }));
    webSocketAuthorizer(() => deny('u'));
    webSocketAuthorizer(async () => deny());
    webSocketAuthorizer(() => false);
    webSocketAuthorizer(() => undefined);
    webSocketAuthorizer(async () => {});
    // @ts-expect-error principalId is a string
    webSocketAuthorizer(() => ({ principalId: 42 }));
    // @ts-expect-error context values are strings, numbers or booleans
    webSocketAuthorizer(() => ({ principalId: 'u', context: { nested: { a: 1 } } }));
    // @ts-expect-error true is not a decision
    webSocketAuthorizer(() => true);
  });

  it('types the context from its type argument and requires it when it has required keys', () => {
    type Identity = { name: string; admin: boolean };
    const handler = webSocketAuthorizer<Identity>(() => ({
      principalId: 'u',
      context: { name: 'Ana', admin: false },
    }));
    // @ts-expect-error the declared context is required
    webSocketAuthorizer<Identity>(() => ({ principalId: 'u' }));
    // @ts-expect-error name is a string
    webSocketAuthorizer<Identity>(() => ({ principalId: 'u', context: { name: 1, admin: false } }));
    // @ts-expect-error a context type must hold strings, numbers or booleans only
    webSocketAuthorizer<{ tags: string[] }>(() => false);
    expectTypeOf(handler(createAuthorizerEvent())).toEqualTypeOf<
      Promise<WebSocketAuthorizerResult<Identity>>
    >();
    expectTypeOf<AuthorizerAllow<Identity>['context']>().toEqualTypeOf<Identity>();
    expectTypeOf<AuthorizerAllow['context']>().toEqualTypeOf<AuthorizerContext | undefined>();
  });

  it('resolves to the policy API Gateway expects', () => {
    const handler = webSocketAuthorizer(() => false);
    expectTypeOf(handler).toBeCallableWith(createAuthorizerEvent(), createLambdaContext());
    expectTypeOf(handler(createAuthorizerEvent())).resolves.toEqualTypeOf<WebSocketAuthorizerResult>();
    expectTypeOf<WebSocketAuthorizerResult['policyDocument']['Statement'][0]['Effect']>().toEqualTypeOf<
      'Allow' | 'Deny'
    >();
    expectTypeOf(handler.use).toBeFunction();
  });

  it('checks its options', () => {
    webSocketAuthorizer(() => false, { logger: false });
    webSocketAuthorizer(() => false, {
      logger: (entry) => expectTypeOf(entry.level).toEqualTypeOf<'error'>(),
    });
    // @ts-expect-error logger is a function or false
    webSocketAuthorizer(() => false, { logger: true });
    // @ts-expect-error unknown option
    webSocketAuthorizer(() => false, { jsonBody: true });
  });
});

describe('tokenFrom', () => {
  it('reads authorizer and $connect events and returns string | undefined', () => {
    expectTypeOf(tokenFrom(createAuthorizerEvent(), { query: 'token' })).toEqualTypeOf<string | undefined>();
    expectTypeOf(
      tokenFrom(createConnectEvent(), { header: 'Authorization', protocol: 'access_token' }),
    ).toEqualTypeOf<string | undefined>();
    // @ts-expect-error an unknown source
    tokenFrom(createAuthorizerEvent(), { cookie: 'session' });
  });
});

describe('typed identity: the authorizer context in routes', () => {
  type Identity = { name: string; admin: boolean };

  it('flows a declared authorizer type into every route without casts', () => {
    const handler = webSocketLambda<unknown, Identity>(
      routes<Identity>({
        $connect: (event, context) => {
          expectTypeOf(event.requestContext.authorizer).toEqualTypeOf<Identity & { principalId: string }>();
          expectTypeOf(context.authorizer.admin).toEqualTypeOf<boolean>();
        },
        say: (event, context) => {
          expectTypeOf(context.authorizer.name).toEqualTypeOf<string>();
          expectTypeOf(context.authorizer.principalId).toEqualTypeOf<string>();
          expectTypeOf(event.requestContext.authorizer.principalId).toEqualTypeOf<string>();
          expectTypeOf(event.requestContext.authorizer.name).toEqualTypeOf<string>();
          // @ts-expect-error the declared identity has no such property
          context.authorizer.email;
          // @ts-expect-error nor does the event's
          event.requestContext.authorizer.email;
        },
        typed: (event: WebSocketEvent<{ text: string }, Identity>, context: WebSocketContext<Identity>) => {
          expectTypeOf(event.body).toEqualTypeOf<{ text: string } | undefined>();
          expectTypeOf(context.authorizer.name).toEqualTypeOf<string>();
        },
      }),
    );
    expectTypeOf(handler).toEqualTypeOf<WebSocketLambdaHandler<Identity>>();
  });

  it('infers the authorizer type of webSocketLambda from routes<Identity>', () => {
    const handler = webSocketLambda(routes<Identity>({ say: () => {} }));
    expectTypeOf(handler).toEqualTypeOf<WebSocketLambdaHandler<Identity>>();
    handler.before((request) => {
      expectTypeOf(request.context.authorizer.name).toEqualTypeOf<string>();
    });
  });

  it('types it on a plain function too', () => {
    webSocketLambda<{ text: string }, Identity>((event, context) => {
      expectTypeOf(event.body).toEqualTypeOf<{ text: string } | undefined>();
      expectTypeOf(context.authorizer).toEqualTypeOf<Identity & { principalId: string }>();
      expectTypeOf(event.requestContext.authorizer.admin).toEqualTypeOf<boolean>();
    });
  });

  it('keeps it optional and loose when no authorizer type is declared', () => {
    webSocketLambda(
      routes({
        say: (event, context) => {
          expectTypeOf(context.authorizer).toEqualTypeOf<WebSocketAuthorizer | undefined>();
          expectTypeOf(event.requestContext.authorizer).toEqualTypeOf<WebSocketAuthorizer | undefined>();
          // @ts-expect-error may be undefined: no authorizer declared
          context.authorizer.principalId;
        },
      }),
    );
  });

  it('refuses a route typed for another authorizer', () => {
    routes<Identity>({
      // @ts-expect-error the table's routes all see Identity
      say: (_event, context: WebSocketContext<{ tenant: string }>) => {
        context.authorizer.tenant;
      },
    });
  });

  it('still catches a misspelled $ key when the table is inferred', () => {
    // @ts-expect-error a misspelled lifecycle key
    webSocketLambda<unknown, Identity>(routes({ $conect: () => {} }));
  });
});

describe('routes without a contract', () => {
  it('types an unannotated route body as unknown, so strict code narrows it', () => {
    routes({
      say: (event) => {
        expectTypeOf(event.body).toEqualTypeOf<unknown>();
        // @ts-expect-error the body is unknown until narrowed or validated
        event.body.a.b.c;
        if (typeof event.body === 'object' && event.body !== null && 'text' in event.body) {
          expectTypeOf(event.body.text).toEqualTypeOf<unknown>();
        }
      },
      $default: async (event) => {
        expectTypeOf(event.body).toEqualTypeOf<unknown>();
      },
    });
    routes<{ name: string }>({
      say: (event) => {
        expectTypeOf(event.body).toEqualTypeOf<unknown>();
      },
    });
  });

  it('keeps routes annotated with their own body type and prebuilt handlers compiling', () => {
    const prebuilt: WebSocketHandlerFn<{ n: number }> = async (event) => ({
      statusCode: 200,
      body: event.body?.n,
    });
    routes({
      typed: (event: WebSocketEvent<{ x: string }>, context) => {
        expectTypeOf(event.body).toEqualTypeOf<{ x: string } | undefined>();
        expectTypeOf(context).toEqualTypeOf<WebSocketContext>();
      },
      raw: async (event: WebSocketEvent<string>) => ({ statusCode: 200, body: event.body?.length }),
      prebuilt,
    });
  });
});
