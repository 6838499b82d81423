import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Packs the packages as `pnpm publish` would, then installs the tarballs with npm into a folder
// outside the workspace and compiles a strict program against them: what a user's project sees,
// with no workspace links, hoisting or path aliases to hide a missing file or dependency.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);
const PACKAGES = [
  { name: 'aws-framework', dir: 'packages/aws-framework' },
  { name: 'aws-framework-local', dir: 'packages/local-gateway' },
  { name: 'aws-framework-cdk', dir: 'packages/aws-framework-cdk' },
] as const;
// The optional peers every subpath needs, at the ranges the packages declare, and a compiler.
const PEERS = [
  'jose',
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/lib-dynamodb',
  '@standard-schema/spec',
  // aws-framework-cdk's (from the registry: about 15 s more).
  'aws-cdk-lib',
  'constructs',
  'typescript',
  '@types/node',
];

interface Manifest {
  name: string;
  version: string;
  exports: Record<string, string | { types: string; import: string }>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface Packed {
  name: string;
  tarball: string;
  /** The tarball's contents, extracted: its `package/` folder. */
  folder: string;
  files: string[];
  manifest: Manifest;
}

let work: string;
const packed: Packed[] = [];

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

function typedExports(manifest: Manifest): [string, { types: string; import: string }][] {
  return Object.entries(manifest.exports).filter(
    (entry): entry is [string, { types: string; import: string }] => typeof entry[1] !== 'string',
  );
}

function specifiers(): string[] {
  return packed.flatMap(({ name, manifest }) =>
    typedExports(manifest).map(([subpath]) => (subpath === '.' ? name : `${name}/${subpath.slice(2)}`)),
  );
}

beforeAll(async () => {
  // aws-framework's dist comes from the global setup; the others' are built here, without the
  // build script's rm -rf, which could race the CLI tests that run the gateway's bin.
  for (const dir of ['packages/local-gateway', 'packages/aws-framework-cdk']) {
    await run(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', `${dir}/tsconfig.build.json`],
      {
        cwd: root,
      },
    );
  }
  work = await mkdtemp(join(tmpdir(), 'aws-framework-pack-'));
  for (const { name, dir } of PACKAGES) {
    const destination = join(work, 'tarballs');
    const { stdout } = await run('pnpm', ['pack', '--pack-destination', destination], {
      cwd: join(root, dir),
    });
    const tarball = stdout
      .trim()
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.endsWith('.tgz'))
      .at(-1) as string;
    const extracted = join(work, 'extracted', name);
    await mkdir(extracted, { recursive: true });
    await run('tar', ['-xzf', resolve(destination, tarball), '-C', extracted]);
    const folder = join(extracted, 'package');
    const manifest = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8')) as Manifest;
    packed.push({
      name,
      tarball: resolve(destination, tarball),
      folder,
      files: await filesUnder(folder),
      manifest,
    });
  }
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe.each(PACKAGES.map(({ name }) => name))('the %s tarball', (name) => {
  const tarball = () => packed.find((entry) => entry.name === name) as Packed;

  it('holds README.md, LICENSE (MIT) and CHANGELOG.md', async () => {
    const { files, folder } = tarball();
    expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json']));
    expect(await readFile(join(folder, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('holds the types and the module of every export path', () => {
    const { files, manifest } = tarball();
    for (const [subpath, target] of typedExports(manifest)) {
      expect(files, `${subpath} types`).toContain(target.types.slice(2));
      expect(files, `${subpath} import`).toContain(target.import.slice(2));
    }
  });

  it('has no workspace: range left in its package.json', async () => {
    expect(await readFile(join(tarball().folder, 'package.json'), 'utf8')).not.toContain('workspace:');
  });

  it('ships no test files', () => {
    expect(
      tarball().files.filter((file) => /(^|\/)(test|tests|__tests__)\/|\.test(-d)?\.[cm]?[jt]s/.test(file)),
    ).toEqual([]);
  });

  it('has a source map and a declaration map for every module, whose sources are in the tarball', async () => {
    const { files, folder } = tarball();
    const modules = files.filter((file) => file.startsWith('dist/') && file.endsWith('.js'));
    expect(modules.length).toBeGreaterThan(0);
    for (const module of modules) {
      const declaration = module.replace(/\.js$/, '.d.ts');
      for (const map of [`${module}.map`, `${declaration}.map`]) {
        expect(files, `${map} is missing`).toContain(map);
        const { sources, sourceRoot = '' } = JSON.parse(await readFile(join(folder, map), 'utf8')) as {
          sources: string[];
          sourceRoot?: string;
        };
        expect(sources.length).toBeGreaterThan(0);
        for (const source of sources) {
          const path = resolve(dirname(join(folder, map)), sourceRoot, source);
          expect(path.startsWith(folder + sep), `${map} points outside the package: ${source}`).toBe(true);
          expect(existsSync(path), `${map} source ${source} is not in the tarball`).toBe(true);
        }
      }
    }
  });
});

describe('the tarballs, installed with npm outside the workspace', () => {
  let app: string;

  beforeAll(async () => {
    app = join(work, 'app');
    await mkdir(app);
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module' }),
    );
    const ranges = {
      ...(JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Manifest).devDependencies,
      ...Object.assign({}, ...packed.map((entry) => entry.manifest.peerDependencies)),
    };
    const peers = PEERS.map((peer) => (ranges[peer] ? `${peer}@${ranges[peer]}` : peer));
    await run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        ...packed.map((entry) => entry.tarball),
        ...peers,
      ],
      { cwd: app, timeout: 180_000 },
    );
  }, 200_000);

  it('compiles a strict program that imports every export path of every package', async () => {
    const imports = specifiers().map((specifier, index) => `import * as module${index} from '${specifier}';`);
    const program = `${imports.join('\n')}
import { type APIGatewayProxyEvent, type APIGatewayProxyResult, type Context, createError, webSocketLambda } from 'aws-framework';
import { createLambdaContext, createMessageEvent } from 'aws-framework/testing';
import { startLocalGateway } from 'aws-framework-local';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { bundledFunction, ConnectionsTable, lambdaBuildOptions, WebSocketBackend } from 'aws-framework-cdk';

export const handler = webSocketLambda<{ action: string; text: string }>(async (event, context) => {
  if (context.eventType !== 'MESSAGE') return;
  if (!event.body?.text) throw createError(400, 'text is required');
  await context.send(context.connectionId, { echo: event.body.text });
  return { statusCode: 200 };
});

export async function rest(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  return { statusCode: 200, body: \`\${event.path} \${context.awsRequestId}\` };
}

export const result: unknown = await handler(createMessageEvent({ body: { action: 'echo', text: 'hi' } }), createLambdaContext());
export const gateway: Promise<{ url: string; close(): Promise<void> }> = startLocalGateway({ handler, port: 0 });
const stack = new Stack(new App(), 'App');
export const backend: WebSocketBackend = new WebSocketBackend(stack, 'Api', {
  entry: 'handler.ts',
  routes: ['$connect', '$default'],
  table: new ConnectionsTable(stack, 'Table'),
  authorizer: { function: bundledFunction(stack, 'Authorizer', { entry: 'authorizer.ts', timeout: Duration.seconds(5) }), identitySource: ['route.request.querystring.token'] },
  bundling: { metafile: true },
});
export const url: string = backend.url;
export const buildOptions: { splitting?: boolean } = lambdaBuildOptions('handler.ts');
export const everyModule = [${imports.map((_, index) => `module${index}`).join(', ')}];
`;
    await writeFile(join(app, 'index.ts'), program);
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2023',
          noEmit: true,
          types: ['node'],
          skipLibCheck: false,
        },
        files: ['index.ts'],
      }),
    );
    const tsc = join(app, 'node_modules/typescript/bin/tsc');
    const outcome = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    // skipLibCheck is off so our declaration files are checked too; other packages' own errors are
    // theirs (@middy/core 7.9's types import its optional peer @aws/durable-execution-sdk-js).
    const ours = outcome
      .split('\n')
      .filter((line) => /^\S/.test(line) && !/^node_modules\/(?!aws-framework)/.test(line));
    expect(ours).toEqual([]);
    // aws-cdk-lib's declarations, checked with skipLibCheck off, take most of it (about 45 s).
  }, 120_000);

  it('imports every export path at run time', async () => {
    const script = `for (const specifier of ${JSON.stringify(specifiers())}) await import(specifier); console.log('ok');`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app });
    expect(stdout.trim()).toBe('ok');
  });

  it("synthesizes a bundledFunction with aws-framework-cdk's own esbuild: a split index.mjs", async () => {
    await mkdir(join(app, 'fn'), { recursive: true });
    await writeFile(
      join(app, 'fn/handler.mjs'),
      "export const handler = async () => (await import('./later.mjs')).answer;\n",
    );
    await writeFile(join(app, 'fn/later.mjs'), 'export const answer = { statusCode: 200 };\n');
    const script = `
import { App, Stack } from 'aws-cdk-lib';
import { bundledFunction } from 'aws-framework-cdk';
const app = new App({ outdir: 'cdk.out' });
bundledFunction(new Stack(app, 'Packed'), 'Fn', { entry: '${join(app, 'fn/handler.mjs')}', projectRoot: '${app}' });
app.synth();
`;
    await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app, timeout: 60_000 });
    const assets = (await readdir(join(app, 'cdk.out'))).filter((name) => name.startsWith('asset.'));
    expect(assets).toHaveLength(1);
    const files = await filesUnder(join(app, 'cdk.out', assets[0]!));
    expect(files).toContain('index.mjs');
    expect(files.filter((file) => /^chunks\/.*\.mjs$/.test(file))).toHaveLength(1);
  }, 90_000);

  describe('aws-framework-local without its optional peer tsx', () => {
    const bin = () => join(app, 'node_modules/.bin/aws-framework-local');

    it('is installed without tsx', () => {
      expect(existsSync(join(app, 'node_modules/tsx'))).toBe(false);
    });

    it('exits 1 on a TypeScript handler, telling the user to install tsx', async () => {
      await writeFile(join(app, 'handler.ts'), 'export const handler = async () => ({ statusCode: 200 });\n');
      const failure = await run(bin(), ['handler.ts', '--port', '0'], { cwd: app, timeout: 20_000 }).then(
        () => undefined,
        (error: { code?: number; stderr?: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toMatch(/handler\.ts.*needs tsx.*npm install --save-dev tsx/);
    }, 30_000);

    it('serves a JavaScript handler loaded with plain import()', async () => {
      await writeFile(
        join(app, 'handler.mjs'),
        'export const handler = async () => ({ statusCode: 200 });\n',
      );
      const gateway: ChildProcess = spawn(bin(), ['handler.mjs', '--port', '0'], { cwd: app });
      try {
        let output = '';
        gateway.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
        await expect
          .poll(() => output, { timeout: 15_000, interval: 100 })
          .toMatch(/WebSocket URL:\s+ws:\/\/127\.0\.0\.1:\d+\/local/);
      } finally {
        gateway.kill('SIGTERM');
        if (gateway.exitCode === null) await once(gateway, 'exit');
      }
    }, 30_000);
  });
});
