// Small test helpers for the chat's end-to-end tests, adapted from the local gateway's own
// (packages/local-gateway/test/helpers.ts): every wait is bounded and names what it waited for.
import type { ConnectionStore } from 'aws-framework';
import { type RawData, WebSocket } from 'ws';

/** The longest any single wait may take before it fails the test. */
export const WAIT_MS = 3_000;

/** How long a client must stay silent to count as "received nothing". */
export const QUIET_MS = 250;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rejects with a message naming `what` when `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` until it resolves true, failing after `ms`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** A `ws` client that buffers every text frame from the start, so none is missed between awaits. */
export class ChatClient {
  private readonly queue: string[] = [];
  private readonly waiters: Array<(text: string) => void> = [];
  /** Every frame ever received, in order. */
  readonly history: string[] = [];
  readonly closed: Promise<number>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: RawData) => {
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data as ArrayBuffer).toString('utf8');
      this.history.push(text);
      const waiter = this.waiters.shift();
      if (waiter) waiter(text);
      else this.queue.push(text);
    });
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => ws.once('close', (code: number) => resolve(code)));
  }

  /** The next frame, parsed as JSON, waiting up to `ms` for it. */
  next(ms = WAIT_MS): Promise<unknown> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(JSON.parse(queued));
    let waiter: ((text: string) => void) | undefined;
    const arrived = new Promise<string>((resolve) => {
      waiter = resolve;
      this.waiters.push(resolve);
    });
    return withTimeout(arrived, ms, 'a frame on the client').then(
      (text) => JSON.parse(text) as unknown,
      (error: unknown) => {
        const index = this.waiters.indexOf(waiter as (text: string) => void);
        if (index >= 0) this.waiters.splice(index, 1);
        throw error;
      },
    );
  }

  /** How many frames are waiting unread. */
  get pending(): number {
    return this.queue.length;
  }

  send(data: string | object): Promise<void> {
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    return new Promise((resolve, reject) =>
      this.ws.send(text, (error) => (error ? reject(error) : resolve())),
    );
  }

  close(): Promise<number> {
    this.ws.close();
    return withTimeout(this.closed, WAIT_MS, 'the client to close');
  }
}

/** Opens a client and resolves once the handshake succeeded; rejects on a refusal or an error. */
export function openClient(url: string, track?: (ws: WebSocket) => void): Promise<ChatClient> {
  const ws = new WebSocket(url, { handshakeTimeout: WAIT_MS });
  track?.(ws);
  const client = new ChatClient(ws);
  const opened = new Promise<ChatClient>((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_request, response) => {
      reject(new Error(`upgrade refused with HTTP ${response.statusCode}`));
      ws.terminate();
    });
    ws.once('error', reject);
  });
  return withTimeout(opened, WAIT_MS, `the WebSocket handshake with ${url}`);
}

export interface Refusal {
  status: number;
  body: string;
}

/** Attempts a connection that must be refused; resolves with the HTTP status and body answered. */
export function expectRefusal(url: string, track?: (ws: WebSocket) => void): Promise<Refusal> {
  const ws = new WebSocket(url, { handshakeTimeout: WAIT_MS });
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

/** The IDs of the stored connections whose data names `name`. */
export async function connectionIdsNamed(store: ConnectionStore, name: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const connectionId of store.list()) {
    const stored = await store.get(connectionId);
    if (stored?.data?.name === name) ids.push(connectionId);
  }
  return ids;
}

/** Collects an async iterable (a store's `list()` or `members()`) into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
