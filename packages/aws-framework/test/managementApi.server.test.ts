import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ConnectionGoneError,
  connections,
  ManagementApiError,
  PayloadTooLargeError,
  UnexpectedAnswerError,
  webSocketLambda,
} from 'aws-framework';
import { createConnectEvent, createLambdaContext } from 'aws-framework/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Transport } from '../src/connections/transport.js';
import { parseAuthorization, verifySignature } from './sigv4.js';

/**
 * A real HTTP server stands in for the API Gateway management API: no SDK mocks, so these tests
 * see the requests each transport actually puts on the wire (signed: the server re-signs them to
 * verify), the SDK's real error parsing, and both transports' retries. One suite, two transports.
 */

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

type Responder = (request: Recorded, response: ServerResponse) => void;

const requests: Recorded[] = [];
let respond: Responder;
let server: Server;
let port: number;
let stageCounter = 0;

const defaultResponder: Responder = (request, response) => {
  if (request.method === 'DELETE') {
    response.writeHead(204).end();
  } else {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  }
};

function answerError(response: ServerResponse, status: number, type: string, message: string) {
  response
    .writeHead(status, { 'content-type': 'application/json', 'x-amzn-ErrorType': type })
    .end(JSON.stringify({ message }));
}

/** A fresh stage per test: each gets its own cached client, so no test sees another's state. */
const newEndpoint = () => `http://127.0.0.1:${port}/s${++stageCounter}`;

// These would change which credentials the SDK signs with, or where a send goes.
const ENV_KEYS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI',
  'AWS_MAX_ATTEMPTS',
  'AWS_RETRY_MODE',
  'WEBSOCKET_MANAGEMENT_ENDPOINT',
];

beforeAll(async () => {
  // vi.stubEnv with undefined deletes the key (an empty string would not be "unset").
  for (const key of ENV_KEYS) vi.stubEnv(key, undefined);
  for (const key of ENV_KEYS) expect(key in process.env).toBe(false);

  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(recorded);
      respond(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests.length = 0;
  respond = defaultResponder;
});

const IDS = ['L0SM9cOFvHcCIhw=', 'a+b/c='];
const LOCAL = { accessKeyId: 'local', secretAccessKey: 'local' };

describe.each<Transport>(['sdk', 'direct'])('the %s transport over HTTP', (transport) => {
  const ws = () => connections({ endpoint: newEndpoint(), transport });

  describe('send', () => {
    it.each(IDS)('POSTs to /{stage}/@connections/{id} with the id %s URL-encoded', async (id) => {
      const endpoint = newEndpoint();
      await connections({ endpoint, transport }).send(id, 'hello');
      expect(requests).toHaveLength(1);
      const [request] = requests;
      const stage = new URL(endpoint).pathname;
      expect(request!.method).toBe('POST');
      expect(request!.url).toBe(`${stage}/@connections/${encodeURIComponent(id)}`);
      expect(decodeURIComponent(request!.url.slice(`${stage}/@connections/`.length))).toBe(id);
    });

    it('carries a string as its exact UTF-8 bytes', async () => {
      await ws().send(IDS[0]!, 'héllo ✓');
      expect(requests[0]!.body.toString('hex')).toBe(Buffer.from('héllo ✓', 'utf8').toString('hex'));
    });

    it('carries an object as its JSON bytes', async () => {
      const message = { type: 'chat', text: 'héllo ✓', list: [1, null, 'x'] };
      await ws().send(IDS[0]!, message);
      expect(requests[0]!.body.toString('utf8')).toBe(JSON.stringify(message));
    });

    it('carries binary data unchanged', async () => {
      const bytes = Uint8Array.from([0x00, 0xff, 0x80, 0xc3, 0x28, 0x0a, 0x7f]);
      await ws().send(IDS[0]!, bytes);
      expect([...requests[0]!.body]).toEqual([...bytes]);
    });

    it('signs with the placeholder local credentials when AWS_ACCESS_KEY_ID is unset, verifiably', async () => {
      await ws().send(IDS[1]!, 'x');
      const [request] = requests;
      const auth = parseAuthorization(request!.headers.authorization);
      expect(auth).toMatchObject({ accessKeyId: 'local', region: 'us-east-1', service: 'execute-api' });
      expect(auth.signedHeaders).toEqual(
        expect.arrayContaining(['host', 'x-amz-content-sha256', 'x-amz-date']),
      );
      await verifySignature(request!, LOCAL);
      await expect(verifySignature(request!, { ...LOCAL, secretAccessKey: 'other' })).rejects.toThrow(
        /does not verify/,
      );
    });

    it('gives ConnectionGoneError for a 410 GoneException answer, without retrying', async () => {
      respond = (_request, response) => answerError(response, 410, 'GoneException', 'Gone');
      const error = await ws()
        .send(IDS[1]!, 'x')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionGoneError);
      expect((error as ConnectionGoneError).connectionId).toBe(IDS[1]);
      expect(((error as Error).cause as Error).name).toBe('GoneException');
      expect(requests).toHaveLength(1);
    });

    it("gives ManagementApiError with the status and AWS's error type for 403, without retrying", async () => {
      respond = (_request, response) => answerError(response, 403, 'ForbiddenException', 'Forbidden');
      const error = await ws()
        .send(IDS[0]!, 'x')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ManagementApiError);
      expect(error).toMatchObject({
        httpStatusCode: 403,
        errorType: 'ForbiddenException',
        operation: 'send',
        connectionId: IDS[0],
      });
      expect((error as Error).cause).toMatchObject({
        name: 'ForbiddenException',
        message: 'Forbidden',
        $fault: 'client',
        $metadata: { httpStatusCode: 403, attempts: 1 },
      });
      expect(requests).toHaveLength(1);
    });

    it('gives PayloadTooLargeError for a 413 answer, the answer as its cause', async () => {
      respond = (_request, response) => answerError(response, 413, 'PayloadTooLargeException', 'Too large');
      const error = await ws()
        .send(IDS[0]!, 'xyz')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect(error).toMatchObject({ connectionId: IDS[0], byteLength: 3, limit: 131_072 });
      expect((error as Error).cause).toMatchObject({ name: 'PayloadTooLargeException' });
    });

    it('retries a 429 LimitExceededException and succeeds (the SDK standard mode)', async () => {
      respond = (request, response) => {
        if (requests.length === 1) answerError(response, 429, 'LimitExceededException', 'Rate exceeded');
        else defaultResponder(request, response);
      };
      await ws().send(IDS[0]!, 'x');
      expect(requests).toHaveLength(2);
      expect(requests[1]!.body.toString()).toBe('x');
    });

    it('makes 3 attempts on a lasting 500, then gives ManagementApiError (error type Unknown)', async () => {
      respond = (_request, response) =>
        response
          .writeHead(500, { 'content-type': 'application/json' })
          .end('{"message":"Internal server error"}');
      const error = await ws()
        .send(IDS[0]!, 'x')
        .catch((e: unknown) => e);
      expect(requests).toHaveLength(3);
      expect(error).toBeInstanceOf(ManagementApiError);
      expect(error).toMatchObject({ httpStatusCode: 500, errorType: 'Unknown' });
      expect((error as Error).cause).toMatchObject({ $fault: 'server', $metadata: { attempts: 3 } });
    });

    it('makes 3 attempts when the connection drops, then gives ManagementApiError (ECONNRESET)', async () => {
      respond = (_request, response) => response.socket?.destroy();
      const error = await ws()
        .send(IDS[0]!, 'x')
        .catch((e: unknown) => e);
      expect(requests).toHaveLength(3);
      expect(error).toBeInstanceOf(ManagementApiError);
      expect(error).toMatchObject({ httpStatusCode: undefined, errorType: undefined });
      expect((error as Error).cause).toMatchObject({ code: 'ECONNRESET', $metadata: { attempts: 3 } });
    });
  });

  describe('disconnect and info', () => {
    it.each(IDS)('DELETEs /{stage}/@connections/{id} for %s, signed', async (id) => {
      const endpoint = newEndpoint();
      await expect(connections({ endpoint, transport }).disconnect(id)).resolves.toBeUndefined();
      expect(requests).toHaveLength(1);
      expect(requests[0]!.method).toBe('DELETE');
      expect(requests[0]!.url).toBe(`${new URL(endpoint).pathname}/@connections/${encodeURIComponent(id)}`);
      await verifySignature(requests[0]!, LOCAL);
    });

    it('resolves a DELETE answered 410 GoneException', async () => {
      respond = (_request, response) => answerError(response, 410, 'GoneException', 'Gone');
      await expect(ws().disconnect(IDS[0]!)).resolves.toBeUndefined();
      expect(requests.map((r) => r.method)).toEqual(['DELETE']);
    });

    it('throws ManagementApiError for a DELETE answered 403', async () => {
      respond = (_request, response) => answerError(response, 403, 'ForbiddenException', 'Forbidden');
      await expect(ws().disconnect(IDS[0]!)).rejects.toMatchObject({
        name: 'ManagementApiError',
        operation: 'disconnect',
        httpStatusCode: 403,
        errorType: 'ForbiddenException',
      });
    });

    it('GETs the connection and returns Dates and the identity', async () => {
      respond = (request, response) => {
        if (request.method !== 'GET') {
          response.writeHead(405).end();
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            connectedAt: '2026-01-01T00:00:00.000Z',
            lastActiveAt: '2026-01-01T00:10:00.500Z',
            identity: { sourceIp: '1.2.3.4', userAgent: 'ua' },
          }),
        );
      };
      const endpoint = newEndpoint();
      const info = await connections({ endpoint, transport }).info(IDS[1]!);
      expect(requests).toHaveLength(1);
      expect(requests[0]!.method).toBe('GET');
      expect(requests[0]!.url).toBe(
        `${new URL(endpoint).pathname}/@connections/${encodeURIComponent(IDS[1]!)}`,
      );
      await verifySignature(requests[0]!, LOCAL);
      expect(info.connectedAt).toBeInstanceOf(Date);
      expect(info.lastActiveAt).toBeInstanceOf(Date);
      expect(info).toEqual({
        connectedAt: new Date('2026-01-01T00:00:00.000Z'),
        lastActiveAt: new Date('2026-01-01T00:10:00.500Z'),
        sourceIp: '1.2.3.4',
        userAgent: 'ua',
      });
    });

    it('info answered 200 without connectedAt/lastActiveAt throws ManagementApiError, caused by UnexpectedAnswerError', async () => {
      respond = (_request, response) =>
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"identity":{}}');
      const error = await ws()
        .info(IDS[1]!)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ManagementApiError);
      expect(error).toMatchObject({ operation: 'info', connectionId: IDS[1] });
      expect((error as ManagementApiError).cause).toBeInstanceOf(UnexpectedAnswerError);
      expect((error as ManagementApiError).cause).toMatchObject({ operation: 'GetConnection' });
    });

    it('info of a gone connection throws ConnectionGoneError', async () => {
      respond = (_request, response) => answerError(response, 410, 'GoneException', 'Gone');
      await expect(ws().info(IDS[0]!)).rejects.toBeInstanceOf(ConnectionGoneError);
    });

    it('broadcast requests are signed and carry the hash of the body they carry', async () => {
      const report = await ws().broadcast(['a=', 'b=', 'c='], { hello: 'all' });
      expect(report.sent).toBe(3);
      expect(requests).toHaveLength(3);
      for (const request of requests) await verifySignature(request, LOCAL);
    });
  });
});

describe('the direct transport over HTTP, reading its own answers', () => {
  it('info answered 200 with a body that is not JSON keeps the parse error as the cause', async () => {
    respond = (_request, response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end('<html>');
    const error = await connections({ endpoint: newEndpoint(), transport: 'direct' })
      .info(IDS[1]!)
      .catch((e: unknown) => e);
    const cause = (error as ManagementApiError).cause as UnexpectedAnswerError;
    expect(error).toBeInstanceOf(ManagementApiError);
    expect(cause).toBeInstanceOf(UnexpectedAnswerError);
    expect(cause.message).toBe('GetConnection answered with a body that is not JSON');
    expect(cause.cause).toBeInstanceOf(SyntaxError);
  });
});

describe('credentials from the environment (the default provider chain)', () => {
  const credentials = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    sessionToken: 'session-token-example',
  };

  beforeAll(() => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', credentials.secretAccessKey);
    vi.stubEnv('AWS_SESSION_TOKEN', credentials.sessionToken);
    vi.stubEnv('AWS_REGION', 'eu-west-1');
  });

  afterAll(() => {
    for (const key of ENV_KEYS) vi.stubEnv(key, undefined);
  });

  it.each<Transport>(['sdk', 'direct'])(
    'the %s transport signs with them, the session token and AWS_REGION, verifiably',
    async (transport) => {
      await connections({ endpoint: newEndpoint(), transport }).send(IDS[1]!, { signed: true });
      expect(requests).toHaveLength(1);
      const [request] = requests;
      expect(request!.headers['x-amz-security-token']).toBe(credentials.sessionToken);
      const auth = parseAuthorization(request!.headers.authorization);
      expect(auth).toMatchObject({ accessKeyId: 'AKIDEXAMPLE', region: 'eu-west-1', service: 'execute-api' });
      expect(auth.signedHeaders).toContain('x-amz-security-token');
      await verifySignature(request!, credentials);
    },
  );
});

describe('context.send against the local gateway address in the event', () => {
  it('reaches the server from requestContext.domainName 127.0.0.1:PORT with no endpoint configured', async () => {
    const handler = webSocketLambda(
      async (_event, context) => {
        await context.send(context.connectionId, { welcome: context.connectionId });
        await context.send('a+b/c=', 'to another');
      },
      { logger: false },
    );
    const event = createConnectEvent({
      requestContext: { domainName: `127.0.0.1:${port}`, stage: 'local', connectionId: 'L0SM9cOFvHcCIhw=' },
    });
    const result = await handler(event, createLambdaContext());
    expect(result.statusCode).toBe(200);
    expect(requests.map((r) => [r.method, r.url, r.body.toString('utf8')])).toEqual([
      ['POST', '/local/@connections/L0SM9cOFvHcCIhw%3D', '{"welcome":"L0SM9cOFvHcCIhw="}'],
      ['POST', '/local/@connections/a%2Bb%2Fc%3D', 'to another'],
    ]);
  });
});
