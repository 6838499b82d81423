// The conformance handler bundled for real, by esbuild on this machine as `cdk synth` does it, then
// imported in a plain `node` process, as Lambda's Node.js 22 runtime would, and invoked.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConformanceStack } from '../lib/ConformanceStack.js';

const run = promisify(execFile);

let outdir: string;
let bundle: string;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'conformance-infra-'));
  const app = new App({ outdir });
  const stack = new ConformanceStack(app, 'ConformanceBundle', {
    bundling: { logLevel: nodejs.LogLevel.WARNING },
  });
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function')!;
  const hash = (fn.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
  const manifest = JSON.parse(readFileSync(join(outdir, `${stack.stackName}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string } }>;
  };
  const source = manifest.files[hash]?.source.path;
  if (!source) throw new Error(`no asset ${hash} in the manifest`);
  bundle = join(outdir, source, 'index.mjs');
}, 60_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

/** Invokes the bundle's handler with `event` in a fresh node process; its result, or its error message. */
async function invoke(event: unknown): Promise<unknown> {
  const script = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
    try { process.stdout.write(JSON.stringify({ result: await handler(JSON.parse(process.env.EVENT)) })); }
    catch (error) { process.stdout.write(JSON.stringify({ error: error.message })); }
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '--eval', script], {
    cwd: outdir,
    timeout: 10_000,
    env: { PATH: process.env.PATH, EVENT: JSON.stringify(event) },
  });
  return JSON.parse(stdout);
}

const context = (routeKey: string, eventType: string) => ({
  routeKey,
  eventType,
  connectionId: 'JC1dgf9yoAMCK-g=',
  requestId: 'Kq3nHf7EoAMFQ8w=',
});

describe('the bundled conformance handler', () => {
  it('is one small ES module', () => {
    expect(statSync(bundle).size).toBeLessThan(10_000);
  });

  it('refuses a $connect with the status its query names', async () => {
    expect(
      await invoke({
        requestContext: context('$connect', 'CONNECT'),
        queryStringParameters: { refuse: '401' },
      }),
    ).toEqual({ result: { statusCode: 401, body: 'refused as asked' } });
  });

  it('measures a message and throws on the fail route', async () => {
    expect(await invoke({ requestContext: context('measure', 'MESSAGE'), body: 'abc' })).toEqual({
      result: {
        statusCode: 200,
        body: JSON.stringify({
          bytes: 3,
          sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
        }),
      },
    });
    expect(await invoke({ requestContext: context('fail', 'MESSAGE') })).toEqual({
      error: 'conformance: the fail route throws',
    });
  });
});
