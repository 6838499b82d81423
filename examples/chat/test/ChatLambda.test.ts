import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebSocketEvent } from 'aws-framework';
import {
  createConnectEvent,
  createDisconnectEvent,
  createLambdaContext,
  createMessageEvent,
} from 'aws-framework/testing';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatLambda, handler } from '../src/ChatLambda.js';

// A real HTTP server standing in for the API Gateway management API. It records each
// PostToConnection and answers 200, 410 GoneException for IDs in `gone`, and 403
// ForbiddenException for IDs in `forbidden`.

interface Delivery {
  stage: string;
  connectionId: string;
  body: string;
}

const deliveries: Delivery[] = [];
const gone = new Set<string>();
const forbidden = new Set<string>();
let server: Server;
let domainName: string;
const STAGE = 'chat';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await readBody(req);
    const match = /^\/([^/]+)\/@connections\/([^/?]+)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match?.[1] || !match[2]) {
      res.writeHead(404).end();
      return;
    }
    const connectionId = decodeURIComponent(match[2]);
    deliveries.push({ stage: match[1], connectionId, body });
    if (gone.has(connectionId)) {
      res.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' });
      res.end(JSON.stringify({ message: 'Gone' }));
    } else if (forbidden.has(connectionId)) {
      res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'ForbiddenException' });
      res.end(JSON.stringify({ message: 'Forbidden' }));
    } else {
      res.writeHead(200).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  domainName = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

// The example keeps its connections in a module-level set, shared by every test here: each test
// disconnects the connections it made, so the next one starts with none.
const connected: string[] = [];

beforeEach(() => {
  deliveries.length = 0;
  gone.clear();
  forbidden.clear();
  vi.stubEnv('WEBSOCKET_MANAGEMENT_ENDPOINT', '');
});

afterEach(async () => {
  for (const connectionId of connected.splice(0)) await handler(disconnectEvent(connectionId));
  vi.unstubAllEnvs();
});

type RequestContext = Partial<WebSocketEvent['requestContext']>;

function asProxyEvent(event: WebSocketEvent<string>): APIGatewayProxyEvent {
  return event as unknown as APIGatewayProxyEvent;
}

function connectEvent(connectionId: string): APIGatewayProxyEvent {
  return asProxyEvent(createConnectEvent({ requestContext: { domainName, stage: STAGE, connectionId } }));
}

function disconnectEvent(connectionId: string): APIGatewayProxyEvent {
  return asProxyEvent(createDisconnectEvent({ requestContext: { domainName, stage: STAGE, connectionId } }));
}

function messageEvent(body: unknown, requestContext: RequestContext): APIGatewayProxyEvent {
  return asProxyEvent(
    createMessageEvent(body, { requestContext: { domainName, stage: STAGE, ...requestContext } }),
  );
}

function chatMessage(from: string, message: string): APIGatewayProxyEvent {
  return messageEvent({ action: 'sendMessage', message }, { connectionId: from });
}

async function connect(...connectionIds: string[]): Promise<void> {
  for (const connectionId of connectionIds) {
    connected.push(connectionId);
    expect(await handler(connectEvent(connectionId), createLambdaContext())).toEqual({ statusCode: 200 });
  }
}

function recipients(): string[] {
  return deliveries.map((delivery) => delivery.connectionId);
}

describe('chat example (the specification usage example)', () => {
  it('delivers a sendMessage to every connected client as {from, message}', async () => {
    await connect('alice=', 'bob=');
    const result = await handler(chatMessage('alice=', 'hello'), createLambdaContext());
    expect(result).toEqual({ statusCode: 200 });
    expect(deliveries).toEqual([
      { stage: STAGE, connectionId: 'alice=', body: '{"from":"alice=","message":"hello"}' },
      { stage: STAGE, connectionId: 'bob=', body: '{"from":"alice=","message":"hello"}' },
    ]);
  });

  it('stops delivering to a connection after its $disconnect', async () => {
    await connect('alice=', 'bob=');
    expect(await handler(disconnectEvent('bob='), createLambdaContext())).toEqual({ statusCode: 200 });
    await handler(chatMessage('alice=', 'still there?'), createLambdaContext());
    expect(recipients()).toEqual(['alice=']);
  });

  it('prunes a connection the management API answers 410, and goes on with the others', async () => {
    await connect('alice=', 'ghost=', 'carol=');
    gone.add('ghost=');
    expect(await handler(chatMessage('alice=', 'one'), createLambdaContext())).toEqual({ statusCode: 200 });
    expect(recipients()).toEqual(['alice=', 'ghost=', 'carol=']);

    deliveries.length = 0;
    expect(await handler(chatMessage('alice=', 'two'), createLambdaContext())).toEqual({ statusCode: 200 });
    expect(recipients()).toEqual(['alice=', 'carol=']);
  });

  it('keeps a connection whose send failed otherwise, and goes on with the others', async () => {
    await connect('alice=', 'busy=', 'carol=');
    forbidden.add('busy=');
    expect(await handler(chatMessage('alice=', 'one'), createLambdaContext())).toEqual({ statusCode: 200 });
    expect(recipients()).toEqual(['alice=', 'busy=', 'carol=']);

    deliveries.length = 0;
    forbidden.clear();
    await handler(chatMessage('alice=', 'two'), createLambdaContext());
    expect(recipients()).toEqual(['alice=', 'busy=', 'carol=']);
  });

  it('answers an unknown route key with 400 {"message":"Unknown route key"}', async () => {
    const result = await handler(messageEvent({ action: 'dance' }, { connectionId: 'alice=' }));
    expect(result).toEqual({ statusCode: 400, body: '{"message":"Unknown route key"}' });
  });

  it('answers an event without a connection ID with 400 {"message":"Missing connection ID"}', async () => {
    const event = createMessageEvent(
      { action: 'sendMessage', message: 'hi' },
      { requestContext: { domainName } },
    );
    delete (event.requestContext as RequestContext).connectionId;
    const result = await handler(asProxyEvent(event), createLambdaContext());
    expect(result).toEqual({ statusCode: 400, body: '{"message":"Missing connection ID"}' });
    expect(deliveries).toEqual([]);
  });

  it('works through a plain unbound handler of a new instance too', async () => {
    const unbound = new ChatLambda().handler;
    connected.push('dave=', 'erin=');
    expect(await unbound(connectEvent('dave='), createLambdaContext())).toEqual({ statusCode: 200 });
    expect(await unbound(connectEvent('erin='), createLambdaContext())).toEqual({ statusCode: 200 });
    const result = await unbound(chatMessage('erin=', 'hi dave'), createLambdaContext());
    expect(result).toEqual({ statusCode: 200 });
    expect(deliveries).toEqual([
      { stage: STAGE, connectionId: 'dave=', body: '{"from":"erin=","message":"hi dave"}' },
      { stage: STAGE, connectionId: 'erin=', body: '{"from":"erin=","message":"hi dave"}' },
    ]);
  });
});
