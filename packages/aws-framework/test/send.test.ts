import 'aws-sdk-client-mock-vitest/extend';
import {
  ApiGatewayManagementApiClient,
  ForbiddenException,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import {
  ConnectionGoneError,
  connections,
  MAX_PAYLOAD_BYTES,
  ManagementApiError,
  PayloadTooLargeError,
  webSocketLambda,
} from 'aws-framework';
import { createLambdaContext, createMessageEvent } from 'aws-framework/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const mock = mockClient(ApiGatewayManagementApiClient);

const REGION_HOST = 'execute-api.eu-west-1.amazonaws.com';
const LAMBDA_API_ID = 'sendapi1';
const LAMBDA_ENDPOINT = `https://${LAMBDA_API_ID}.${REGION_HOST}/prod`;
const DIRECT_ENDPOINT = `https://directapi1.${REGION_HOST}/prod`;
const TARGET = 'L0SM9cOFvHcCIhw=';

beforeEach(() => {
  mock.reset();
  mock.on(PostToConnectionCommand).resolves({});
  // The developer's shell must not redirect sends elsewhere.
  vi.stubEnv('WEBSOCKET_MANAGEMENT_ENDPOINT', undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

afterAll(() => {
  mock.restore();
});

type Sender = (connectionId: string, data: unknown) => Promise<void>;

/** Runs `context.send` inside a real `webSocketLambda` invocation and surfaces what it threw. */
const sendFromHandler: Sender = async (connectionId, data) => {
  let failure: unknown;
  let finished = false;
  const handler = webSocketLambda(
    async (_event, context) => {
      try {
        await context.send(connectionId, data);
      } catch (error) {
        failure = error;
      }
      finished = true;
    },
    { logger: false },
  );
  const event = createMessageEvent(
    { text: 'hi' },
    {
      requestContext: { domainName: `${LAMBDA_API_ID}.${REGION_HOST}`, apiId: LAMBDA_API_ID, stage: 'prod' },
    },
  );
  const result = await handler(event, createLambdaContext());
  expect(finished).toBe(true);
  expect(result.statusCode).toBe(200);
  if (failure !== undefined) throw failure;
};

const sendDirect: Sender = (connectionId, data) =>
  connections({ endpoint: DIRECT_ENDPOINT }).send(connectionId, data);

function postInputs() {
  return mock.commandCalls(PostToConnectionCommand).map((call) => call.args[0].input);
}

function sentBytes(): Uint8Array {
  const inputs = postInputs();
  expect(inputs).toHaveLength(1);
  const data = inputs[0]!.Data;
  // SDK v3 Data is a byte blob: the library must hand it bytes, not a string.
  expect(data).toBeInstanceOf(Uint8Array);
  return Uint8Array.from(data as Uint8Array);
}

async function endpointOfCall(index: number): Promise<string> {
  const client = mock.call(index).thisValue as ApiGatewayManagementApiClient;
  const endpoint = await (
    client.config.endpoint as () => Promise<{
      protocol: string;
      hostname: string;
      port?: number;
      path: string;
    }>
  )();
  return `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}${endpoint.path}`;
}

describe.each([
  { name: 'context.send inside webSocketLambda', send: sendFromHandler, endpoint: LAMBDA_ENDPOINT },
  { name: 'connections({ endpoint }).send', send: sendDirect, endpoint: DIRECT_ENDPOINT },
])('$name', ({ send, endpoint }) => {
  it('sends a string as its UTF-8 bytes', async () => {
    await send(TARGET, 'héllo ✓');
    const bytes = sentBytes();
    expect(Buffer.from(bytes).toString('hex')).toBe('68c3a96c6c6f20e29c93');
    expect(bytes.byteLength).toBe(10);
  });

  it('sends a Uint8Array as is', async () => {
    const payload = new Uint8Array([0x00, 0xff, 0x80, 0x7b, 0x22, 0xc3]);
    await send(TARGET, payload);
    expect(sentBytes()).toEqual(Uint8Array.from([0x00, 0xff, 0x80, 0x7b, 0x22, 0xc3]));
  });

  it('sends a Buffer as is (not as its JSON form)', async () => {
    await send(TARGET, Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]));
    expect(sentBytes()).toEqual(Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x00]));
  });

  it('sends an object as its JSON bytes', async () => {
    const message = { type: 'chat', text: 'héllo ✓', n: [1, 2, 3], nested: { ok: true } };
    await send(TARGET, message);
    const bytes = sentBytes();
    expect(Buffer.from(bytes).toString('utf8')).toBe(JSON.stringify(message));
    expect(JSON.parse(Buffer.from(bytes).toString('utf8'))).toEqual(message);
  });

  it('addresses PostToConnection to the target connection id, at the right endpoint', async () => {
    await send('OtherConn123=', 'x');
    expect(mock).toHaveReceivedCommandTimes(PostToConnectionCommand, 1);
    expect(mock).toHaveReceivedCommandWith(PostToConnectionCommand, { ConnectionId: 'OtherConn123=' });
    expect(await endpointOfCall(0)).toBe(endpoint);
  });

  it(`sends exactly ${MAX_PAYLOAD_BYTES} bytes`, async () => {
    expect(MAX_PAYLOAD_BYTES).toBe(131_072);
    await send(TARGET, 'x'.repeat(131_072));
    expect(sentBytes().byteLength).toBe(131_072);
  });

  it('refuses 131,073 bytes with PayloadTooLargeError and sends nothing', async () => {
    const error = await send(TARGET, new Uint8Array(131_073)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ byteLength: 131_073, limit: 131_072, connectionId: TARGET });
    expect(mock).toHaveReceivedCommandTimes(PostToConnectionCommand, 0);
  });

  it('counts bytes, not characters: 131,072 characters that encode to 131,073 bytes are refused', async () => {
    const text = `${'x'.repeat(131_071)}é`;
    expect(text.length).toBe(131_072);
    const error = await send(TARGET, text).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ byteLength: 131_073, limit: 131_072, connectionId: TARGET });
    expect(mock).toHaveReceivedCommandTimes(PostToConnectionCommand, 0);
  });

  it("throws ConnectionGoneError for the SDK's GoneException", async () => {
    const gone = new GoneException({ message: 'Gone', $metadata: { httpStatusCode: 410 } });
    mock.on(PostToConnectionCommand).rejects(gone);
    const error = await send(TARGET, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionGoneError);
    expect(error).not.toBeInstanceOf(ManagementApiError);
    expect((error as ConnectionGoneError).connectionId).toBe(TARGET);
    expect((error as ConnectionGoneError).name).toBe('ConnectionGoneError');
  });

  it('throws ConnectionGoneError for any error with $metadata.httpStatusCode 410', async () => {
    const plain = Object.assign(new Error('something 410'), { $metadata: { httpStatusCode: 410 } });
    mock.on(PostToConnectionCommand).rejects(plain);
    const error = await send(TARGET, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionGoneError);
    expect((error as ConnectionGoneError).connectionId).toBe(TARGET);
  });

  it("throws ManagementApiError with the SDK's error as cause on ForbiddenException", async () => {
    const forbidden = new ForbiddenException({ message: 'Forbidden', $metadata: { httpStatusCode: 403 } });
    mock.on(PostToConnectionCommand).rejects(forbidden);
    const error = await send(TARGET, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManagementApiError);
    expect(error).not.toBeInstanceOf(ConnectionGoneError);
    expect((error as ManagementApiError).cause).toBe(forbidden);
    expect(error).toMatchObject({ connectionId: TARGET, operation: 'send', httpStatusCode: 403 });
  });

  it('throws ManagementApiError with the original error as cause on a generic failure', async () => {
    const failure = new Error('socket hang up');
    mock.on(PostToConnectionCommand).rejects(failure);
    const error = await send(TARGET, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManagementApiError);
    expect((error as ManagementApiError).cause).toBe(failure);
    expect(error).toMatchObject({ connectionId: TARGET, operation: 'send', httpStatusCode: undefined });
  });

  it('throws TypeError for an empty connection id and sends nothing', async () => {
    await expect(send('', 'x')).rejects.toBeInstanceOf(TypeError);
    expect(mock).toHaveReceivedCommandTimes(PostToConnectionCommand, 0);
  });

  it('throws TypeError for undefined data and sends nothing', async () => {
    await expect(send(TARGET, undefined)).rejects.toBeInstanceOf(TypeError);
    expect(mock).toHaveReceivedCommandTimes(PostToConnectionCommand, 0);
  });
});

describe('management client reuse', () => {
  async function invokeSending(apiId: string): Promise<void> {
    const handler = webSocketLambda(
      async (_event, context) => {
        await context.send(context.connectionId, 'ping');
      },
      { logger: false },
    );
    const event = createMessageEvent(
      { text: 'hi' },
      {
        requestContext: { domainName: `${apiId}.${REGION_HOST}`, apiId, stage: 'prod' },
      },
    );
    const result = await handler(event, createLambdaContext());
    expect(result.statusCode).toBe(200);
  }

  it('uses one client per endpoint across invocations, and another client for another endpoint', async () => {
    await invokeSending('reuseone');
    await invokeSending('reuseone');
    await invokeSending('reusetwo');

    expect(mock).toHaveReceivedCommandTimes(PostToConnectionCommand, 3);
    const clients = [0, 1, 2].map((i) => mock.call(i).thisValue);
    expect(clients[0]).toBeInstanceOf(ApiGatewayManagementApiClient);
    expect(clients[1]).toBe(clients[0]);
    expect(clients[2]).not.toBe(clients[0]);
    expect(await endpointOfCall(0)).toBe(`https://reuseone.${REGION_HOST}/prod`);
    expect(await endpointOfCall(2)).toBe(`https://reusetwo.${REGION_HOST}/prod`);
  });

  it('shares the client between connections() objects and concurrent first sends to one endpoint', async () => {
    const endpoint = `https://reusethree.${REGION_HOST}/prod`;
    await Promise.all([connections({ endpoint }).send('a=', 'x'), connections({ endpoint }).send('b=', 'y')]);
    await connections({ endpoint: `${endpoint}/` }).send('c=', 'z');
    expect(mock).toHaveReceivedCommandTimes(PostToConnectionCommand, 3);
    expect(mock.call(1).thisValue).toBe(mock.call(0).thisValue);
    expect(mock.call(2).thisValue).toBe(mock.call(0).thisValue);
    expect(await endpointOfCall(0)).toBe(endpoint);
  });
});
