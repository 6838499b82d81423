// The local gateway for the client's tests against real sockets. Its sources live outside this
// package's rootDir, so they are imported by path at run time (vitest compiles them) and typed here
// with the little the tests use, which keeps them out of this package's type check.
import { afterEach } from 'vitest';
import type { Client, ClientStatus } from '../src/client/index.js';
import type { WebSocketEvent } from '../src/index.js';

export interface Gateway {
  url: string;
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

export interface GatewayOptions {
  // biome-ignore lint/suspicious/noExplicitAny: any Lambda handler
  handler: (event: any, context: any) => unknown;
  port?: number;
  idleTimeoutMs?: number;
  maxConnectionMs?: number;
  mockRoutes?: string[];
  routeKeys?: string[];
  staticDir?: string;
  logger?: { info(line: string): void; error(line: string): void } | false;
}

const GATEWAY_MODULE = new URL('../../local-gateway/src/index.ts', import.meta.url).href;

export const WAIT_MS = 3_000;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true, failing after `ms` with a message naming `what`. */
export async function waitUntil(check: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Deletes a connection through the gateway's management API, as a server does to drop a client. */
export async function deleteConnection(gateway: Gateway, connectionId: string): Promise<void> {
  const response = await fetch(`${gateway.endpoint}/@connections/${encodeURIComponent(connectionId)}`, {
    method: 'DELETE',
    signal: AbortSignal.timeout(WAIT_MS),
  });
  if (response.status !== 204) throw new Error(`DELETE answered ${response.status}`);
}

/** Starts a gateway on 127.0.0.1 (a free port unless given), silent unless a logger is given. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { startLocalGateway } = (await import(GATEWAY_MODULE)) as {
    startLocalGateway(options: GatewayOptions & { host: string }): Promise<Gateway>;
  };
  return startLocalGateway({ port: 0, host: '127.0.0.1', logger: false, ...options });
}

/**
 * Registers an afterEach that closes every client and gateway a test made, and records each
 * client's statuses from its creation on.
 */
export function useClientGateways() {
  const gateways = new Set<Gateway>();
  const clients: { close(): void }[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await Promise.all([...gateways].map((gateway) => gateway.close()));
    gateways.clear();
  });
  return {
    async start(options: GatewayOptions): Promise<Gateway> {
      const gateway = await startGateway(options);
      // close() may be called by the test and again by afterEach: the second reuses the first.
      let closing: Promise<void> | undefined;
      const wrapped = { ...gateway, close: () => (closing ??= gateway.close()) };
      gateways.add(wrapped);
      return wrapped;
    },
    /** Tracks a client for closing, and records its statuses. */
    // biome-ignore lint/suspicious/noExplicitAny: any contract's client
    track<T extends Client<any>>(client: T): T & { statuses: ClientStatus[] } {
      clients.push(client);
      const statuses: ClientStatus[] = [client.status];
      client.onStatus((status) => statuses.push(status));
      return Object.assign(client, { statuses });
    },
  };
}

/** What a test server saw: every event, in order. */
export class ServerLog {
  readonly events: WebSocketEvent<unknown>[] = [];

  connectionIds(): string[] {
    return this.events
      .filter((event) => event.requestContext.eventType === 'CONNECT')
      .map((event) => event.requestContext.connectionId);
  }

  /** The actions received (the body as the gateway delivered it, parsed), in order, with the connection each came on. */
  actions(): { connectionId: string; action: unknown; payload: unknown }[] {
    return this.events
      .filter((event) => event.requestContext.eventType === 'MESSAGE')
      .map((event) => {
        const body = JSON.parse(event.body as string) as { action?: unknown; payload?: unknown };
        return {
          connectionId: event.requestContext.connectionId,
          action: body.action,
          payload: body.payload,
        };
      });
  }

  disconnects(): { connectionId: string; code: number | undefined }[] {
    return this.events
      .filter((event) => event.requestContext.eventType === 'DISCONNECT')
      .map((event) => ({
        connectionId: event.requestContext.connectionId,
        code: event.requestContext.disconnectStatusCode,
      }));
  }
}
