import 'aws-sdk-client-mock-vitest/extend';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  ForbiddenException,
  GetConnectionCommand,
  GoneException,
  LimitExceededException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { ConnectionGoneError, connections, ManagementApiError } from 'aws-framework';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const ENV_VAR = 'WEBSOCKET_MANAGEMENT_ENDPOINT';
const ENDPOINT = 'https://connapi.execute-api.eu-west-1.amazonaws.com/prod';
const ID = 'L0SM9cOFvHcCIhw=';

const mock = mockClient(ApiGatewayManagementApiClient);

beforeEach(() => {
  mock.reset();
  vi.stubEnv(ENV_VAR, undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

afterAll(() => {
  mock.restore();
});

function gone() {
  return new GoneException({ message: 'Gone', $metadata: { httpStatusCode: 410 } });
}

async function clientEndpoint(callIndex: number): Promise<string> {
  const client = mock.call(callIndex).thisValue as ApiGatewayManagementApiClient;
  const { protocol, hostname, path } = await (
    client.config.endpoint as () => Promise<{
      protocol: string;
      hostname: string;
      path: string;
    }>
  )();
  return `${protocol}//${hostname}${path}`;
}

describe('connections()', () => {
  it('returns send, disconnect and info functions', () => {
    const ws = connections({ endpoint: ENDPOINT });
    expect(typeof ws.send).toBe('function');
    expect(typeof ws.disconnect).toBe('function');
    expect(typeof ws.info).toBe('function');
  });

  it('throws TypeError with no endpoint and no WEBSOCKET_MANAGEMENT_ENDPOINT', () => {
    expect(() => connections()).toThrow(TypeError);
    expect(() => connections({})).toThrow(/WEBSOCKET_MANAGEMENT_ENDPOINT/);
  });

  it('throws TypeError for an invalid endpoint', () => {
    expect(() => connections({ endpoint: 'not a url' })).toThrow(TypeError);
    expect(() => connections({ endpoint: 'ftp://x' })).toThrow(TypeError);
  });

  it('falls back to WEBSOCKET_MANAGEMENT_ENDPOINT', async () => {
    vi.stubEnv(ENV_VAR, 'https://envapi.execute-api.eu-west-1.amazonaws.com/staging/');
    mock.on(PostToConnectionCommand).resolves({});
    await connections().send(ID, 'x');
    expect(mock).toHaveReceivedCommandWith(PostToConnectionCommand, { ConnectionId: ID });
    expect(await clientEndpoint(0)).toBe('https://envapi.execute-api.eu-west-1.amazonaws.com/staging');
  });
});

describe('disconnect', () => {
  it('sends DeleteConnection for the connection and resolves', async () => {
    mock.on(DeleteConnectionCommand).resolves({});
    await expect(connections({ endpoint: ENDPOINT }).disconnect(ID)).resolves.toBeUndefined();
    expect(mock).toHaveReceivedCommandTimes(DeleteConnectionCommand, 1);
    expect(mock).toHaveReceivedCommandWith(DeleteConnectionCommand, { ConnectionId: ID });
    expect(await clientEndpoint(0)).toBe(ENDPOINT);
  });

  it('resolves when the connection is already gone (GoneException)', async () => {
    mock.on(DeleteConnectionCommand).rejects(gone());
    await expect(connections({ endpoint: ENDPOINT }).disconnect(ID)).resolves.toBeUndefined();
    expect(mock).toHaveReceivedCommandTimes(DeleteConnectionCommand, 1);
  });

  it('resolves when the failure carries status 410', async () => {
    mock
      .on(DeleteConnectionCommand)
      .rejects(Object.assign(new Error('status 410'), { $metadata: { httpStatusCode: 410 } }));
    await expect(connections({ endpoint: ENDPOINT }).disconnect(ID)).resolves.toBeUndefined();
  });

  it('throws ManagementApiError for any other failure, with the SDK error as cause', async () => {
    const forbidden = new ForbiddenException({ message: 'Forbidden', $metadata: { httpStatusCode: 403 } });
    mock.on(DeleteConnectionCommand).rejects(forbidden);
    const error = await connections({ endpoint: ENDPOINT })
      .disconnect(ID)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManagementApiError);
    expect(error).not.toBeInstanceOf(ConnectionGoneError);
    expect((error as ManagementApiError).cause).toBe(forbidden);
    expect(error).toMatchObject({ connectionId: ID, operation: 'disconnect', httpStatusCode: 403 });
  });

  it('throws TypeError for an empty connection id and sends nothing', async () => {
    await expect(connections({ endpoint: ENDPOINT }).disconnect('')).rejects.toBeInstanceOf(TypeError);
    expect(mock).toHaveReceivedCommandTimes(DeleteConnectionCommand, 0);
  });
});

describe('info', () => {
  it('returns Dates and the identity from GetConnection', async () => {
    mock.on(GetConnectionCommand, { ConnectionId: ID }).resolves({
      ConnectedAt: new Date('2026-01-01T00:00:00.000Z'),
      LastActiveAt: new Date('2026-01-01T00:05:30.250Z'),
      Identity: { SourceIp: '1.2.3.4', UserAgent: 'ua/1.0' },
    });
    const info = await connections({ endpoint: ENDPOINT }).info(ID);
    expect(info).toEqual({
      connectedAt: new Date('2026-01-01T00:00:00.000Z'),
      lastActiveAt: new Date('2026-01-01T00:05:30.250Z'),
      sourceIp: '1.2.3.4',
      userAgent: 'ua/1.0',
    });
    expect(info.connectedAt).toBeInstanceOf(Date);
    expect(info.lastActiveAt).toBeInstanceOf(Date);
    expect(mock).toHaveReceivedCommandExactlyOnceWith(GetConnectionCommand, { ConnectionId: ID });
  });

  it('throws ConnectionGoneError on GoneException', async () => {
    mock.on(GetConnectionCommand).rejects(gone());
    const error = await connections({ endpoint: ENDPOINT })
      .info(ID)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionGoneError);
    expect((error as ConnectionGoneError).connectionId).toBe(ID);
  });

  it('throws ConnectionGoneError on any error with status 410', async () => {
    mock
      .on(GetConnectionCommand)
      .rejects(Object.assign(new Error('status 410'), { $metadata: { httpStatusCode: 410 } }));
    await expect(connections({ endpoint: ENDPOINT }).info(ID)).rejects.toBeInstanceOf(ConnectionGoneError);
  });

  it('throws ManagementApiError for other failures', async () => {
    const limited = new LimitExceededException({
      message: 'Limit exceeded',
      $metadata: { httpStatusCode: 429 },
    });
    mock.on(GetConnectionCommand).rejects(limited);
    const error = await connections({ endpoint: ENDPOINT })
      .info(ID)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManagementApiError);
    expect((error as ManagementApiError).cause).toBe(limited);
    expect(error).toMatchObject({ connectionId: ID, operation: 'info', httpStatusCode: 429 });
  });

  it('throws TypeError for an empty connection id and sends nothing', async () => {
    await expect(connections({ endpoint: ENDPOINT }).info('')).rejects.toBeInstanceOf(TypeError);
    expect(mock).toHaveReceivedCommandTimes(GetConnectionCommand, 0);
  });
});
