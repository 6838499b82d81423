import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildChatPage } from './buildChatPage.js';
import { checkName } from './chatRules.js';
import { CHAT_TOKEN_TTL_SECONDS, issueChatToken } from './issueChatToken.js';

export interface ChatPageOptions {
  /** The gateway's WebSocket URL, handed to the page with each token. */
  webSocketUrl: string;
  /** The HS256 secret the gateway's authorizer checks tokens with. */
  secret: string;
  /** 0: any free one. @default 3001 */
  port?: number;
  /** @default 127.0.0.1 */
  host?: string;
}

export interface ChatPage {
  /** `http://host:port/`: the page, and `POST /token` beside it. */
  url: string;
  close(): Promise<void>;
}

const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};
/** A name is at most 32 characters; anything longer than this is not a sign-in. */
const MAX_TOKEN_REQUEST_BYTES = 1_024;

/**
 * The chat's page and its development sign-in, for `pnpm start`: a small HTTP server for the files
 * in `public/`, the page's script bundled from `page/chat.ts` as it starts (`buildChatPage`), and
 * `POST /token` with `{ name }`, which answers `{ token, url, expiresIn }`: a
 * short-lived HS256 token naming that person, and the gateway's WebSocket URL to use it on. The
 * local gateway's `staticDir` serves files only, so the page and its sign-in have their own port.
 *
 * @example
 * ```ts
 * const page = await startChatPage({ webSocketUrl: gateway.url, secret, port: 3001 });
 * ```
 */
export async function startChatPage(options: ChatPageOptions): Promise<ChatPage> {
  const host = options.host ?? '127.0.0.1';
  const { secret, webSocketUrl } = options;

  // The page is a handful of files, read once: nothing outside public/ can be asked for.
  const files = new Map(
    readdirSync(PUBLIC_DIR)
      .filter((name) => CONTENT_TYPES[extname(name)])
      .map((name) => [
        `/${name}`,
        { type: CONTENT_TYPES[extname(name)]!, body: readFileSync(join(PUBLIC_DIR, name)) },
      ]),
  );
  files.set('/', files.get('/index.html')!);
  files.set('/chat.js', { type: CONTENT_TYPES['.js']!, body: Buffer.from(await buildChatPage()) });

  const server = createServer(function chatPageRequest(request, response) {
    const { pathname } = new URL(request.url ?? '/', 'http://local');
    if (pathname === '/token') {
      if (request.method !== 'POST') return answer(response, 405, { message: 'POST { "name": "..." }' });
      void signIn(request, response, { secret, url: webSocketUrl });
      return;
    }
    const file = files.get(pathname);
    if (!file || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return answer(response, 404, { message: 'Not found' });
    }
    response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : file.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3001, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function signIn(
  request: IncomingMessage,
  response: ServerResponse,
  { secret, url }: { secret: string; url: string },
): Promise<void> {
  let body = '';
  for await (const chunk of request) {
    body += chunk;
    if (body.length > MAX_TOKEN_REQUEST_BYTES) return answer(response, 413, { message: 'too large' });
  }
  let name: unknown;
  try {
    name = (JSON.parse(body) as { name?: unknown } | null)?.name;
  } catch {
    return answer(response, 400, { message: 'send JSON: { "name": "..." }' });
  }
  const checked = checkName(name);
  if (!checked.ok) return answer(response, 400, { message: checked.message });
  const token = issueChatToken({ name: checked.value, secret });
  answer(response, 200, { token, url, expiresIn: CHAT_TOKEN_TTL_SECONDS });
}

function answer(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}
