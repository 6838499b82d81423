import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A `$connect` that sends nothing must not load the management API client: that import dominates
 * cold start. Checked in a fresh `node` process running the BUILT package, with a module hook
 * recording every module the process resolves and loads.
 *
 * The package is built here with its own tsconfig.build.json (what `pnpm build` runs) into a
 * private directory, so the test neither uses a stale `dist` nor races another build of it.
 */

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const SDK_NAME = 'client-apigatewaymanagementapi';
const SIGNER_NAME = '@smithy/signature-v4';
const CREDENTIALS_NAME = 'credential-provider-node';

let buildDir: string;

beforeAll(() => {
  buildDir = mkdtempSync(join(tmpdir(), 'aws-framework-lazy-'));
  const tsc = join(packageDir, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(packageDir, 'tsconfig.build.json'), '--outDir', buildDir], {
    cwd: packageDir,
    stdio: 'pipe',
  });
  // ESM output, resolving the package's own dependencies exactly as its dist does.
  writeFileSync(join(buildDir, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(join(packageDir, 'node_modules'), join(buildDir, 'node_modules'), 'dir');
  expect(existsSync(join(buildDir, 'index.js'))).toBe(true);
  expect(existsSync(join(buildDir, 'testing', 'index.js'))).toBe(true);
}, 120_000);

afterAll(() => {
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

// Runs as `node --input-type=module -e`. Prints one JSON line per snapshot of loaded modules.
const CHILD = `
import { registerHooks } from 'node:module';
import { createServer } from 'node:http';

const seen = [];
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context);
    seen.push(specifier + ' -> ' + result.url);
    return result;
  },
  load(url, context, next) {
    seen.push('load ' + url);
    return next(url, context);
  },
});

const build = process.env.LAZY_BUILD_URL;
const { webSocketLambda } = await import(build + '/index.js');
const { createConnectEvent, createLambdaContext } = await import(build + '/testing/index.js');

// 1. A $connect that sends nothing.
const quiet = webSocketLambda(async (_event, context) => {
  if (context.connectionId === '') throw new Error('no connection id');
  return { statusCode: 200 };
});
const quietResult = await quiet(createConnectEvent(), createLambdaContext());
console.log(JSON.stringify({ step: 'quiet', statusCode: quietResult.statusCode, seen: [...seen] }));

// 2. The same process, a handler that sends to a local stand-in for the management API.
const received = [];
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received.push(req.method + ' ' + req.url);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;
const sending = webSocketLambda(async (_event, context) => {
  await context.send(context.connectionId, 'welcome');
});
const sendResult = await sending(
  createConnectEvent({ requestContext: { domainName: '127.0.0.1:' + port, stage: 'local', connectionId: 'abc=' } }),
  createLambdaContext(),
);
server.closeAllConnections();
server.close();
console.log(JSON.stringify({ step: 'sending', statusCode: sendResult.statusCode, received, seen: [...seen] }));
`;

// The direct transport, in its own process: nothing loads until the first send; a send to a local
// endpoint loads the signer but neither the SDK client nor the credential chain (placeholder
// credentials); once AWS_ACCESS_KEY_ID is set, the next endpoint's first send loads the chain.
const DIRECT_CHILD = `
import { registerHooks } from 'node:module';
import { createServer } from 'node:http';

const seen = [];
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context);
    seen.push(specifier + ' -> ' + result.url);
    return result;
  },
  load(url, context, next) {
    seen.push('load ' + url);
    return next(url, context);
  },
});

const received = [];
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received.push(req.method + ' ' + req.url + ' ' + req.headers.authorization.split(',')[0]);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = 'http://127.0.0.1:' + server.address().port;

const { connections } = await import(process.env.LAZY_BUILD_URL + '/index.js');
const local = connections({ endpoint: base + '/local', transport: 'direct' });
console.log(JSON.stringify({ step: 'constructed', statusCode: 0, seen: [...seen] }));

await local.send('abc=', 'welcome');
console.log(JSON.stringify({ step: 'local', statusCode: 0, received: [...received], seen: [...seen] }));

process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
process.env.AWS_SECRET_ACCESS_KEY = 'secret';
await connections({ endpoint: base + '/other', transport: 'direct' }).send('def=', 'hello');
server.closeAllConnections();
server.close();
console.log(JSON.stringify({ step: 'signed', statusCode: 0, received: [...received], seen: [...seen] }));
`;

interface Snapshot {
  step: string;
  statusCode: number;
  seen: string[];
  received?: string[];
}

function runChild(script = CHILD): Snapshot[] {
  const env: NodeJS.ProcessEnv = { ...process.env, LAZY_BUILD_URL: pathToFileURL(buildDir).href };
  for (const key of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'WEBSOCKET_MANAGEMENT_ENDPOINT',
    'NODE_OPTIONS',
  ]) {
    delete env[key];
  }
  const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env,
    encoding: 'utf8',
    timeout: 30_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Snapshot);
}

describe('lazy management client', () => {
  let quiet: Snapshot;
  let sending: Snapshot;

  beforeAll(() => {
    const snapshots = runChild();
    expect(snapshots.map((s) => s.step)).toEqual(['quiet', 'sending']);
    [quiet, sending] = snapshots as [Snapshot, Snapshot];
  }, 60_000);

  it('the hook records the modules the built package loads (so an absence means something)', () => {
    expect(quiet.seen.some((entry) => entry.includes('@middy/core'))).toBe(true);
    expect(quiet.seen.some((entry) => entry.startsWith('load ') && entry.endsWith('/index.js'))).toBe(true);
  });

  it('a $connect that sends nothing never loads @aws-sdk/client-apigatewaymanagementapi', () => {
    expect(quiet.statusCode).toBe(200);
    expect(quiet.seen.filter((entry) => entry.includes(SDK_NAME))).toEqual([]);
  });

  it('a handler that sends does load it, and its request reaches the server', () => {
    expect(sending.statusCode).toBe(200);
    expect(sending.received).toEqual(['POST /local/@connections/abc%3D']);
    expect(sending.seen.some((entry) => entry.includes(SDK_NAME))).toBe(true);
  });
});

describe('lazy direct transport', () => {
  let constructed: Snapshot;
  let local: Snapshot;
  let signed: Snapshot;
  const loaded = (snapshot: Snapshot, name: string) => snapshot.seen.some((entry) => entry.includes(name));

  beforeAll(() => {
    const snapshots = runChild(DIRECT_CHILD);
    expect(snapshots.map((s) => s.step)).toEqual(['constructed', 'local', 'signed']);
    [constructed, local, signed] = snapshots as [Snapshot, Snapshot, Snapshot];
  }, 60_000);

  it("connections({ transport: 'direct' }) loads neither the signer, the credential chain nor the SDK client", () => {
    expect(loaded(constructed, 'index.js')).toBe(true);
    expect(loaded(constructed, SIGNER_NAME)).toBe(false);
    expect(loaded(constructed, CREDENTIALS_NAME)).toBe(false);
    expect(loaded(constructed, SDK_NAME)).toBe(false);
  });

  it('its first send to a local endpoint loads the signer only: placeholder credentials, no SDK client', () => {
    expect(local.received).toHaveLength(1);
    expect(local.received![0]).toMatch(
      /^POST \/local\/@connections\/abc%3D AWS4-HMAC-SHA256 Credential=local\//,
    );
    expect(loaded(local, SIGNER_NAME)).toBe(true);
    expect(loaded(local, CREDENTIALS_NAME)).toBe(false);
    expect(loaded(local, SDK_NAME)).toBe(false);
  });

  it("with AWS_ACCESS_KEY_ID set, a send loads the SDK's default credential chain and signs with it", () => {
    expect(signed.received?.[1]).toMatch(
      /^POST \/other\/@connections\/def%3D AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//,
    );
    expect(loaded(signed, CREDENTIALS_NAME)).toBe(true);
    expect(loaded(signed, SDK_NAME)).toBe(false);
  });
});
