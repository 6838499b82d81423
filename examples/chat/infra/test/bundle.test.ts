// The chat function bundled for real, by esbuild on this machine as `cdk synth` does it, then run:
// the bundle is imported in a plain `node` process and answers a $connect event, writing to a
// table made from the synthesized template's own definition (on dynalite).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { CONNECTIONS_TABLE_KEYS, DynamoDbConnectionStore } from 'aws-framework/dynamodb';
import { createAuthorizerEvent, createConnectEvent } from 'aws-framework/testing';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_TOKEN_AUDIENCE, CHAT_TOKEN_ISSUER, issueChatToken } from '../../src/issueChatToken.js';
import { CHAT_AUTHORIZER_ENTRY, CHAT_HANDLER_ENTRY, ChatStack, WORKSPACE_ROOT } from '../lib/ChatStack.js';

const run = promisify(execFile);

interface Metafile {
  inputs: Record<string, { bytes: number }>;
  outputs: Record<string, { bytes: number; imports: { path: string; external?: boolean }[] }>;
}

let outdir: string;
let assetDir: string;
let authorizerAssetDir: string;
let template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
let metafile: Metafile;
let server: ReturnType<typeof dynalite>;
let endpoint: string;
const clientConfig = () => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'chat-infra-'));
  // Bundling on (the default): NodejsFunction runs esbuild locally. The metafile is asked for only
  // to inspect what went into the bundle.
  const app = new App({ outdir });
  const stack = new ChatStack(app, 'ChatBundle', {
    bundling: { metafile: true, logLevel: nodejs.LogLevel.WARNING },
  });
  const assembly = app.synth();
  template = assembly.getStackByName(stack.stackName).template;
  // A function's code is the zip asset its S3Key names; the asset manifest says where it was staged.
  const manifest = JSON.parse(readFileSync(join(outdir, `${stack.stackName}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string; packaging?: string } }>;
  };
  const assetDirOf = (fn: nodejs.NodejsFunction) => {
    const id = stack.getLogicalId(fn.node.defaultChild as CfnElement);
    const code = template.Resources[id]!.Properties.Code as { S3Key: string };
    const source = manifest.files[code.S3Key.replace(/\.zip$/, '')]?.source;
    expect(source?.packaging).toBe('zip');
    return join(outdir, source!.path);
  };
  assetDir = assetDirOf(stack.backend.function);
  authorizerAssetDir = assetDirOf(stack.authorizerFunction);
  metafile = JSON.parse(readFileSync(join(assetDir, 'index.meta.json'), 'utf8')) as Metafile;

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

describe('the bundled chat function', () => {
  it('is one ESM file with source map, bundled from the chat source', () => {
    const size = statSync(join(assetDir, 'index.mjs')).size;
    const mapSize = statSync(join(assetDir, 'index.mjs.map')).size;
    console.log(
      `bundle: index.mjs ${(size / 1024).toFixed(1)} KiB, index.mjs.map ${(mapSize / 1024).toFixed(1)} KiB`,
    );
    // Two SDK clients and Middy, minified: a doubled SDK would be well past this.
    expect(size).toBeLessThan(1024 * 1024);
    const relativeEntry = CHAT_HANDLER_ENTRY.slice(WORKSPACE_ROOT.length);
    expect(relativeEntry).toBe('examples/chat/src/handler.ts');
    expect(Object.keys(metafile.inputs)).toContain(relativeEntry);
  });

  it('bundles the AWS SDK, importing nothing but Node built-ins at run time', () => {
    const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith('index.mjs'))?.[1];
    const external = output!.imports.filter((i) => i.external).map((i) => i.path);
    expect(external.length).toBeGreaterThan(0);
    // Everything else is inside; the one exception is a require() in a try/catch of the SDK's
    // optional CRT signer (SigV4a, never used by these clients), which esbuild leaves alone.
    const optional = ['@aws-sdk/signature-v4-crt'];
    expect(external.filter((path) => !path.startsWith('node:') && !optional.includes(path))).toEqual([]);
    const names = new Set(Object.keys(metafile.inputs).flatMap((input) => packageOf(input)?.name ?? []));
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
    for (const input of Object.keys(metafile.inputs)) {
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
      const [result] = await runBundle(assetDir, [event], {
        // As the deployed function has them (plus where DynamoDB is, and credentials for it).
        TABLE_NAME: TableName,
        DYNAMODB_ENDPOINT: endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      });
      expect(result).toEqual({ result: { statusCode: 200 } });

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
  it('is one ESM file bundled from src/authorizer.ts, importing nothing but Node built-ins', () => {
    const meta = JSON.parse(readFileSync(join(authorizerAssetDir, 'index.meta.json'), 'utf8')) as Metafile;
    expect(Object.keys(meta.inputs)).toContain(CHAT_AUTHORIZER_ENTRY.slice(WORKSPACE_ROOT.length));
    const output = Object.entries(meta.outputs).find(([path]) => path.endsWith('index.mjs'))?.[1];
    expect(output!.imports.filter((i) => i.external && !i.path.startsWith('node:'))).toEqual([]);
    expect(statSync(join(authorizerAssetDir, 'index.mjs')).size).toBeLessThan(200 * 1024);
  });

  it('allows a token signed with TOKEN_SECRET as its subject, with its name; refuses a forged one', async () => {
    const secret = 'a development secret of at least 32 bytes';
    const token = issueChatToken({ name: 'ana', secret, subject: 'user-1' });
    const forged = issueChatToken({ name: 'ana', secret: 'another secret, also 32 bytes long' });
    const eventWith = (query: Record<string, string>) =>
      createAuthorizerEvent({ queryStringParameters: query });
    const [allowed, refused, missing] = await runBundle(
      authorizerAssetDir,
      [eventWith({ token, room: 'lobby' }), eventWith({ token: forged }), eventWith({})],
      // As ChatStack sets them for development tokens.
      { TOKEN_ISSUER: CHAT_TOKEN_ISSUER, TOKEN_AUDIENCE: CHAT_TOKEN_AUDIENCE, TOKEN_SECRET: secret },
    );
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
 * `handler` with each event in turn and returns `{ result }` or `{ error: message }` for each.
 */
async function runBundle(
  dir: string,
  events: unknown[],
  env: Record<string, string>,
): Promise<Array<{ result: unknown } | { error: string }>> {
  const bundleUrl = pathToFileURL(join(dir, 'index.mjs')).href;
  const testingUrl = pathToFileURL(join(WORKSPACE_ROOT, 'packages/aws-framework/dist/testing/index.js')).href;
  const script = `
    const { handler } = await import(${JSON.stringify(bundleUrl)});
    const { createLambdaContext } = await import(${JSON.stringify(testingUrl)});
    const outcomes = [];
    for (const event of JSON.parse(process.env.EVENTS)) {
      try {
        outcomes.push({ result: await handler(event, createLambdaContext()) });
      } catch (error) {
        outcomes.push({ error: error.message });
      }
    }
    process.stdout.write(JSON.stringify(outcomes));
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
  return JSON.parse(stdout);
}
