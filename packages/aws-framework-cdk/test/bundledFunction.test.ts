// bundledFunction's function (synthesized with bundling skipped), and its bundle for real: esbuild
// run locally by CDK, as `cdk synth` does, from this package's own esbuild.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledFunction, lambdaBuildOptions } from '../src/index.js';
import { FIXTURE_ENTRY, synth, unbundledStack } from './synth.js';

function functionWith(more: Partial<Parameters<typeof bundledFunction>[2]> = {}) {
  const stack = unbundledStack();
  const fn = bundledFunction(stack, 'Fn', { entry: FIXTURE_ENTRY, ...more });
  const { template, logicalId } = synth(stack);
  return { fn, template, properties: template.toJSON().Resources[logicalId(fn)].Properties };
}

let made: ReturnType<typeof functionWith>;
beforeAll(() => {
  made = functionWith();
}, 60_000);

describe('bundledFunction', () => {
  it('is Node.js 24 on arm64, 256 MB, 29 s, index.handler, no environment', () => {
    expect(made.properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 29,
    });
    expect(made.properties.Environment).toBeUndefined();
  });

  it('logs to a group {id}Logs of its own, kept a week and deleted with the stack', () => {
    const groups = made.template.findResources('AWS::Logs::LogGroup');
    const [id, group] = Object.entries(groups)[0]!;
    expect(Object.keys(groups)).toHaveLength(1);
    expect(id).toMatch(/^FnLogs/);
    expect(group).toMatchObject({ Properties: { RetentionInDays: 7 }, DeletionPolicy: 'Delete' });
    expect(made.properties.LoggingConfig.LogGroup).toEqual({ Ref: id });
  });

  it('takes the handler name, memory, timeout, log retention and environment given', () => {
    const { properties, template } = functionWith({
      handler: 'main',
      memorySize: 512,
      timeout: Duration.seconds(10),
      logRetention: logs.RetentionDays.ONE_MONTH,
      environment: { STAGE: 'test' },
    });
    expect(properties).toMatchObject({ Handler: 'index.main', MemorySize: 512, Timeout: 10 });
    expect(properties.Environment.Variables).toEqual({ STAGE: 'test' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('sets NODE_OPTIONS=--enable-source-maps only with sourceMapStackTraces', () => {
    expect(functionWith({ sourceMapStackTraces: true }).properties.Environment.Variables).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
    });
  });
});

describe('lambdaBuildOptions', () => {
  it('builds index.mjs as a split, minified ES module for Node 24 with source maps, nothing external', () => {
    expect(lambdaBuildOptions('src/handler.ts')).toMatchObject({
      entryPoints: [{ in: 'src/handler.ts', out: 'index' }],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      splitting: true,
      outExtension: { '.js': '.mjs' },
      minify: true,
      sourcemap: true,
      sourcesContent: false,
      external: [],
    });
  });
});

describe('bundledFunction, bundled', () => {
  let outdir: string;
  let asset: string;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'aws-framework-cdk-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bundled');
    bundledFunction(stack, 'Fn', {
      entry: FIXTURE_ENTRY,
      projectRoot: fileURLToPath(new URL('..', import.meta.url)),
      bundling: { metafile: true },
    });
    app.synth();
    const manifest = JSON.parse(readFileSync(join(outdir, 'Bundled.assets.json'), 'utf8')) as {
      files: Record<string, { source: { path: string; packaging?: string } }>;
    };
    // The function's code (the other file asset is the template itself).
    const zips = Object.values(manifest.files).filter((file) => file.source.packaging === 'zip');
    expect(zips).toHaveLength(1);
    asset = join(outdir, zips[0]!.source.path);
  }, 60_000);

  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  it('is index.mjs and a chunk for the dynamic import, with source maps and the metafile asked for', () => {
    const files = readdirSync(asset, { recursive: true, encoding: 'utf8' }).sort();
    const modules = files.filter((file) => file.endsWith('.mjs'));
    expect(modules).toContain('index.mjs');
    expect(modules.filter((file) => file.startsWith('chunks/'))).toHaveLength(1);
    for (const file of modules) expect(files).toContain(`${file}.map`);
    const meta = JSON.parse(readFileSync(join(asset, 'index.meta.json'), 'utf8')) as {
      inputs: Record<string, unknown>;
    };
    expect(Object.keys(meta.inputs)).toContain('test/fixtures/handler.ts');
  });

  it('runs in plain node: the handler answers from its chunk', async () => {
    const { handler } = (await import(pathToFileURL(join(asset, 'index.mjs')).href)) as {
      handler: () => Promise<unknown>;
    };
    expect(await handler()).toEqual({ statusCode: 200, body: 'hello lambda' });
  });
});
