import { randomUUID } from 'node:crypto';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { WebSocketEvent } from 'aws-framework';
import { afterEach } from 'vitest';
import { type ClientOptions, type RawData, WebSocket } from 'ws';
import { type LocalGateway, type LocalGatewayOptions, startLocalGateway } from '../src/index.js';

/** The longest any single wait in these tests may take before it fails the test. */
export const WAIT_MS = 3_000;

/** Rejects with a message naming `what` when `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Polls `check` until it returns true, failing after `ms`. */
export async function waitUntil(check: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

export interface ReceivedMessage {
  isBinary: boolean;
  bytes: Buffer;
  text: string;
}

export interface CloseInfo {
  code: number;
  reason: string;
}

/** A `ws` client that buffers every message from the start, so none is missed between awaits. */
export class TestClient {
  private readonly queue: ReceivedMessage[] = [];
  private readonly waiters: Array<(message: ReceivedMessage) => void> = [];
  readonly closed: Promise<CloseInfo>;
  /** Every message ever received, in order. */
  readonly history: ReceivedMessage[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(data as ArrayBuffer);
      const message = { isBinary, bytes, text: bytes.toString('utf8') };
      this.history.push(message);
      const waiter = this.waiters.shift();
      if (waiter) waiter(message);
      else this.queue.push(message);
    });
    // An error (e.g. the server cutting the socket) is followed by 'close'; keep it from being unhandled.
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => {
      ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString('utf8') }));
    });
  }

  /** The next message, waiting up to `ms` for it. */
  next(ms = WAIT_MS): Promise<ReceivedMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    let waiter: ((message: ReceivedMessage) => void) | undefined;
    const arrived = new Promise<ReceivedMessage>((resolve) => {
      waiter = resolve;
      this.waiters.push(resolve);
    });
    return withTimeout(arrived, ms, 'a message on the client').catch((error: unknown) => {
      const index = this.waiters.indexOf(waiter as (message: ReceivedMessage) => void);
      if (index >= 0) this.waiters.splice(index, 1);
      throw error;
    });
  }

  /** The next message, which must be a text frame holding JSON. */
  async nextJson<T = Record<string, unknown>>(ms = WAIT_MS): Promise<T> {
    const message = await this.next(ms);
    if (message.isBinary)
      throw new Error(`expected a text frame, got binary ${message.bytes.toString('hex')}`);
    return JSON.parse(message.text) as T;
  }

  /** How many messages are waiting unread. */
  get pending(): number {
    return this.queue.length;
  }

  send(data: string | Buffer | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.send(data, (error) => (error ? reject(error) : resolve()));
    });
  }

  waitClose(ms = WAIT_MS): Promise<CloseInfo> {
    return withTimeout(this.closed, ms, 'the client to see the connection close');
  }
}

/** Sends `text` as one message in frames of at most `frameBytes`, as a client that fragments does. */
export async function sendInFrames(client: TestClient, text: string, frameBytes: number): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  const sends: Promise<void>[] = [];
  for (let offset = 0; offset < bytes.length; offset += frameBytes) {
    const fin = offset + frameBytes >= bytes.length;
    sends.push(
      new Promise((resolve, reject) => {
        client.ws.send(bytes.subarray(offset, offset + frameBytes), { binary: false, fin }, (error) =>
          error ? reject(error) : resolve(),
        );
      }),
    );
  }
  await Promise.all(sends);
}

export interface Refusal {
  status: number;
  body: string;
}

function connect(url: string, options: ClientOptions | undefined): WebSocket {
  return new WebSocket(url, { handshakeTimeout: WAIT_MS, ...options });
}

/** Opens a client and resolves once the handshake succeeded; rejects on a refusal or an error. */
export function openClient(
  url: string,
  options?: ClientOptions,
  track?: (ws: WebSocket) => void,
): Promise<TestClient> {
  const ws = connect(url, options);
  track?.(ws);
  const client = new TestClient(ws);
  const opened = new Promise<TestClient>((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_request, response) => {
      reject(new Error(`upgrade refused with HTTP ${response.statusCode}`));
      ws.terminate();
    });
    ws.once('error', reject);
  });
  return withTimeout(opened, WAIT_MS, `the WebSocket handshake with ${url}`);
}

/** Attempts a connection that the gateway must refuse; resolves with the HTTP status and body it answered. */
export function expectRefusal(
  url: string,
  options?: ClientOptions,
  track?: (ws: WebSocket) => void,
): Promise<Refusal> {
  const ws = connect(url, options);
  track?.(ws);
  const refused = new Promise<Refusal>((resolve, reject) => {
    ws.once('open', () => reject(new Error('the upgrade was accepted, expected a refusal')));
    ws.once('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        ws.terminate();
      });
      response.on('error', reject);
    });
    ws.on('error', (error) =>
      reject(new Error(`connection failed instead of an HTTP refusal: ${error.message}`)),
    );
  });
  return withTimeout(refused, WAIT_MS, `a refusal from ${url}`);
}

/** What the gateway passes as a handler's second argument. */
export interface InvocationContext {
  awsRequestId: string;
  functionName: string;
  getRemainingTimeInMillis(): number;
  [key: string]: unknown;
}

export type Behaviour = (event: WebSocketEvent<string>, context: InvocationContext) => unknown;

/** A handler that records every event and context it is called with, then does `behaviour`. */
export class Recorder {
  readonly events: WebSocketEvent<string>[] = [];
  readonly contexts: InvocationContext[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(private readonly behaviour: Behaviour = () => undefined) {}

  readonly handler = (event: WebSocketEvent<string>, context: InvocationContext): unknown => {
    this.events.push(event);
    this.contexts.push(context);
    for (const listener of this.listeners) listener();
    return this.behaviour(event, context);
  };

  ofType(eventType: WebSocketEvent['requestContext']['eventType']): WebSocketEvent<string>[] {
    return this.events.filter((e) => e.requestContext.eventType === eventType);
  }

  /** The first recorded event matching `predicate`, waiting up to `ms` for it. */
  waitFor(
    predicate: (event: WebSocketEvent<string>) => boolean,
    what = 'a matching event',
    ms = WAIT_MS,
  ): Promise<WebSocketEvent<string>> {
    const found = this.events.find(predicate);
    if (found) return Promise.resolve(found);
    let listener: (() => void) | undefined;
    const arrived = new Promise<WebSocketEvent<string>>((resolve) => {
      listener = () => {
        const match = this.events.find(predicate);
        if (match) resolve(match);
      };
      this.listeners.add(listener);
    });
    return withTimeout(arrived, ms, what).finally(() => {
      if (listener) this.listeners.delete(listener);
    });
  }

  waitForType(eventType: WebSocketEvent['requestContext']['eventType'], connectionId?: string, ms = WAIT_MS) {
    return this.waitFor(
      (e) =>
        e.requestContext.eventType === eventType &&
        (connectionId === undefined || e.requestContext.connectionId === connectionId),
      `a ${eventType} event${connectionId ? ` for ${connectionId}` : ''}`,
      ms,
    );
  }
}

/**
 * Registers an afterEach that closes every gateway and client a test opened. Gateways start on
 * 127.0.0.1 with a free port and no logger unless the test says otherwise.
 */
export function useGateways() {
  const gateways: LocalGateway[] = [];
  const sockets: WebSocket[] = [];
  const track = (ws: WebSocket) => {
    sockets.push(ws);
  };

  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await withTimeout(Promise.all(gateways.splice(0).map((g) => g.close())), 5_000, 'the gateways to close');
  });

  return {
    async start(options: LocalGatewayOptions): Promise<LocalGateway> {
      const gateway = await startLocalGateway({ port: 0, host: '127.0.0.1', logger: false, ...options });
      // close() may be called by the test and again by afterEach: the second call reuses the first.
      let closing: Promise<void> | undefined;
      const original = gateway.close.bind(gateway);
      const wrapped: LocalGateway = { ...gateway, close: () => (closing ??= original()) };
      gateways.push(wrapped);
      return wrapped;
    },
    open: (url: string, options?: ClientOptions) => openClient(url, options, track),
    refusal: (url: string, options?: ClientOptions) => expectRefusal(url, options, track),
  };
}

/**
 * Opens a client against a gateway whose handler records events, tagging its handshake with a
 * header so its `$connect` event (and so its connection ID) is found even when clients open at once.
 */
export async function openRecorded(
  harness: ReturnType<typeof useGateways>,
  gateway: LocalGateway,
  recorder: Recorder,
  options: ClientOptions = {},
): Promise<{ client: TestClient; connectionId: string; connect: WebSocketEvent<string> }> {
  const tag = randomUUID();
  const headers = { ...(options.headers as Record<string, string> | undefined), 'X-Client-Tag': tag };
  const client = await harness.open(gateway.url, { ...options, headers });
  const connect = await recorder.waitFor(
    (e) => e.requestContext.eventType === 'CONNECT' && e.headers?.['X-Client-Tag'] === tag,
    `the $connect event of client ${tag}`,
  );
  return { client, connectionId: connect.requestContext.connectionId, connect };
}

const sdkClients: ApiGatewayManagementApiClient[] = [];
afterEach(() => {
  for (const client of sdkClients.splice(0)) client.destroy();
});

/** The real SDK client for a gateway's endpoint, with no retries; destroyed after each test. */
export function sdkFor(endpoint: string): ApiGatewayManagementApiClient {
  const client = new ApiGatewayManagementApiClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
  sdkClients.push(client);
  return client;
}

/** The error a promise rejects with; fails if it resolves. */
export async function rejectionOf(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await withTimeout(promise, WAIT_MS, 'the call');
  } catch (error) {
    return error as Error & { $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail, it succeeded');
}
