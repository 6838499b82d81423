import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectionGoneError, connections, ManagementApiError, webSocketLambda } from 'aws-framework';
import { createConnectEvent, createLambdaContext } from 'aws-framework/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

/**
 * A real HTTP server stands in for the API Gateway management API: no SDK mocks, so these tests
 * see the requests the SDK actually puts on the wire and the SDK's real error parsing.
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
let endpoint: string;

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
  endpoint = `http://127.0.0.1:${port}/local`;
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

describe('send over HTTP', () => {
  it.each(IDS)('POSTs to /local/@connections/{id} with the id %s URL-encoded', async (id) => {
    await connections({ endpoint }).send(id, 'hello');
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe(`/local/@connections/${encodeURIComponent(id)}`);
    expect(decodeURIComponent(request!.url.slice('/local/@connections/'.length))).toBe(id);
  });

  it('carries a string as its exact UTF-8 bytes', async () => {
    await connections({ endpoint }).send(IDS[0]!, 'héllo ✓');
    expect(requests[0]!.body.toString('hex')).toBe(Buffer.from('héllo ✓', 'utf8').toString('hex'));
  });

  it('carries an object as its JSON bytes', async () => {
    const message = { type: 'chat', text: 'héllo ✓', list: [1, null, 'x'] };
    await connections({ endpoint }).send(IDS[0]!, message);
    expect(requests[0]!.body.toString('utf8')).toBe(JSON.stringify(message));
  });

  it('carries binary data unchanged', async () => {
    const bytes = Uint8Array.from([0x00, 0xff, 0x80, 0xc3, 0x28, 0x0a, 0x7f]);
    await connections({ endpoint }).send(IDS[0]!, bytes);
    expect([...requests[0]!.body]).toEqual([...bytes]);
  });

  it('signs with the dummy local credentials when AWS_ACCESS_KEY_ID is unset', async () => {
    await connections({ endpoint }).send(IDS[0]!, 'x');
    expect(String(requests[0]!.headers.authorization)).toContain('Credential=local/');
  });

  it('gives ConnectionGoneError for a 410 GoneException answer', async () => {
    respond = (_request, response) => answerError(response, 410, 'GoneException', 'Gone');
    const error = await connections({ endpoint })
      .send(IDS[1]!, 'x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionGoneError);
    expect((error as ConnectionGoneError).connectionId).toBe(IDS[1]);
    expect(((error as Error).cause as Error).name).toBe('GoneException');
    expect(requests).toHaveLength(1);
  });

  it('gives ManagementApiError for a 403 ForbiddenException answer', async () => {
    respond = (_request, response) => answerError(response, 403, 'ForbiddenException', 'Forbidden');
    const error = await connections({ endpoint })
      .send(IDS[0]!, 'x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManagementApiError);
    expect(error).toMatchObject({ httpStatusCode: 403, operation: 'send', connectionId: IDS[0] });
    expect(((error as Error).cause as Error).name).toBe('ForbiddenException');
  });
});

describe('disconnect and info over HTTP', () => {
  it.each(IDS)('DELETEs /local/@connections/{id} for %s', async (id) => {
    await expect(connections({ endpoint }).disconnect(id)).resolves.toBeUndefined();
    expect(requests).toHaveLength(1);
    expect(requests[0]!.method).toBe('DELETE');
    expect(requests[0]!.url).toBe(`/local/@connections/${encodeURIComponent(id)}`);
  });

  it('resolves a DELETE answered 410 GoneException', async () => {
    respond = (_request, response) => answerError(response, 410, 'GoneException', 'Gone');
    await expect(connections({ endpoint }).disconnect(IDS[0]!)).resolves.toBeUndefined();
    expect(requests.map((r) => r.method)).toEqual(['DELETE']);
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
    const info = await connections({ endpoint }).info(IDS[1]!);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.method).toBe('GET');
    expect(requests[0]!.url).toBe(`/local/@connections/${encodeURIComponent(IDS[1]!)}`);
    expect(info.connectedAt).toBeInstanceOf(Date);
    expect(info.lastActiveAt).toBeInstanceOf(Date);
    expect(info).toEqual({
      connectedAt: new Date('2026-01-01T00:00:00.000Z'),
      lastActiveAt: new Date('2026-01-01T00:10:00.500Z'),
      sourceIp: '1.2.3.4',
      userAgent: 'ua',
    });
  });

  it('info of a gone connection throws ConnectionGoneError', async () => {
    respond = (_request, response) => answerError(response, 410, 'GoneException', 'Gone');
    await expect(connections({ endpoint }).info(IDS[0]!)).rejects.toBeInstanceOf(ConnectionGoneError);
  });
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
