// The chat function bundled for real, by esbuild on this machine as `cdk synth` does it, then run:
// the bundle is imported in a plain `node` process and answers a $connect event, writing to a
// table made from the synthesized template's own definition (on dynalite).
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  ScanCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { App, type CfnElement } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { CONNECTIONS_TABLE_KEYS, DynamoDbConnectionStore } from 'aws-framework/dynamodb';
import { createAuthorizerEvent, createConnectEvent } from 'aws-framework/testing';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_TOKEN_AUDIENCE, CHAT_TOKEN_ISSUER, issueChatToken } from '../../src/issueChatToken.js';
import { CHAT_AUTHORIZER_ENTRY, CHAT_HANDLER_ENTRY, ChatStack, WORKSPACE_ROOT } from '../lib/ChatStack.js';

const run = promisify(execFile);

const MANAGEMENT_SDK = '/@aws-sdk/client-apigatewaymanagementapi/';

interface MetafileOutput {
  bytes: number;
  entryPoint?: string;
  inputs: Record<string, unknown>;
  imports: { path: string; kind: string; external?: boolean }[];
}

interface Metafile {
  inputs: Record<string, { bytes: number }>;
  outputs: Record<string, MetafileOutput>;
}

/** A bundle's asset folder, its metafile, and its outputs by their path in that folder. */
interface Asset {
  dir: string;
  meta: Metafile;
  /** `index.mjs`, `chunks/…mjs` (source maps left out). */
  outputs: Map<string, MetafileOutput>;
  /** A metafile output path (relative to the workspace root) as its path in the asset folder. */
  pathOf(output: string): string;
}

let outdir: string;
let chat: Asset;
let authorizer: Asset;
let template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
let server: ReturnType<typeof dynalite>;
let endpoint: string;
const clientConfig = () => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'chat-infra-'));
  // Bundling on (the default): bundledFunction runs esbuild locally. The metafile is asked for
  // only to inspect what went into the bundle.
  const app = new App({ outdir });
  const stack = new ChatStack(app, 'ChatBundle', { bundling: { metafile: true } });
  const assembly = app.synth();
  template = assembly.getStackByName(stack.stackName).template;
  // A function's code is the zip asset its S3Key names; the asset manifest says where it was staged.
  const manifest = JSON.parse(readFileSync(join(outdir, `${stack.stackName}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string; packaging?: string } }>;
  };
  const assetOf = (fn: lambda.Function): Asset => {
    const id = stack.getLogicalId(fn.node.defaultChild as CfnElement);
    const code = template.Resources[id]!.Properties.Code as { S3Key: string };
    const source = manifest.files[code.S3Key.replace(/\.zip$/, '')]?.source;
    expect(source?.packaging).toBe('zip');
    const dir = join(outdir, source!.path);
    const meta = JSON.parse(readFileSync(join(dir, 'index.meta.json'), 'utf8')) as Metafile;
    // The metafile names outputs relative to the workspace root, in the folder esbuild wrote
    // (which CDK then moved): relative to index.mjs's folder they are the asset's paths.
    const entryKey = Object.keys(meta.outputs).find((key) => /(^|\/)index\.mjs$/.test(key))!;
    const base = dirname(join(WORKSPACE_ROOT, entryKey));
    const pathOf = (output: string) => relative(base, join(WORKSPACE_ROOT, output));
    const outputs = new Map(
      Object.entries(meta.outputs)
        .filter(([key]) => key.endsWith('.mjs'))
        .map(([key, output]) => [pathOf(key), output]),
    );
    return { dir, meta, outputs, pathOf };
  };
  chat = assetOf(stack.backend.function);
  authorizer = assetOf(stack.authorizerFunction);

  server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  if (server) await new Promise((resolve) => server.close(resolve));
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

/** `node_modules/.pnpm/<store folder>/node_modules/<name>/<rest>` -> { name, folder, rest }. */
function packageOf(input: string): { name: string; folder: string; rest: string } | undefined {
  const match = /node_modules\/\.pnpm\/([^/]+)\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(input);
  return match ? { folder: match[1]!, name: match[2]!, rest: match[3]! } : undefined;
}

/** The outputs `file` imports statically, itself included: what importing it loads. */
function staticClosure(asset: Asset, file: string): Set<string> {
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const i of asset.outputs.get(path)?.imports ?? []) {
      if (i.kind === 'import-statement' && !i.external) visit(asset.pathOf(i.path));
    }
  };
  visit(file);
  return seen;
}

/** The asset's outputs holding the management API client's code. */
function managementSdkChunks(asset: Asset): string[] {
  return [...asset.outputs]
    .filter(([, output]) => Object.keys(output.inputs).some((input) => input.includes(MANAGEMENT_SDK)))
    .map(([file]) => file);
}

describe('the bundled chat function', () => {
  it('is index.mjs and its chunks, ES modules with source maps, bundled from the chat source', () => {
    const files = readdirSync(chat.dir, { recursive: true, encoding: 'utf8' }).sort();
    const modules = files.filter((file) => file.endsWith('.mjs'));
    expect(modules).toContain('index.mjs');
    expect(modules.length).toBeGreaterThan(1);
    expect(modules.filter((file) => file !== 'index.mjs').every((file) => file.startsWith('chunks/'))).toBe(
      true,
    );
    for (const file of modules) expect(files, file).toContain(`${file}.map`);
    expect(new Set(modules)).toEqual(new Set(chat.outputs.keys()));
    const bytes = (list: string[]) =>
      list.reduce((sum, file) => sum + statSync(join(chat.dir, file)).size, 0);
    const loaded = bytes([...staticClosure(chat, 'index.mjs')]);
    console.log(
      `bundle: ${modules.length} modules, ${(bytes(modules) / 1024).toFixed(1)} KiB, ` +
        `${(loaded / 1024).toFixed(1)} KiB imported statically by index.mjs; ` +
        `source maps ${(bytes(files.filter((file) => file.endsWith('.map'))) / 1024).toFixed(1)} KiB`,
    );
    // Two SDK clients and Middy, minified: a doubled SDK would be well past this.
    expect(bytes(modules)).toBeLessThan(1024 * 1024);
    const relativeEntry = CHAT_HANDLER_ENTRY.slice(WORKSPACE_ROOT.length);
    expect(relativeEntry).toBe('examples/chat/src/handler.ts');
    expect(chat.outputs.get('index.mjs')?.entryPoint).toBe(relativeEntry);
  });

  it('keeps the management API client in a chunk that index.mjs imports only dynamically', () => {
    const sdkChunks = managementSdkChunks(chat);
    expect(sdkChunks.length).toBeGreaterThan(0);
    expect(sdkChunks).not.toContain('index.mjs');
    const loaded = staticClosure(chat, 'index.mjs');
    expect(sdkChunks.filter((file) => loaded.has(file))).toEqual([]);
    // Reached by a dynamic import (the first send), from index.mjs or a chunk it loads.
    const dynamic = [...chat.outputs.values()].flatMap((output) =>
      output.imports.filter((i) => i.kind === 'dynamic-import').map((i) => chat.pathOf(i.path)),
    );
    expect(sdkChunks.some((file) => dynamic.some((d) => staticClosure(chat, d).has(file)))).toBe(true);
  });

  it('bundles the AWS SDK, importing nothing but Node built-ins at run time', () => {
    const external = [...chat.outputs.values()].flatMap((output) =>
      output.imports.filter((i) => i.external).map((i) => i.path),
    );
    expect(external.length).toBeGreaterThan(0);
    // Everything else is inside; the one exception is a require() in a try/catch of the SDK's
    // optional CRT signer (SigV4a, never used by these clients), which esbuild leaves alone.
    const optional = ['@aws-sdk/signature-v4-crt'];
    expect(external.filter((path) => !path.startsWith('node:') && !optional.includes(path))).toEqual([]);
    const names = new Set(Object.keys(chat.meta.inputs).flatMap((input) => packageOf(input)?.name ?? []));
    for (const name of [
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/lib-dynamodb',
      '@aws-sdk/client-apigatewaymanagementapi',
      '@aws-sdk/core',
      '@smithy/core',
      '@middy/core',
    ]) {
      expect(names, name).toContain(name);
    }
  });

  it('ships every package once: one copy of the SDK core, not two', () => {
    const versions = new Map<string, Set<string>>();
    const builds = new Map<string, Set<string>>();
    const add = (map: Map<string, Set<string>>, key: string, value: string) =>
      map.set(key, (map.get(key) ?? new Set()).add(value));
    for (const input of Object.keys(chat.meta.inputs)) {
      const found = packageOf(input);
      if (!found) continue;
      // The store folder names the version (then its peers, after `_`): one folder, one version.
      add(versions, found.name, found.folder.replace(/_.*$/, ''));
      // The SDK ships each package as ES modules and as CommonJS; both in one bundle is a copy too.
      const build = /^(dist-es|dist-cjs)\//.exec(found.rest)?.[1];
      if (build) add(builds, found.name, build);
    }
    const twice = (map: Map<string, Set<string>>) =>
      [...map].filter(([, values]) => values.size > 1).map(([name, values]) => `${name}: ${[...values]}`);
    expect(twice(versions)).toEqual([]);
    expect(twice(builds)).toEqual([]);
    expect(versions.get('@smithy/core')?.size).toBe(1);
    expect(builds.get('@smithy/core')).toEqual(new Set(['dist-es']));
  });

  it('answers $connect with 200 and saves the connection in a table made from the template', async () => {
    // The table exactly as CloudFormation would create it: the template's properties are
    // CreateTable's own names (TTL aside, which dynalite lacks).
    const table = Object.values(template.Resources).find((r) => r.Type === 'AWS::DynamoDB::Table')!;
    const props = table.Properties as {
      AttributeDefinitions: AttributeDefinition[];
      KeySchema: KeySchemaElement[];
      GlobalSecondaryIndexes: GlobalSecondaryIndex[];
      BillingMode: 'PAY_PER_REQUEST';
    };
    const TableName = 'chat-connections-bundle-test';
    const client = new DynamoDBClient(clientConfig());
    try {
      await client.send(
        new CreateTableCommand({
          TableName,
          AttributeDefinitions: props.AttributeDefinitions,
          KeySchema: props.KeySchema,
          GlobalSecondaryIndexes: props.GlobalSecondaryIndexes,
          BillingMode: props.BillingMode,
        }),
      );
      await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 1 }, { TableName });

      // As API Gateway sends it after the authorizer allowed: the name is the token's, not the client's.
      const event = createConnectEvent({
        queryStringParameters: { name: 'mallory', room: 'lobby', token: 'checked by the authorizer' },
        multiValueQueryStringParameters: {
          name: ['mallory'],
          room: ['lobby'],
          token: ['checked by the authorizer'],
        },
        requestContext: { authorizer: { principalId: 'user-1', name: 'ana', integrationLatency: 12 } },
      });
      const { outcomes, loaded } = await runBundle(chat.dir, [event], {
        // As the deployed function has them (plus where DynamoDB is, and credentials for it).
        TABLE_NAME: TableName,
        DYNAMODB_ENDPOINT: endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      });
      expect(outcomes).toEqual([{ result: { statusCode: 200 } }]);
      // The $connect posts to no one: the management API client's chunk stays unread.
      const sdkChunks = managementSdkChunks(chat).map((file) => join(chat.dir, file));
      expect(loaded.some((file) => file.endsWith('index.mjs'))).toBe(true);
      expect(loaded.filter((file) => sdkChunks.includes(file))).toEqual([]);

      // What the bundle wrote, read back through the store as the next invocation would.
      const store = new DynamoDbConnectionStore({ tableName: TableName, client });
      const connectionId = event.requestContext.connectionId;
      expect(await store.get(connectionId)).toEqual({
        connectionId,
        connectedAt: event.requestContext.connectedAt,
        data: { name: 'ana', room: 'lobby' },
      });
      const members: string[] = [];
      for await (const id of store.members('lobby')) members.push(id);
      expect(members).toEqual([connectionId]);
      // Every item carries the TTL attribute the table expires by.
      const { Items } = await client.send(new ScanCommand({ TableName }));
      expect(Items).toHaveLength(2);
      for (const item of Items ?? []) {
        expect(Number(item[CONNECTIONS_TABLE_KEYS.ttlAttribute]?.N)).toBeGreaterThan(Date.now() / 1000);
      }
    } finally {
      client.destroy();
    }
  }, 30_000);
});

describe('the bundled authorizer', () => {
  it('is index.mjs bundled from src/authorizer.ts, importing nothing but Node built-ins', () => {
    expect(Object.keys(authorizer.meta.inputs)).toContain(CHAT_AUTHORIZER_ENTRY.slice(WORKSPACE_ROOT.length));
    const imports = [...authorizer.outputs.values()].flatMap((output) => output.imports);
    expect(imports.filter((i) => i.external && !i.path.startsWith('node:'))).toEqual([]);
    const modules = [...authorizer.outputs.keys()];
    expect(modules).toContain('index.mjs');
    const bytes = modules.reduce((sum, file) => sum + statSync(join(authorizer.dir, file)).size, 0);
    expect(bytes).toBeLessThan(200 * 1024);
  });

  it('allows a token signed with TOKEN_SECRET as its subject, with its name; refuses a forged one', async () => {
    const secret = 'a development secret of at least 32 bytes';
    const token = issueChatToken({ name: 'ana', secret, subject: 'user-1' });
    const forged = issueChatToken({ name: 'ana', secret: 'another secret, also 32 bytes long' });
    const eventWith = (query: Record<string, string>) =>
      createAuthorizerEvent({ queryStringParameters: query });
    const { outcomes, loaded } = await runBundle(
      authorizer.dir,
      [eventWith({ token, room: 'lobby' }), eventWith({ token: forged }), eventWith({})],
      // As ChatStack sets them for development tokens.
      { TOKEN_ISSUER: CHAT_TOKEN_ISSUER, TOKEN_AUDIENCE: CHAT_TOKEN_AUDIENCE, TOKEN_SECRET: secret },
    );
    const [allowed, refused, missing] = outcomes;
    expect(loaded.every((file) => file.startsWith(authorizer.dir))).toBe(true);
    expect(allowed).toEqual({
      result: {
        principalId: 'user-1',
        policyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: expect.stringContaining('/$connect') },
          ],
        },
        context: { name: 'ana' },
      },
    });
    // Lambda turns a thrown 'Unauthorized' into API Gateway's 401.
    expect(refused).toEqual({ error: 'Unauthorized' });
    expect(missing).toEqual({ error: 'Unauthorized' });
  }, 30_000);
});

/**
 * Imports a bundle's `index.mjs` in a plain `node` process, as Lambda's runtime would, calls its
 * `handler` with each event in turn and returns `{ result }` or `{ error: message }` for each, and
 * every file the process loaded from then on (a module load hook, as the cold-start bench's).
 */
async function runBundle(
  dir: string,
  events: unknown[],
  env: Record<string, string>,
): Promise<{ outcomes: Array<{ result: unknown } | { error: string }>; loaded: string[] }> {
  const bundleUrl = pathToFileURL(join(dir, 'index.mjs')).href;
  const testingUrl = pathToFileURL(join(WORKSPACE_ROOT, 'packages/aws-framework/dist/testing/index.js')).href;
  const script = `
    const { registerHooks } = await import('node:module');
    const { createLambdaContext } = await import(${JSON.stringify(testingUrl)});
    const loaded = [];
    registerHooks({
      load(url, context, nextLoad) {
        if (url.startsWith('file:')) loaded.push(url);
        return nextLoad(url, context);
      },
    });
    const { handler } = await import(${JSON.stringify(bundleUrl)});
    const outcomes = [];
    for (const event of JSON.parse(process.env.EVENTS)) {
      try {
        outcomes.push({ result: await handler(event, createLambdaContext()) });
      } catch (error) {
        outcomes.push({ error: error.message });
      }
    }
    process.stdout.write(JSON.stringify({ outcomes, loaded }));
    process.exit(0);
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '--eval', script], {
    cwd: outdir,
    timeout: 20_000,
    env: {
      PATH: process.env.PATH,
      NODE_OPTIONS: '--enable-source-maps',
      ...env,
      EVENTS: JSON.stringify(events),
    },
  });
  const { outcomes, loaded } = JSON.parse(stdout) as {
    outcomes: Array<{ result: unknown } | { error: string }>;
    loaded: string[];
  };
  return { outcomes, loaded: loaded.map((url) => fileURLToPath(url)) };
}
