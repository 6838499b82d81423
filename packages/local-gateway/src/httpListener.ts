import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayLog } from './gatewayLog.js';
import { handleManagementRequest, type ManagedConnections, type ManagementLimits } from './managementApi.js';
import { serveStatic } from './staticFiles.js';

export interface HttpListenerOptions {
  stage: string;
  /** Files served at `/` for GET and HEAD, if any. */
  staticDir: string | undefined;
  /** What the management API at `/{stage}/@connections/{id}` reaches. */
  connections: ManagedConnections;
  managementLimits: ManagementLimits;
  log: GatewayLog;
}

const MANAGEMENT_PATH = /^\/([^/]+)\/@connections\/([^/]+)\/?$/;

/**
 * Plain HTTP on the gateway's port: the management API at `/{stage}/@connections/{id}` (403 on
 * another stage), 426 Upgrade Required on the WebSocket path, static files when a folder is
 * given, and 404 for anything else.
 *
 * @example
 * const server = createServer(createHttpListener({ stage: 'local', staticDir, connections, managementLimits: {}, log }));
 */
export function createHttpListener(
  options: HttpListenerOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  const { stage, staticDir, connections, managementLimits, log } = options;

  async function handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { pathname } = new URL(request.url ?? '/', 'http://local');
    const management = MANAGEMENT_PATH.exec(pathname);
    if (management) {
      let connectionId: string;
      try {
        connectionId = decodeURIComponent(management[2] as string);
      } catch {
        response.writeHead(400).end();
        return;
      }
      if (management[1] !== stage) {
        request.resume();
        response.writeHead(403, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'ForbiddenException',
        });
        response.end(JSON.stringify({ message: 'Forbidden' }));
        return;
      }
      await handleManagementRequest(connections, connectionId, request, response, managementLimits);
      return;
    }
    // The WebSocket path answers anything that is not a WebSocket handshake with 426, as API
    // Gateway does (serverless-offline's WebSocket suite, written against AWS, expects it).
    if (pathname === `/${stage}` || pathname.startsWith(`/${stage}/`)) {
      request.resume();
      response
        .writeHead(426, { 'content-type': 'application/json', upgrade: 'websocket', connection: 'Upgrade' })
        .end(JSON.stringify({ message: 'Upgrade Required' }));
      return;
    }
    if (staticDir && (request.method === 'GET' || request.method === 'HEAD')) {
      await serveStatic(staticDir, request, response);
      return;
    }
    request.resume();
    response
      .writeHead(404, { 'content-type': 'application/json' })
      .end(JSON.stringify({ message: 'Not Found' }));
  }

  return function httpRequest(request, response) {
    handleHttp(request, response).catch((error: unknown) => {
      log.error(() => `HTTP ${request.method} ${request.url} failed: ${String(error)}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  };
}
