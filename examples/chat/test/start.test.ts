// `pnpm start` as users run it: serve.ts under tsx in a child process, importing `aws-framework`
// and `aws-framework-local` through their exports maps into dist/, as an installed app would.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ChatClient, expectRefusal, openClient, withTimeout } from './helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsxCli = join(root, 'node_modules/tsx/dist/cli.mjs');
const START_MS = 10_000;
const EXIT_MS = 5_000;

beforeAll(() => {
  // aws-framework's dist is built by the global setup; the local gateway's is not. tsc, never
  // `pnpm build`, whose rm -rf dist could pull the files from under other test files.
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'packages/local-gateway/tsconfig.build.json'],
    { cwd: root, stdio: 'inherit' },
  );
}, 60_000);

interface Server {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | string>;
  pageUrl: string;
  webSocketUrl: string;
  endpoint: string;
}

const children: ChildProcess[] = [];
const clients: ChatClient[] = [];

afterEach(() => {
  for (const client of clients.splice(0)) client.ws.terminate();
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

/** Spawns serve.ts and resolves once it printed its three URLs. */
async function startServer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  // The in-process dynalite is used only when no endpoint is given; the memory store only without TABLE_NAME.
  if (!('DYNAMODB_ENDPOINT' in env)) delete childEnv.DYNAMODB_ENDPOINT;
  if (!('TABLE_NAME' in env)) delete childEnv.TABLE_NAME;
  const child = spawn(process.execPath, [tsxCli, 'examples/chat/src/serve.ts', ...args], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });

  const printed = new Promise<RegExpExecArray[]>((resolve, reject) => {
    const patterns = [
      /Chat page:\s+(http:\/\/127\.0\.0\.1:\d+\/)\s/,
      /WebSocket URL:\s+(ws:\/\/\S+)\s/,
      /Management endpoint:\s+(http:\/\/\S+)\s/,
      /Connections kept in:\s+(.+)\n/,
    ];
    const check = () => {
      const matches = patterns.map((pattern) => pattern.exec(out));
      if (matches.every((m) => m !== null)) resolve(matches as RegExpExecArray[]);
    };
    child.stdout?.on('data', check);
    void exited.then((code) =>
      reject(new Error(`serve.ts exited (${code}) before printing its URLs:\n${out}`)),
    );
  });
  const [page, webSocket, management] = await withTimeout(
    printed,
    START_MS,
    'serve.ts to print its URLs and its store',
  ).catch((error: Error) => {
    throw new Error(`${error.message}\noutput so far:\n${out}`);
  });
  return {
    child,
    output: () => out,
    exited,
    pageUrl: page?.[1] as string,
    webSocketUrl: webSocket?.[1] as string,
    endpoint: management?.[1] as string,
  };
}

async function fetchText(url: string): Promise<{ status: number; type: string; text: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

/** Signs in on the page's server as the page does: `POST /token` with `{ name }`. */
async function signIn(
  server: Server,
  name: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL('token', server.pageUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
    signal: AbortSignal.timeout(3_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * Signs in as `name`, connects to `room` with the token at the URL the sign-in gave, and says
 * hello as the page does: `names` is who the reply says is in the room.
 */
async function joinAs(server: Server, name: string, room: string, names: string[]): Promise<ChatClient> {
  const { status, body } = await signIn(server, name);
  expect(status).toBe(200);
  expect(body.url).toBe(server.webSocketUrl);
  const client = await openClient(
    `${body.url}?${new URLSearchParams({ room, token: body.token as string })}`,
  );
  clients.push(client);
  await client.send({ action: 'hello', id: 'hi' });
  expect(await client.next()).toEqual({ reply: 'hi', ok: true, payload: { names } });
  return client;
}

const message = (from: string, text: string) => ({
  event: 'message',
  payload: { from, text, at: expect.any(Number) },
});

async function exchangeMessage(server: Server, room: string): Promise<void> {
  const alice = await joinAs(server, 'alice', room, ['alice']);
  const bob = await joinAs(server, 'bob', room, ['alice', 'bob']);
  expect(await alice.next()).toEqual({ event: 'joined', payload: { name: 'bob', names: ['alice', 'bob'] } });
  await alice.send({ action: 'sendMessage', payload: { text: 'hello from the start script' } });
  expect(await bob.next()).toEqual(message('alice', 'hello from the start script'));
  expect(await alice.next()).toEqual(message('alice', 'hello from the start script'));
  await bob.send({ action: 'sendMessage', payload: { text: 'hi alice' }, id: 'r' });
  expect(await alice.next()).toEqual(message('bob', 'hi alice'));
  expect(await bob.next()).toEqual(message('bob', 'hi alice'));
  expect(await bob.next()).toEqual({ reply: 'r', ok: true, payload: { at: expect.any(Number) } });
  // The heartbeat route is a MOCK one, as on AWS: logged as such, no Lambda runs.
  await alice.send({ action: 'ping' });
  await bob.close();
  expect(await alice.next()).toEqual({ event: 'left', payload: { name: 'bob', names: ['alice'] } });
  expect(server.output()).toMatch(/ping \S+ mock/);
}

async function stop(server: Server): Promise<void> {
  server.child.kill('SIGTERM');
  const code = await withTimeout(server.exited, EXIT_MS, 'serve.ts to exit after SIGTERM').catch(
    (error: Error) => {
      throw new Error(`${error.message}\noutput:\n${server.output()}`);
    },
  );
  expect(code, server.output()).toBe(0);
  expect(server.output()).toContain('SIGTERM: disconnecting every client');
}

describe('pnpm start (examples/chat/src/serve.ts)', () => {
  it('serves the page and its bundled chat.js, prints its URLs, chats in memory, and exits 0 on SIGTERM', async () => {
    const server = await startServer(['--port', '0']);
    const port = new URL(server.pageUrl).port;
    expect(port).not.toBe('0');
    // The gateway has a port of its own: the page's server also answers the sign-in.
    const gatewayPort = new URL(server.webSocketUrl).port;
    expect(server.webSocketUrl).toBe(`ws://127.0.0.1:${gatewayPort}/local`);
    expect(server.endpoint).toBe(`http://127.0.0.1:${gatewayPort}/local`);
    expect(gatewayPort).not.toBe(port);
    expect(server.output()).toMatch(/Connections kept in:\s+memory/);

    const page = await fetchText(server.pageUrl);
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    expect(page.text).toContain('<form id="join">');
    expect(page.text).toContain('id="messages"');
    expect(page.text).toContain('id="members"');
    expect(page.text).toContain('<script type="module" src="chat.js">');
    // page/chat.ts bundled as the server started: createClient and the contract, no imports left.
    const script = await fetchText(new URL('chat.js', server.pageUrl).href);
    expect(script.status).toBe(200);
    expect(script.type).toContain('javascript');
    expect(script.text).toContain('new WebSocket(');
    expect(script.text).toContain('{"action":"ping"}');
    expect(script.text).not.toMatch(/^import\b|\bfrom\s*["']aws-framework/m);
    expect(script.text).toContain('sourceMappingURL=data:application/json');

    await exchangeMessage(server, 'red');
    // The gateway logs every invocation through the logger serve.ts gives it.
    expect(server.output()).toMatch(/\$connect \S+ 200/);

    await stop(server);
  }, 20_000);

  it('signs in names within the rules only, and the gateway refuses a connection without a token 401', async () => {
    const server = await startServer(['--port', '0']);
    const token = await signIn(server, 'carol');
    expect(token.status).toBe(200);
    expect(token.body).toEqual({ token: expect.any(String), url: server.webSocketUrl, expiresIn: 900 });
    for (const name of ['', '   ', 'n'.repeat(33), 42, null]) {
      const refused = await signIn(server, name);
      expect(refused.status, JSON.stringify(name)).toBe(400);
      expect(refused.body.message).toMatch(/name/);
    }
    const get = await fetch(new URL('token', server.pageUrl), { signal: AbortSignal.timeout(3_000) });
    expect(get.status).toBe(405);
    for (const path of ['nothing.js', '..%2Fpackage.json', '%2e%2e/src/serve.ts']) {
      expect((await fetchText(new URL(path, server.pageUrl).href)).status, path).toBe(404);
    }

    for (const query of ['?room=red', '?room=red&name=carol', '?room=red&token=forged.token.here']) {
      const refusal = await expectRefusal(`${server.webSocketUrl}${query}`);
      expect(refusal.status, query).toBe(401);
    }
    await stop(server);
  }, 20_000);

  it('with --dynamodb and no DYNAMODB_ENDPOINT, keeps connections in an in-process dynalite', async () => {
    const server = await startServer(['--dynamodb', '--port', '0'], { TABLE_NAME: 'chat-start-test' });
    expect(server.output()).toMatch(
      /Connections kept in:\s+DynamoDB table chat-start-test at http:\/\/127\.0\.0\.1:\d+/,
    );

    await exchangeMessage(server, 'blue');

    await stop(server);
  }, 20_000);

  it('with --dynamodb and DYNAMODB_ENDPOINT, creates and uses the TABLE_NAME table there', async () => {
    const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => dynamo.listen(0, '127.0.0.1', () => resolve()));
    const endpoint = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
    const client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const server = await startServer(['--dynamodb', '--port', '0'], {
        TABLE_NAME: 'chat-endpoint-test',
        DYNAMODB_ENDPOINT: endpoint,
      });
      expect(server.output()).toContain(
        `Connections kept in: DynamoDB table chat-endpoint-test at ${endpoint}`,
      );
      expect((await client.send(new ListTablesCommand({}))).TableNames).toContain('chat-endpoint-test');

      await exchangeMessage(server, 'green');
      const items = await client.send(new ScanCommand({ TableName: 'chat-endpoint-test' }));
      expect(JSON.stringify(items.Items)).toContain('alice');

      await stop(server);
    } finally {
      client.destroy();
      await withTimeout(
        new Promise<void>((resolve) => dynamo.close(() => resolve())),
        3_000,
        'dynalite to close',
      );
    }
  }, 20_000);
});
