import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exampleDir = fileURLToPath(new URL('../../../examples/echo/', import.meta.url));

// Runs in a child process from an example folder, so `aws-framework` resolves as it does for a
// user: through the workspace link and the package's exports map into dist/.
async function importAsUser(specifier: string): Promise<string[]> {
  const script = `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m).sort()));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: exampleDir,
  });
  return JSON.parse(stdout) as string[];
}

describe('the published package', () => {
  it('exports the public API from the built entry point', async () => {
    expect(await importAsUser('aws-framework')).toEqual([
      'BaseLambda',
      'BroadcastError',
      'ConnectionGoneError',
      'ConnectionNotSavedError',
      'DEFAULT_BROADCAST_CONCURRENCY',
      'DEFAULT_BROADCAST_RETRY',
      'EndpointNotResolvedError',
      'MAX_PAYLOAD_BYTES',
      'ManagementApiError',
      'ManagementApiResponseError',
      'MemoryConnectionStore',
      'OptionsError',
      'OutsideInvocationError',
      'PayloadTooLargeError',
      'ROUTE_KEYS',
      'UnexpectedAnswerError',
      'WebSocketLambda',
      'connections',
      'createError',
      'deny',
      'resolveEndpoint',
      'routes',
      'tokenFrom',
      'webSocketAuthorizer',
      'webSocketLambda',
    ]);
  });

  it('exports the event builders from aws-framework/testing', async () => {
    expect(await importAsUser('aws-framework/testing')).toEqual([
      'createAuthorizerEvent',
      'createConnectEvent',
      'createDisconnectEvent',
      'createLambdaContext',
      'createMessageEvent',
    ]);
  });

  it('exports the DynamoDB store and its table helpers from aws-framework/dynamodb', async () => {
    expect(await importAsUser('aws-framework/dynamodb')).toEqual([
      'CONNECTIONS_TABLE_KEYS',
      'ConnectionNotSavedError',
      'DEFAULT_TTL_MARGIN_SECONDS',
      'DynamoDbConnectionStore',
      'TableNotActiveError',
      'UnprocessedItemsError',
      'connectionsTableDefinition',
      'createConnectionsTable',
    ]);
  });

  it('exports defineContract and the helpers both sides use from aws-framework/contract', async () => {
    expect(await importAsUser('aws-framework/contract')).toEqual([
      'MAX_REQUEST_ID_LENGTH',
      'defineContract',
      'isEventFrame',
      'isReplyFrame',
      'validate',
    ]);
  });

  it('keeps aws-framework/contract browser-safe: its built modules import only each other', async () => {
    const folder = new URL('../dist/contract/', import.meta.url);
    const modules = (await readdir(folder)).filter((name) => name.endsWith('.js'));
    expect(modules).toContain('index.js');
    for (const name of modules) {
      // Without comments: their examples import the package as a user does.
      const source = (await readFile(new URL(name, folder), 'utf8'))
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      const specifiers = [
        ...source.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]/g),
      ].map((match) => match[1] ?? match[2]);
      for (const specifier of specifiers)
        expect(specifier, `${name} imports ${specifier}`).toMatch(/^\.\/[\w.]+\.js$/);
    }
  });

  it('declares ESM only, Node >= 22, no side effects, and types beside every import', async () => {
    const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    expect(manifest.type).toBe('module');
    expect(manifest.engines.node).toBe('>=22');
    expect(manifest.sideEffects).toBe(false);
    for (const [subpath, target] of Object.entries<{ types: string; import: string }>(manifest.exports)) {
      if (subpath === './package.json') continue;
      expect(target.types).toMatch(/^\.\/dist\/.*\.d\.ts$/);
      expect(target.import).toMatch(/^\.\/dist\/.*\.js$/);
      await expect(readFile(new URL(`../${target.types}`, import.meta.url))).resolves.toBeDefined();
    }
  });
});
