import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openClient, sleep, type TestClient, WAIT_MS, withTimeout } from './helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'packages/local-gateway/bin/aws-framework-local.js');

// A TypeScript handler with an interface and type annotations, and no imports: a temp dir cannot
// resolve workspace packages. It logs every event so the test can see $disconnect arrive.
const HANDLER_TS = `
interface GatewayEvent {
  requestContext: { eventType: string; routeKey: string; connectionId: string; disconnectStatusCode?: number };
  body?: string;
}
type Result = { statusCode: number; body?: string };

export const handler = async (event: GatewayEvent): Promise<Result> => {
  const rc = event.requestContext;
  console.log(\`HANDLER \${rc.eventType} \${rc.routeKey} \${rc.connectionId} \${rc.disconnectStatusCode ?? '-'}\`);
  if (rc.eventType === 'MESSAGE') return { statusCode: 200, body: \`echo:\${event.body}\` };
  return { statusCode: 200 };
};

export const other = (event: GatewayEvent): Result => {
  console.log(\`OTHER \${event.requestContext.eventType}\`);
  return { statusCode: 200, body: 'from other' };
};
`;

let dir: string;

beforeAll(async () => {
  // Build the package's dist as the bin imports it; not `pnpm build`, whose rm -rf could race other files.
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'packages/local-gateway/tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  dir = await mkdtemp(join(tmpdir(), 'local-gateway-cli-'));
  await writeFile(join(dir, 'handler.ts'), HANDLER_TS);
  await writeFile(
    join(dir, 'broken.ts'),
    `const x: number = 1;\nthrow new Error('broken at load time ' + x);\nexport const handler = () => ({ statusCode: 200 });\n`,
  );
  await writeFile(join(dir, 'index.html'), '<h1>static from the cli</h1>');
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Cli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  waitForStdout(pattern: RegExp, what: string, ms?: number): Promise<RegExpExecArray>;
}

const running: ChildProcess[] = [];
const openClients: TestClient[] = [];

afterEach(() => {
  for (const client of openClients.splice(0)) client.ws.terminate();
  for (const child of running.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

function runCli(args: string[]): Cli {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    for (const listener of listeners) listener();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStdout(pattern, what, ms = WAIT_MS * 2) {
      let listener: (() => void) | undefined;
      const found = new Promise<RegExpExecArray>((resolve, reject) => {
        listener = () => {
          const match = pattern.exec(out);
          if (match) resolve(match);
        };
        listeners.add(listener);
        listener();
        void exited.then((code) =>
          reject(
            new Error(`the CLI exited (${code}) before printing ${what}; stdout:\n${out}\nstderr:\n${err}`),
          ),
        );
      });
      return withTimeout(found, ms, `${what} on the CLI's stdout:\n${out}\nstderr:\n${err}`).finally(() => {
        if (listener) listeners.delete(listener);
      });
    },
  };
}

async function urlOf(cli: Cli): Promise<string> {
  const match = await cli.waitForStdout(/WebSocket URL:\s+(ws:\/\/\S+)/, 'the WebSocket URL');
  return match[1] as string;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('aws-framework-local CLI', () => {
  it('runs a TypeScript handler: messages, a log line per invocation, SIGTERM disconnects and exits 0', async () => {
    const cli = runCli([join(dir, 'handler.ts'), '--port', '0', '--route-responses']);
    const url = await urlOf(cli);
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/local$/);
    expect(url).not.toMatch(/:0\//);
    const port = new URL(url).port;
    await cli.waitForStdout(
      new RegExp(`Management endpoint: http://127\\.0\\.0\\.1:${port}/local$`, 'm'),
      'the management endpoint',
    );

    const client = await openClient(url);
    openClients.push(client);
    const connected = await cli.waitForStdout(
      /HANDLER CONNECT \$connect (\S+) -/,
      'the $connect log from the handler',
    );
    const connectionId = connected[1] as string;

    await client.send('{"action":"hello"}');
    expect((await client.next()).text).toBe('echo:{"action":"hello"}');
    await cli.waitForStdout(
      new RegExp(`^hello ${escapeRegExp(connectionId)} 200 [\\d.]+ ?ms$`, 'm'),
      'the invocation log line for the message',
    );
    expect(cli.stdout()).toMatch(
      new RegExp(`^\\$connect ${escapeRegExp(connectionId)} 200 [\\d.]+ ?ms$`, 'm'),
    );

    cli.child.kill('SIGTERM');
    const closed = await client.waitClose();
    expect(closed.code).toBe(1001);
    expect(await withTimeout(cli.exited, WAIT_MS * 2, 'the CLI to exit after SIGTERM')).toBe(0);
    expect(cli.stdout()).toContain(`HANDLER DISCONNECT $disconnect ${connectionId} 1001`);
    expect(cli.stdout()).toMatch(
      new RegExp(`^\\$disconnect ${escapeRegExp(connectionId)} 200 [\\d.]+ ?ms$`, 'm'),
    );
  });

  it('takes --export, --stage and --static; without --route-responses the body is not sent back', async () => {
    const cli = runCli([
      join(dir, 'handler.ts'),
      '--export',
      'other',
      '--port',
      '0',
      '--stage',
      'dev',
      '--static',
      dir,
    ]);
    const url = await urlOf(cli);
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/dev$/);
    const origin = `http://${new URL(url).host}`;
    const page = await fetch(`${origin}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('<h1>static from the cli</h1>');

    const client = await openClient(url);
    openClients.push(client);
    await client.send('hi');
    await cli.waitForStdout(/OTHER MESSAGE/, 'the other export being called');
    await sleep(150);
    expect(client.history).toHaveLength(0);

    cli.child.kill('SIGTERM');
    expect(await withTimeout(cli.exited, WAIT_MS * 2, 'the CLI to exit')).toBe(0);
  });

  it('a module that fails to load exits non-zero naming the module and the error', async () => {
    const module = join(dir, 'broken.ts');
    const cli = runCli([module, '--port', '0']);
    const code = await withTimeout(cli.exited, WAIT_MS * 2, 'the CLI to exit');
    expect(code).not.toBe(0);
    expect(cli.stderr()).toContain(module);
    expect(cli.stderr()).toContain('broken at load time 1');
    expect(cli.stdout()).not.toContain('WebSocket URL');
  });

  it('a module that does not exist exits non-zero naming it', async () => {
    const module = join(dir, 'missing.ts');
    const cli = runCli([module, '--port', '0']);
    expect(await withTimeout(cli.exited, WAIT_MS * 2, 'the CLI to exit')).not.toBe(0);
    expect(cli.stderr()).toContain(module);
  });

  it('a module without the named export exits non-zero naming the module and the export', async () => {
    const module = join(dir, 'handler.ts');
    const cli = runCli([module, '--export', 'notThere', '--port', '0']);
    expect(await withTimeout(cli.exited, WAIT_MS * 2, 'the CLI to exit')).not.toBe(0);
    expect(cli.stderr()).toContain(module);
    expect(cli.stderr()).toContain('notThere');
    expect(cli.stdout()).not.toContain('WebSocket URL');
  });

  it('an invalid --port exits non-zero with a message', async () => {
    const cli = runCli([join(dir, 'handler.ts'), '--port', 'abc']);
    expect(await withTimeout(cli.exited, WAIT_MS * 2, 'the CLI to exit')).not.toBe(0);
    expect(cli.stderr()).toMatch(/--port/);
  });
});
