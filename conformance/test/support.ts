// What every conformance test file shares: the target (started once per file), real `ws` clients
// that buffer what arrives, the real management API client, and the helpers that skip a test with
// a message where the target cannot run it.
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { afterAll, afterEach, beforeAll, it, type TestFunction } from 'vitest';
import { type ClientOptions, type RawData, WebSocket } from 'ws';
import { readTargetConfig, startTarget, type Target } from '../target.js';

/** The longest a single wait may take. Generous for a deployed stage; the local gateway answers in ms. */
export const WAIT_MS = 5_000;

/** Connection, request and message IDs as API Gateway makes them: `JC1dgf9yoAMCK-g=`. */
export const ID = /^[A-Za-z0-9_-]{15}=$/;

/** Read at collection, so tests can be skipped by mode before anything starts. */
export const config = readTargetConfig();

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A test that runs only against the local gateway because it needs a setting AWS does not offer.
 * In aws mode it is skipped, says why on the console, and its name says so in both modes.
 */
export function localOnly(reason: string, name: string, fn: TestFunction, timeout?: number): void {
  const fullName = `${name} (local only: ${reason})`;
  if (config.mode === 'aws') console.info(`conformance: skipped "${name}": local only, ${reason}`);
  it.skipIf(config.mode === 'aws')(fullName, fn, timeout);
}

/** A test that needs the API without `$default`: skipped with a message when no URL names one. */
export function withNoDefaultApi(name: string, fn: TestFunction, timeout?: number): void {
  const missing = config.mode === 'aws' && config.noDefaultUrl === undefined;
  if (missing) {
    console.info(`conformance: skipped "${name}": CONFORMANCE_URL_NO_DEFAULT is not set`);
  }
  it.skipIf(missing)(name, fn, timeout);
}

/**
 * Starts the target before the file's tests and stops it after; closes every client and SDK client
 * a test opened after each test.
 */
export function useTarget(): {
  readonly target: Target;
  open: typeof openClient;
  sdk(endpoint?: string): ApiGatewayManagementApiClient;
} {
  let current: Target | undefined;
  const sockets: WebSocket[] = [];
  const clients: ApiGatewayManagementApiClient[] = [];

  beforeAll(async () => {
    current = await startTarget(config);
  });
  afterEach(() => {
    for (const ws of sockets.splice(0)) ws.terminate();
    for (const client of clients.splice(0)) client.destroy();
  });
  afterAll(async () => {
    await current?.close();
  });

  const target = (): Target => {
    if (!current) throw new Error('the conformance target has not started');
    return current;
  };

  return {
    get target() {
      return target();
    },
    open: (url, options) =>
      openClient(url, options, (ws) => {
        sockets.push(ws);
      }),
    sdk(endpoint = target().endpoint) {
      const { region, credentials } = target();
      const client = new ApiGatewayManagementApiClient({
        endpoint,
        region,
        ...(credentials ? { credentials } : {}),
        // One attempt: a retried 410 or 413 would only hide what the service answered.
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
  };
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
  readonly history: ReceivedMessage[] = [];
  isClosed = false;

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
    // A server that cuts the socket makes 'error' before 'close'; keep it from being unhandled.
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => {
      ws.once('close', (code: number, reason: Buffer) => {
        this.isClosed = true;
        resolve({ code, reason: reason.toString('utf8') });
      });
    });
  }

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
    if (message.isBinary) throw new Error(`expected a text frame, got ${message.bytes.length} binary bytes`);
    return JSON.parse(message.text) as T;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Sends one message; `fin: false` leaves it open for the next fragment. */
  send(data: string | Buffer, options: { binary?: boolean; fin?: boolean } = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.send(data, { compress: false, ...options }, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Sends `{ action, ...rest }` and returns the next message as JSON (for routes with a route response). */
  async ask<T = Record<string, unknown>>(action: string, rest: Record<string, unknown> = {}): Promise<T> {
    await this.send(JSON.stringify({ action, ...rest }));
    return this.nextJson<T>();
  }

  /** This connection's ID, from the `whoami` route. */
  async connectionId(): Promise<string> {
    const { connectionId } = await this.ask<{ connectionId: string }>('whoami');
    return connectionId;
  }

  waitClose(ms = WAIT_MS): Promise<CloseInfo> {
    return withTimeout(this.closed, ms, 'the connection to close');
  }
}

/**
 * The options every conformance client uses: no permessage-deflate (API Gateway negotiates none,
 * and compression would change the frame sizes the limits apply to) and a bounded handshake.
 */
export function clientOptions(options: ClientOptions = {}): ClientOptions {
  return { handshakeTimeout: WAIT_MS, perMessageDeflate: false, ...options };
}

/** Opens a client and resolves once the handshake succeeded; rejects on a refusal or an error. */
export function openClient(
  url: string,
  options?: ClientOptions & { protocols?: string[] },
  track?: (ws: WebSocket) => void,
): Promise<TestClient> {
  const { protocols, ...rest } = options ?? {};
  const ws = new WebSocket(url, protocols ?? [], clientOptions(rest));
  track?.(ws);
  const client = new TestClient(ws);
  const opened = new Promise<TestClient>((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        reject(new RefusedError(response.statusCode ?? 0, body));
        ws.terminate();
      });
      response.on('error', reject);
    });
    ws.once('error', reject);
  });
  return withTimeout(opened, WAIT_MS, `the WebSocket handshake with ${url}`);
}

/** The upgrade was answered with an HTTP status instead of 101. */
export class RefusedError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upgrade refused with HTTP ${status}`);
    this.name = 'RefusedError';
  }
}

/** The error a promise rejects with; fails if it resolves. */
export async function rejectionOf<E = Error>(promise: Promise<unknown>, what = 'the call'): Promise<E> {
  try {
    await withTimeout(promise, WAIT_MS, what);
  } catch (error) {
    return error as E;
  }
  throw new Error(`expected ${what} to fail, it succeeded`);
}

/** `url` with the query string `query` (a URL may already carry one). */
export function withQuery(url: string, query: Record<string, string>): string {
  const result = new URL(url);
  for (const [key, value] of Object.entries(query)) result.searchParams.set(key, value);
  return result.toString();
}
