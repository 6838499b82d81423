import type { Socket } from 'node:net';
import { afterEach } from 'vitest';
import { type RawData, WebSocket } from 'ws';

/**
 * The local gateway (packages/local-gateway, from source, as its own tests start it) with real
 * `ws` clients that know their connection IDs and keep every message that reaches them. Its
 * sources live outside this package's rootDir, so they are imported by path at run time (vitest
 * compiles them) and typed here with the little these tests use.
 */

const GATEWAY_MODULE = new URL('../../local-gateway/src/index.ts', import.meta.url).href;

export interface LocalGateway {
  url: string;
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

export interface LocalGatewayOptions {
  /** A POST to a client holding more unsent bytes than this answers 429. */
  clientBufferBytes?: number;
  /** Management API requests per second beyond which requests answer 429. */
  managementRateLimit?: number;
}

interface GatewayModule {
  startLocalGateway(
    options: LocalGatewayOptions & {
      port: number;
      routeResponses: boolean;
      handler: (event: { requestContext: { eventType: string; connectionId: string } }) => unknown;
    },
  ): Promise<LocalGateway>;
}

const WAIT_MS = 5_000;

export interface Received {
  isBinary: boolean;
  bytes: Buffer;
}

export interface GatewayClient {
  ws: WebSocket;
  connectionId: string;
  /** Every message that reached the client, in order. */
  received: Received[];
  /** Resolves once `count` messages have arrived (rejects after 5 s). */
  waitFor(count: number): Promise<Received[]>;
  /** Stops reading: the bytes pile up in the kernel, then in the gateway's buffer (API Gateway's 429). */
  stopReading(): void;
  closed: Promise<number>;
}

/** Starts gateways that the test's afterEach closes, with every client they opened. */
export function useLocalGateway() {
  const gateways: LocalGateway[] = [];
  const clients: WebSocket[] = [];
  afterEach(async () => {
    for (const ws of clients.splice(0)) ws.terminate();
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
  });

  async function start(options: LocalGatewayOptions = {}): Promise<LocalGateway> {
    const { startLocalGateway } = (await import(GATEWAY_MODULE)) as GatewayModule;
    const gateway = await startLocalGateway({
      port: 0,
      routeResponses: true,
      // A client asks for its connection ID with {"action":"whoami"}; the route response tells it.
      handler: (event: { requestContext: { eventType: string; connectionId: string } }) =>
        event.requestContext.eventType === 'MESSAGE'
          ? { statusCode: 200, body: event.requestContext.connectionId }
          : { statusCode: 200 },
      ...options,
    });
    gateways.push(gateway);
    return gateway;
  }

  async function open(gateway: LocalGateway, headers: Record<string, string> = {}): Promise<GatewayClient> {
    const ws = new WebSocket(gateway.url, { headers });
    clients.push(ws);
    ws.on('error', () => {});
    await within(
      new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('unexpected-response', () => reject(new Error('upgrade refused')));
      }),
      'the WebSocket handshake',
    );
    const connectionId = await within(
      new Promise<string>((resolve) => {
        ws.once('message', (data: RawData) => resolve(String(data)));
        ws.send('{"action":"whoami"}');
      }),
      'the connection ID',
    );
    const received: Received[] = [];
    const waiters: { count: number; resolve: (value: Received[]) => void }[] = [];
    ws.on('message', (data: RawData, isBinary: boolean) => {
      received.push({ isBinary, bytes: Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer) });
      for (const waiter of [...waiters]) {
        if (received.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(received);
        }
      }
    });
    const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
    return {
      ws,
      connectionId,
      received,
      closed,
      waitFor: (count) =>
        received.length >= count
          ? Promise.resolve(received)
          : within(new Promise((resolve) => waiters.push({ count, resolve })), `${count} messages`),
      stopReading: () => (ws as unknown as { _socket: Socket })._socket.pause(),
    };
  }

  return { start, open };
}

export function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
