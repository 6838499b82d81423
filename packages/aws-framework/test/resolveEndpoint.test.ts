import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { EndpointNotResolvedError, resolveEndpoint, webSocketLambda } from 'aws-framework';
import { createLambdaContext, createMessageEvent } from 'aws-framework/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const ENV_VAR = 'WEBSOCKET_MANAGEMENT_ENDPOINT';

/** Only what resolveEndpoint reads: the request context's domain, stage and API id. */
function eventFor(domainName: string | undefined, stage = 'prod', apiId = 'abc123') {
  const event = createMessageEvent({ text: 'hi' }, { requestContext: { stage, apiId } });
  if (domainName === undefined) {
    delete (event.requestContext as { domainName?: string }).domainName;
  } else {
    event.requestContext.domainName = domainName;
  }
  return event;
}

function catching(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

beforeEach(() => {
  // Start from a known environment whatever the developer's shell holds.
  vi.stubEnv(ENV_VAR, undefined);
  vi.stubEnv('AWS_REGION', undefined);
  vi.stubEnv('AWS_DEFAULT_REGION', undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('resolveEndpoint order', () => {
  it('uses options.endpoint first, over the variable and the event', () => {
    vi.stubEnv(ENV_VAR, 'https://from-env.example.com/stage');
    const event = eventFor('abc123.execute-api.eu-west-1.amazonaws.com');
    expect(resolveEndpoint(event, { endpoint: 'https://explicit.example.com/v1' })).toBe(
      'https://explicit.example.com/v1',
    );
  });

  it('uses WEBSOCKET_MANAGEMENT_ENDPOINT next, over the event', () => {
    vi.stubEnv(ENV_VAR, 'https://from-env.example.com/stage');
    expect(resolveEndpoint(eventFor('abc123.execute-api.eu-west-1.amazonaws.com'))).toBe(
      'https://from-env.example.com/stage',
    );
    expect(resolveEndpoint(eventFor('ws.example.com'))).toBe('https://from-env.example.com/stage');
    expect(resolveEndpoint(undefined)).toBe('https://from-env.example.com/stage');
  });

  it('ignores an empty WEBSOCKET_MANAGEMENT_ENDPOINT', () => {
    vi.stubEnv(ENV_VAR, '');
    expect(resolveEndpoint(eventFor('abc123.execute-api.eu-west-1.amazonaws.com'))).toBe(
      'https://abc123.execute-api.eu-west-1.amazonaws.com/prod',
    );
  });

  it('builds https://{domainName}/{stage} for an execute-api domain', () => {
    expect(resolveEndpoint(eventFor('abc.execute-api.eu-west-1.amazonaws.com', 'dev'))).toBe(
      'https://abc.execute-api.eu-west-1.amazonaws.com/dev',
    );
    expect(resolveEndpoint(eventFor('abc.execute-api.cn-north-1.amazonaws.com.cn', 'prod'))).toBe(
      'https://abc.execute-api.cn-north-1.amazonaws.com.cn/prod',
    );
  });

  it.each(['localhost', 'localhost:3001', '127.0.0.1:3001', '[::1]:3001', '[::1]'])(
    'builds http://{domainName}/{stage} for the loopback domain %s',
    (domainName) => {
      expect(resolveEndpoint(eventFor(domainName, 'local'))).toBe(`http://${domainName}/local`);
    },
  );

  it.each(['192.168.1.20:3001', 'devbox.lan:8080', '[fd00::1]:3001'])(
    'builds http://{domainName}/{stage} for %s: a port means a local gateway, never a custom domain',
    (domainName) => {
      vi.stubEnv('AWS_REGION', 'eu-central-1');
      expect(resolveEndpoint(eventFor(domainName, 'local'))).toBe(`http://${domainName}/local`);
    },
  );

  it('builds the execute-api endpoint from apiId, AWS_REGION and stage for a custom domain', () => {
    vi.stubEnv('AWS_REGION', 'eu-central-1');
    expect(resolveEndpoint(eventFor('ws.example.com', 'prod', 'xyz789'))).toBe(
      'https://xyz789.execute-api.eu-central-1.amazonaws.com/prod',
    );
  });

  it('prefers options.region over AWS_REGION for a custom domain', () => {
    vi.stubEnv('AWS_REGION', 'eu-central-1');
    expect(resolveEndpoint(eventFor('ws.example.com', 'prod', 'xyz789'), { region: 'us-west-2' })).toBe(
      'https://xyz789.execute-api.us-west-2.amazonaws.com/prod',
    );
  });

  it.each([
    'localhost.example.com',
    '127.0.0.1.nip.io',
    'abc.execute-api.eu-west-1.amazonaws.com.evil.example',
  ])('treats the look-alike %s as a custom domain, not as loopback or execute-api', (domainName) => {
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    expect(resolveEndpoint(eventFor(domainName, 'prod', 'real42'))).toBe(
      'https://real42.execute-api.eu-west-1.amazonaws.com/prod',
    );
  });
});

describe('resolveEndpoint failures', () => {
  it('fails clearly for a custom domain without AWS_REGION', () => {
    const error = catching(() => resolveEndpoint(eventFor('ws.example.com')));
    expect(error).toBeInstanceOf(EndpointNotResolvedError);
    expect(error).toMatchObject({ name: 'EndpointNotResolvedError', missing: ['AWS_REGION'] });
    expect(error.message).toMatch(/ws\.example\.com: it needs AWS_REGION; pass options\.endpoint/);
  });

  it('fails clearly for an event without domainName', () => {
    expect(catching(() => resolveEndpoint(eventFor(undefined)))).toMatchObject({
      name: 'EndpointNotResolvedError',
      missing: ['requestContext.domainName'],
    });
    for (const event of [undefined, null]) {
      const error = catching(() => resolveEndpoint(event));
      expect(error).toBeInstanceOf(EndpointNotResolvedError);
      expect(error).toMatchObject({ missing: ['requestContext.domainName', 'requestContext.stage'] });
      expect(error.message).toMatch(/no requestContext\.domainName or requestContext\.stage/);
    }
  });

  it.each(['not a url', 'ftp://x'])('throws TypeError for the explicit endpoint %j', (endpoint) => {
    const event = eventFor('abc.execute-api.eu-west-1.amazonaws.com');
    expect(() => resolveEndpoint(event, { endpoint })).toThrow(TypeError);
    vi.stubEnv(ENV_VAR, endpoint);
    expect(() => resolveEndpoint(event)).toThrow(TypeError);
    expect(() => resolveEndpoint(event)).toThrow(/WEBSOCKET|endpoint/i);
  });

  it('trims trailing slashes from an explicit endpoint', () => {
    expect(
      resolveEndpoint(undefined, { endpoint: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/' }),
    ).toBe('https://abc.execute-api.eu-west-1.amazonaws.com/prod');
    expect(resolveEndpoint(undefined, { endpoint: 'http://localhost:3001/local//' })).toBe(
      'http://localhost:3001/local',
    );
    vi.stubEnv(ENV_VAR, 'https://env.example.com/stage/');
    expect(resolveEndpoint(undefined)).toBe('https://env.example.com/stage');
  });
});

describe('webSocketLambda endpoint option', () => {
  const mock = mockClient(ApiGatewayManagementApiClient);

  beforeEach(() => {
    mock.reset();
    mock.on(PostToConnectionCommand).resolves({});
  });

  afterAll(() => {
    mock.restore();
  });

  async function clientEndpoint(callIndex: number): Promise<string> {
    const client = mock.call(callIndex).thisValue as ApiGatewayManagementApiClient;
    const { protocol, hostname, port, path } = await (
      client.config.endpoint as () => Promise<{
        protocol: string;
        hostname: string;
        port?: number;
        path: string;
      }>
    )();
    return `${protocol}//${hostname}${port ? `:${port}` : ''}${path}`;
  }

  async function invoke(options: { endpoint?: string }, domainName: string): Promise<void> {
    let failure: unknown;
    const handler = webSocketLambda(
      async (_event, context) => {
        try {
          await context.send(context.connectionId, 'ping');
        } catch (error) {
          failure = error;
        }
      },
      { logger: false, ...options },
    );
    const result = await handler(eventFor(domainName), createLambdaContext());
    expect(result.statusCode).toBe(200);
    if (failure !== undefined) throw failure;
  }

  it('sends to the endpoint option rather than the one the event implies', async () => {
    vi.stubEnv(ENV_VAR, 'https://from-env.example.com/ignored');
    await invoke(
      { endpoint: 'https://option1.execute-api.us-east-2.amazonaws.com/blue/' },
      'evtapi.execute-api.eu-west-1.amazonaws.com',
    );
    expect(mock.commandCalls(PostToConnectionCommand)).toHaveLength(1);
    expect(await clientEndpoint(0)).toBe('https://option1.execute-api.us-east-2.amazonaws.com/blue');
  });

  it('without the option, sends to the endpoint resolved from the event', async () => {
    await invoke({}, 'evtapi2.execute-api.eu-west-1.amazonaws.com');
    expect(mock.commandCalls(PostToConnectionCommand)).toHaveLength(1);
    expect(await clientEndpoint(0)).toBe('https://evtapi2.execute-api.eu-west-1.amazonaws.com/prod');
  });

  it('without the option, a custom domain with no region fails the send clearly and sends nothing', async () => {
    await expect(invoke({}, 'ws.example.com')).rejects.toThrow(/AWS_REGION/);
    expect(mock.commandCalls(PostToConnectionCommand)).toHaveLength(0);
  });

  it('refuses an invalid endpoint option when the handler is made', () => {
    expect(() => webSocketLambda(() => undefined, { endpoint: 'not a url' })).toThrow(TypeError);
    expect(() => webSocketLambda(() => undefined, { endpoint: 'ftp://x' })).toThrow(TypeError);
  });
});
