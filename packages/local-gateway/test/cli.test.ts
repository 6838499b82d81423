import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectRefusal, openClient, sleep, type TestClient, WAIT_MS, withTimeout } from './helpers.js';

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
  // Allows a token "good" with a name in the context; refuses anything else.
  await writeFile(
    join(dir, 'authorizer.ts'),
    `export const check = async (event: { methodArn: string; queryStringParameters: Record<string, string> }) => {
  if (event.queryStringParameters.token !== 'good') throw new Error('Unauthorized');
  return {
    principalId: 'ana',
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }] },
    context: { name: 'Ana' },
  };
};
`,
  );
  await writeFile(
    join(dir, 'whoami.ts'),
    `export const handler = async (event: { requestContext: { eventType: string; authorizer?: Record<string, unknown> } }) => {
  console.log('WHO ' + event.requestContext.eventType + ' ' + JSON.stringify(event.requestContext.authorizer));
  return { statusCode: 200 };
};
`,
  );
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
  waitForStderr(pattern: RegExp, what: string, ms?: number): Promise<RegExpExecArray>;
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
  const output = { out: '', err: '' };
  const listeners = new Set<() => void>();
  const collect = (stream: 'out' | 'err') => (chunk: Buffer) => {
    output[stream] += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', collect('out'));
  child.stderr?.on('data', collect('err'));
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const waitFor = (stream: 'out' | 'err', pattern: RegExp, what: string, ms = WAIT_MS * 2) => {
    const name = stream === 'out' ? 'stdout' : 'stderr';
    let listener: (() => void) | undefined;
    const found = new Promise<RegExpExecArray>((resolve, reject) => {
      listener = () => {
        const match = pattern.exec(output[stream]);
        if (match) resolve(match);
      };
      listeners.add(listener);
      listener();
      void exited.then((code) =>
        reject(
          new Error(
            `the CLI exited (${code}) before printing ${what}; stdout:\n${output.out}\nstderr:\n${output.err}`,
          ),
        ),
      );
    });
    return withTimeout(
      found,
      ms,
      `${what} on the CLI's ${name}:\nstdout:\n${output.out}\nstderr:\n${output.err}`,
    ).finally(() => {
      if (listener) listeners.delete(listener);
    });
  };
  return {
    child,
    stdout: () => output.out,
    stderr: () => output.err,
    exited,
    waitForStdout: (pattern, what, ms) => waitFor('out', pattern, what, ms),
    waitForStderr: (pattern, what, ms) => waitFor('err', pattern, what, ms),
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

describe('aws-framework-local flags', () => {
  it.each([
    [['--routes', 'a,,b'], '--routes'],
    [['--routes', ','], '--routes'],
    [['--mock-routes', 'ping,'], '--mock-routes'],
    [['--client-buffer-bytes', 'lots'], '--client-buffer-bytes'],
    [['--client-buffer-bytes', '0'], '--client-buffer-bytes'],
    [['--management-rate-limit', '1.5'], '--management-rate-limit'],
    [['--management-rate-limit', '-3'], '--management-rate-limit'],
  ])('%j exits 2 naming the flag', async (flags, flag) => {
    const cli = runCli([join(dir, 'handler.ts'), '--port', '0', ...flags]);
    expect(await withTimeout(cli.exited, WAIT_MS * 2, 'the CLI to exit')).toBe(2);
    expect(cli.stderr()).toContain(flag);
    expect(cli.stdout()).not.toContain('WebSocket URL');
  });

  it('--routes declares the route keys: an action outside them takes $default', async () => {
    const cli = runCli([join(dir, 'handler.ts'), '--port', '0', '--routes', 'hello, bye']);
    const client = await openClient(await urlOf(cli));
    openClients.push(client);
    await client.send('{"action":"hello"}');
    await cli.waitForStdout(/HANDLER MESSAGE hello /, 'the declared route');
    await client.send('{"action":"other"}');
    await cli.waitForStdout(/HANDLER MESSAGE \$default /, 'the undeclared action on $default');
  });

  it('--management-rate-limit caps management API requests per second with 429', async () => {
    const cli = runCli([join(dir, 'handler.ts'), '--port', '0', '--management-rate-limit', '1']);
    const url = await urlOf(cli);
    const endpoint = (await cli.waitForStdout(/Management endpoint: (\S+)/, 'the endpoint'))[1] as string;
    const client = await openClient(url);
    openClients.push(client);
    const connectionId = (
      await cli.waitForStdout(/HANDLER CONNECT \$connect (\S+)/, 'the $connect')
    )[1] as string;
    const post = () =>
      fetch(`${endpoint}/@connections/${encodeURIComponent(connectionId)}`, { method: 'POST', body: 'x' });
    const statuses = [(await post()).status, (await post()).status];
    expect(statuses).toEqual([200, 429]);
  });
});

describe('aws-framework-local --authorizer', () => {
  it('runs the authorizer before $connect: missing identity source 401, refusal 401, allowed with context', async () => {
    const cli = runCli([
      join(dir, 'whoami.ts'),
      '--port',
      '0',
      '--authorizer',
      `${join(dir, 'authorizer.ts')}#check`,
      '--identity-source',
      'route.request.querystring.token',
    ]);
    const url = await urlOf(cli);
    expect((await expectRefusal(url)).status).toBe(401);
    expect((await expectRefusal(`${url}?token=bad`)).status).toBe(401);
    const client = await openClient(`${url}?token=good`);
    openClients.push(client);
    await client.send('hi');
    await cli.waitForStdout(
      /WHO CONNECT \{"name":"Ana","principalId":"ana","integrationLatency":\d+\}/,
      'the $connect with its authorizer',
    );
    await cli.waitForStdout(
      /WHO MESSAGE \{"name":"Ana","principalId":"ana"\}/,
      'the message with its authorizer',
    );
  });

  it.each([
    [['--identity-source', 'route.request.querystring.token'], /--identity-source needs --authorizer/, 2],
    [['--authorizer', 'nowhere.ts'], /--authorizer: cannot load module nowhere\.ts/, 1],
    [['--authorizer', 'AUTH#missing'], /--authorizer: .*no function export "missing"/, 1],
  ])('%j exits non-zero saying why', async (flags, message, code) => {
    const args = flags.map((flag) => flag.replace('AUTH', join(dir, 'authorizer.ts')));
    const cli = runCli([join(dir, 'whoami.ts'), '--port', '0', ...args]);
    expect(await withTimeout(cli.exited, WAIT_MS * 2, 'the CLI to exit')).toBe(code);
    expect(cli.stderr()).toMatch(message);
  });
});

describe('aws-framework-local --watch', () => {
  const handlerSource = (version: string) => `
import { greeting } from './greeting.js';
const version: string = '${version}';
export const handler = async (event: { requestContext: { eventType: string }; body?: string }) => {
  if (event.requestContext.eventType === 'CONNECT') console.log('HANDLER CONNECT');
  if (event.requestContext.eventType !== 'MESSAGE') return { statusCode: 200 };
  return { statusCode: 200, body: \`\${greeting}:\${version}:\${event.body}\` };
};
`;
  const greetingSource = (greeting: string) => `export const greeting: string = '${greeting}';\n`;
  const reloads = (n: number) => new RegExp(`(?:^reloaded \\S+$[\\s\\S]*?){${n}}`, 'm');

  async function watchedProject(packageJson: string | undefined) {
    const project = await mkdtemp(join(tmpdir(), 'local-gateway-watch-'));
    if (packageJson) await writeFile(join(project, 'package.json'), packageJson);
    await writeFile(join(project, 'greeting.ts'), greetingSource('hello-1'));
    await writeFile(join(project, 'handler.ts'), handlerSource('main-1'));
    return project;
  }

  async function reply(client: TestClient, body: string): Promise<string> {
    await client.send(body);
    return (await client.next()).text;
  }

  it('reloads the handler and its imports on the same open connection; a broken save keeps the previous one', async () => {
    // No package.json: the .ts files load as CommonJS, whose require cache a reload must get past.
    const project = await watchedProject(undefined);
    try {
      const cli = runCli([join(project, 'handler.ts'), '--port', '0', '--route-responses', '--watch']);
      const url = await urlOf(cli);
      await cli.waitForStdout(/^Watching:/m, 'the watch line');
      const client = await openClient(url);
      openClients.push(client);
      expect(await reply(client, 'a')).toBe('hello-1:main-1:a');

      await writeFile(join(project, 'handler.ts'), handlerSource('main-2'));
      await cli.waitForStdout(reloads(1), 'the first reload');
      expect(await reply(client, 'b')).toBe('hello-1:main-2:b');

      await writeFile(join(project, 'greeting.ts'), greetingSource('hello-2'));
      await cli.waitForStdout(reloads(2), 'the reload for the imported module');
      expect(await reply(client, 'c')).toBe('hello-2:main-2:c');

      await writeFile(join(project, 'handler.ts'), 'export const handler = (: number => 1;\n');
      await cli.waitForStderr(
        /^reload failed, still serving the previous handler: .*handler\.ts/m,
        'the failure',
      );
      expect(await reply(client, 'd')).toBe('hello-2:main-2:d');

      // Dotfiles and node_modules are not the handler's code.
      await mkdir(join(project, 'node_modules'), { recursive: true });
      await writeFile(join(project, 'node_modules', 'x.js'), 'export {};\n');
      await writeFile(join(project, '.handler.ts.swp'), 'swap');
      await sleep(400);
      expect(cli.stdout().match(/^reloaded /gm)).toHaveLength(2);

      await writeFile(join(project, 'handler.ts'), handlerSource('main-3'));
      await cli.waitForStdout(reloads(3), 'the reload after the fix');
      expect(await reply(client, 'e')).toBe('hello-2:main-3:e');

      expect(client.ws.readyState).toBe(client.ws.OPEN);
      expect(cli.stdout().match(/^HANDLER CONNECT$/gm)).toHaveLength(1);
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });

  it('picks up a change in an imported module of an ES module package', async () => {
    const project = await watchedProject('{ "type": "module" }\n');
    try {
      const cli = runCli([join(project, 'handler.ts'), '--port', '0', '--route-responses', '--watch']);
      const url = await urlOf(cli);
      await cli.waitForStdout(/^Watching:/m, 'the watch line');
      const client = await openClient(url);
      openClients.push(client);
      expect(await reply(client, 'a')).toBe('hello-1:main-1:a');
      await writeFile(join(project, 'greeting.ts'), greetingSource('hello-2'));
      await cli.waitForStdout(reloads(1), 'the reload');
      expect(await reply(client, 'b')).toBe('hello-2:main-1:b');
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
  it("follows the route keys a reloaded handler carries, as aws-framework's routes({...}) lists them", async () => {
    const project = await mkdtemp(join(tmpdir(), 'local-gateway-watch-'));
    const source = (keys: string[]) => `
const handler = async (event: { requestContext: { eventType: string; routeKey: string } }) =>
  event.requestContext.eventType === 'MESSAGE' ? { statusCode: 200, body: event.requestContext.routeKey } : { statusCode: 200 };
Object.defineProperty(handler, Symbol.for('aws-framework.routeKeys'), { value: ${JSON.stringify(keys)} });
export { handler };
`;
    try {
      await writeFile(join(project, 'handler.ts'), source(['a', '$default']));
      const cli = runCli([join(project, 'handler.ts'), '--port', '0', '--route-responses', '--watch']);
      const url = await urlOf(cli);
      await cli.waitForStdout(/^Watching:/m, 'the watch line');
      const client = await openClient(url);
      openClients.push(client);
      expect(await reply(client, '{"action":"a"}')).toBe('a');
      expect(await reply(client, '{"action":"b"}')).toBe('$default');

      await writeFile(join(project, 'handler.ts'), source(['a', 'b', '$default']));
      await cli.waitForStdout(reloads(1), 'the reload');
      expect(await reply(client, '{"action":"b"}')).toBe('b');
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
});

describe('aws-framework-local and unhandled rejections', () => {
  it("logs a handler's forgotten rejected promise with its invocation and keeps serving", async () => {
    const project = await mkdtemp(join(tmpdir(), 'local-gateway-rejection-'));
    try {
      await writeFile(
        join(project, 'handler.ts'),
        `export const handler = async (event: { requestContext: { eventType: string; connectionId: string }; body?: string }) => {
  if (event.requestContext.eventType === 'CONNECT') console.log(\`CONNECTED \${event.requestContext.connectionId}\`);
  if (event.body === 'forget') {
    // A send to a gone connection without await, as a handler might do by mistake.
    Promise.reject(new Error('forgotten rejection'));
  }
  return { statusCode: 200, body: \`ok:\${event.body}\` };
};
`,
      );
      const cli = runCli([join(project, 'handler.ts'), '--port', '0', '--route-responses']);
      const client = await openClient(await urlOf(cli));
      openClients.push(client);
      const connectionId = (await cli.waitForStdout(/^CONNECTED (\S+)$/m, 'the $connect'))[1] as string;

      await client.send('forget');
      expect((await client.next()).text).toBe('ok:forget');
      await cli.waitForStderr(
        new RegExp(
          `^unhandled rejection in a handler \\(\\$default ${escapeRegExp(connectionId)}\\): Error: forgotten rejection$`,
          'm',
        ),
        'the unhandled rejection line',
      );
      await client.send('after');
      expect((await client.next()).text).toBe('ok:after');
      expect(client.ws.readyState).toBe(client.ws.OPEN);
      expect(cli.child.exitCode).toBeNull();
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
});
