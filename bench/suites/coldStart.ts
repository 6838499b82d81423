/**
 * Cold start: fresh `node` processes, each importing an esbuild bundle of a handler and answering
 * one `$connect`, for the chat example (among others built with `lambdaBuildOptions`, exactly as its
 * CDK app deploys it) and two hand-written baselines; bundle sizes; and, with a module-load hook,
 * which modules that `$connect` loads.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { lambdaBuildOptions } from '../../examples/chat/infra/lib/lambdaBuildOptions.js';
import { createConnectEvent } from '../../packages/aws-framework/dist/testing/index.js';
import { median, percentile } from '../stats.js';
import { type Comparison, type Measurement, type Suite, type Target, target } from '../types.js';

const run = promisify(execFile);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Inside the workspace, so that bundles with the SDK external resolve it from its node_modules.
const WORK = path.join(ROOT, 'bench/.tmp/coldStart');
const DRIVER = path.join(ROOT, 'bench/fixtures/coldStartDriver.mjs');
const MANAGEMENT_SDK = '/@aws-sdk/client-apigatewaymanagementapi/';
const DYNAMODB_SDK = '/@aws-sdk/client-dynamodb/';
const SDK_EXTERNAL = ['@aws-sdk/*', '@smithy/*'];
// As the chat's CDK stack bundles it: ESM output has no `require`, which CommonJS parts of the
// SDK's dependency tree call for Node built-ins.
const REQUIRE_BANNER =
  "import { createRequire as __benchCreateRequire } from 'node:module';const require = __benchCreateRequire(import.meta.url);";
const KB = 1_000;

type Sdk = 'bundled' | 'external';

interface Bundle {
  key: string;
  entry: string;
  sdk: Sdk;
  splitting: boolean;
  /** Built with the CDK app's own esbuild options (`lambdaBuildOptions`) rather than the bench's. */
  cdk?: boolean;
}

interface Built extends Bundle {
  file: string;
  /** Every output file of the build. */
  allBytes: number;
  /** Output files holding the management SDK's code. */
  sdkChunks: Set<string>;
}

interface Variant {
  key: string;
  label: string;
  bundle: string;
  /** Without `node:http` loaded first (see the driver). */
  bare?: boolean;
  /** `node` options, as the function's `NODE_OPTIONS` sets them. */
  nodeOptions?: string[];
}

interface Run {
  importMs: number;
  invokeMs: number;
  answeredMs: number;
  statusCode: number;
  loaded?: string[];
}

const CHAT = 'examples/chat/src/handler.ts';

const BUNDLES: Bundle[] = [
  { key: 'chat-cdk', entry: CHAT, sdk: 'bundled', splitting: true, cdk: true },
  { key: 'chat-split', entry: CHAT, sdk: 'bundled', splitting: true },
  { key: 'chat-one', entry: CHAT, sdk: 'bundled', splitting: false },
  { key: 'chat-split-ext', entry: CHAT, sdk: 'external', splitting: true },
  { key: 'chat-one-ext', entry: CHAT, sdk: 'external', splitting: false },
  { key: 'a', entry: 'bench/fixtures/connectOnly.ts', sdk: 'bundled', splitting: true },
  { key: 'middy', entry: 'bench/fixtures/middyOnly.ts', sdk: 'bundled', splitting: true },
  { key: 'b', entry: 'bench/fixtures/clientAtModuleTop.ts', sdk: 'bundled', splitting: true },
  { key: 'b-ext', entry: 'bench/fixtures/clientAtModuleTop.ts', sdk: 'external', splitting: true },
];

// `bundledFunction({ sourceMapStackTraces: true })` sets NODE_OPTIONS=--enable-source-maps, which
// has Node read each module's source map as it loads it; it is off by default.
const SOURCE_MAP_NODE_OPTIONS = ['--enable-source-maps'];

const VARIANTS: Variant[] = [
  {
    key: 'chat-cdk',
    label: 'chat as the CDK app deploys it (lambdaBuildOptions)',
    bundle: 'chat-cdk',
  },
  {
    key: 'chat-cdk-maps',
    label: 'chat as the CDK app builds it, with sourceMapStackTraces (--enable-source-maps)',
    bundle: 'chat-cdk',
    nodeOptions: SOURCE_MAP_NODE_OPTIONS,
  },
  { key: 'chat-split', label: 'chat, SDK bundled, split', bundle: 'chat-split' },
  { key: 'chat-one', label: 'chat, SDK bundled, one file', bundle: 'chat-one' },
  { key: 'chat-split-ext', label: 'chat, SDK external, split', bundle: 'chat-split-ext' },
  { key: 'chat-one-ext', label: 'chat, SDK external, one file', bundle: 'chat-one-ext' },
  { key: 'a', label: '(a) $connect only', bundle: 'a' },
  { key: 'middy', label: 'Middy core only (reference)', bundle: 'middy' },
  { key: 'b', label: '(b) client at module top, SDK bundled', bundle: 'b' },
  { key: 'b-ext', label: '(b) client at module top, SDK external', bundle: 'b-ext' },
  { key: 'chat-split-bare', label: 'chat, SDK bundled, split; bare node', bundle: 'chat-split', bare: true },
  { key: 'a-bare', label: '(a) $connect only; bare node', bundle: 'a', bare: true },
  { key: 'b-bare', label: '(b) client at module top, SDK bundled; bare node', bundle: 'b', bare: true },
];

async function build(bundle: Bundle): Promise<Built> {
  const outdir = path.join(WORK, bundle.key);
  const options: esbuild.BuildOptions = bundle.cdk
    ? // As `bundledFunction` builds it, from the absolute entry, in the workspace root.
      { ...lambdaBuildOptions(path.join(ROOT, bundle.entry)), absWorkingDir: ROOT, outdir }
    : benchBuildOptions(bundle, outdir);
  const result = await esbuild.build({ ...options, metafile: true, logLevel: 'silent' });
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((file) => outputs[file]?.entryPoint === bundle.entry);
  if (!entry) throw new Error(`coldStart: no entry chunk in the build of ${bundle.key}`);
  const sdkChunks = new Set(
    Object.keys(outputs)
      .filter((file) =>
        Object.keys(outputs[file]?.inputs ?? {}).some((input) => input.includes(MANAGEMENT_SDK)),
      )
      .map((file) => path.join(ROOT, file)),
  );
  // Code only: source maps are not loaded as modules (and not built but for the CDK's bundle).
  const allBytes = Object.entries(outputs)
    .filter(([file]) => file.endsWith('.mjs'))
    .reduce((sum, [, output]) => sum + output.bytes, 0);
  return { ...bundle, file: path.join(ROOT, entry), allBytes, sdkChunks };
}

/** The bench's own options, the same for every handler but the CDK app's. */
function benchBuildOptions(bundle: Bundle, outdir: string): esbuild.BuildOptions {
  return {
    absWorkingDir: ROOT,
    entryPoints: [{ in: bundle.entry, out: 'handler' }],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_BANNER },
    outdir,
    outExtension: { '.js': '.mjs' },
    splitting: bundle.splitting,
    external: bundle.sdk === 'external' ? SDK_EXTERNAL : [],
  };
}

/** The toolkit's own code: `aws-framework`'s main entry, minified, its dependencies left out. */
async function toolkitBytes(external: string[]): Promise<{ bytes: number; gzip: number }> {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ['packages/aws-framework/dist/index.js'],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    mainFields: ['module', 'main'],
    external,
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { bytes: code.byteLength, gzip: gzipSync(code).byteLength };
}

/** `aws-framework/client` as a page bundles it: minified for browsers, and gzipped as served. */
async function clientBytes(): Promise<{ bytes: number; gzip: number }> {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ['packages/aws-framework/dist/client/index.js'],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { bytes: code.byteLength, gzip: gzipSync(code).byteLength };
}

const CHILD_ENV = (() => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_REGION: 'eu-west-1',
    WEBSOCKET_MANAGEMENT_ENDPOINT: 'https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod',
  };
  // The chat on its in-memory store, and a plain `node` without this run's loader (tsx).
  delete env.TABLE_NAME;
  delete env.NODE_OPTIONS;
  return env;
})();

async function coldStart(
  built: Built,
  eventFile: string,
  flags: string[],
  nodeOptions: string[] = [],
): Promise<Run> {
  const args = [...nodeOptions, DRIVER, built.file, eventFile, ...flags];
  const { stdout } = await run(process.execPath, args, { env: CHILD_ENV, cwd: ROOT, timeout: 30_000 });
  const measured = JSON.parse(stdout.trim().split('\n').pop() as string) as Run;
  if (measured.statusCode !== 200) {
    throw new Error(`coldStart: ${built.key} answered $connect with ${measured.statusCode}, not 200`);
  }
  return measured;
}

const ms = (value: number) => `${value.toFixed(2)} ms`;
const kb = (bytes: number) => `${(bytes / KB).toFixed(1)} KB`;
const times = (ratio: number) => `${ratio.toFixed(2)}x`;

interface NoteInputs {
  total(key: string): number;
  answered(key: string): number;
  ratio(x: string, y: string): number;
  label(key: string): string;
  builds: Map<string, Built>;
  loadsDynamoDb: boolean;
  /** What the split chat's `$connect` loads. */
  connectBytes: number;
}

/** What the figures say about the targets, with the figures of this run. */
function coldStartNotes({
  total,
  answered,
  ratio,
  builds,
  loadsDynamoDb,
  connectBytes,
}: NoteInputs): string[] {
  const notes: string[] = [];
  const chatOverA = ratio('chat-cdk', 'a');
  notes.push(
    "Which layout: split, what the chat's CDK app deploys (`bundledFunction` builds with `lambdaBuildOptions`, " +
      'the options the "as the CDK app" rows are built with here). With `splitting: true` the SDKs (the management ' +
      'API client, and DynamoDB behind `TABLE_NAME`) stay in chunks that load on the first send or the first ' +
      `DynamoDB call, and the \`$connect\` loads ${kb(connectBytes)} of the ${kb(builds.get('chat-cdk')?.allBytes ?? 0)} ` +
      `bundle: ${ms(total('chat-cdk'))}, ${times(ratio('chat-cdk', 'b'))} (b). In one file (what \`NodejsFunction\` ` +
      'builds, with `--outfile`, which splitting cannot write to) the dynamic imports are inlined behind lazy ' +
      `wrappers, so nothing of the SDK runs, but all ${kb(builds.get('chat-one')?.allBytes ?? 0)} is parsed: ` +
      `${ms(total('chat-one'))}, ${times(ratio('chat-one', 'b'))} (b).`,
  );
  notes.push(
    `Source maps: the deployed function runs without \`--enable-source-maps\` (${ms(total('chat-cdk'))}); with it ` +
      `(bundledFunction's sourceMapStackTraces) the same bundle takes ${ms(total('chat-cdk-maps'))}, ` +
      `${times(ratio('chat-cdk-maps', 'chat-cdk'))} as ` +
      "long with them: Node reads the map of each module it loads, so only the loaded chunks' maps cost anything.",
  );
  if (loadsDynamoDb) {
    notes.push(
      'One file with the SDK external loads `@aws-sdk/client-dynamodb` on every cold start although `TABLE_NAME` ' +
        'is unset (load hook): esbuild turns the external imports of the lazily imported `aws-framework/dynamodb` ' +
        'into static imports at the top of the one file. Splitting keeps them in the DynamoDB chunk.',
    );
  }
  notes.push(
    `Bare node: the first module that imports \`node:http\` pays for loading it, the chat through \`@middy/util\` ` +
      `(${ms(total('chat-split-bare'))}) and (b) through the SDK (${ms(total('b-bare'))}), so there the chat is ` +
      `${times(ratio('chat-split-bare', 'b-bare'))} (b). In Lambda the runtime has loaded it before the handler, ` +
      'which is what the other rows reproduce, and what the targets are judged on.',
  );
  if (chatOverA > 1.3) {
    notes.push(
      `Missed: chat ${times(chatOverA)} (a). (a) is a ${kb(builds.get('a')?.allBytes ?? 0)} module: ${ms(total('a'))} is ` +
        "little more than Node's own cost of importing one file. Middy core alone, answering 200 with no " +
        `middleware, is already ${times(ratio('middy', 'a'))} (a) (${ms(total('middy'))}; \`@middy/core\` imports ` +
        '`@middy/util`, whose `node:http` import is why the bare-node rows are slow, and its run loop is compiled on ' +
        "the first invocation). The chat adds: two more files in the split layout (esbuild's shared runtime " +
        "helpers and the store checks shared with the DynamoDB chunk), each costing Node's ESM loader a " +
        'resolve, read and compile; building its middlewares at import; and compiling them, the routes and the ' +
        'store on the first invocation. None of it is per-request work: it is code loaded and compiled once. What ' +
        'is left to take is the file count, a choice of the bundle layout rather than of the toolkit, and ~0.1 ms ' +
        "of building Middy's error handler at import rather than on the first error. " +
        "With Node's own start-up counted, as a client waiting for the socket sees a cold start, the chat is " +
        `${times(answered('chat-cdk') / answered('a'))} (a) (the ratio notes).`,
    );
  }
  return notes;
}

export const suite: Suite = async ({ quick }) => {
  await rm(WORK, { recursive: true, force: true });
  await mkdir(WORK, { recursive: true });
  const eventFile = path.join(WORK, 'connect-event.json');
  // The chat's $connect is behind its authorizer: the event carries what the authorizer allowed.
  const connect = createConnectEvent({
    requestContext: { authorizer: { principalId: 'bench', name: 'Bench' } },
  });
  await writeFile(eventFile, JSON.stringify(connect));

  const builds = new Map<string, Built>();
  for (const bundle of BUNDLES) builds.set(bundle.key, await build(bundle));
  const builtFor = (variant: Variant) => builds.get(variant.bundle) as Built;

  // What each $connect loads, from one more process per bundle with the load hook (not timed:
  // the hook costs time of its own).
  const loadedBy = new Map<string, string[]>();
  for (const built of builds.values()) {
    loadedBy.set(built.key, (await coldStart(built, eventFile, ['--hooks'])).loaded ?? []);
  }
  const sdkModulesLoaded = (bundleKey: string) => {
    const built = builds.get(bundleKey) as Built;
    return (loadedBy.get(bundleKey) ?? []).filter(
      (url) => url.includes(MANAGEMENT_SDK) || built.sdkChunks.has(fileURLToPath(url)),
    ).length;
  };
  const loadedBytes = async (bundleKey: string) => {
    let sum = 0;
    for (const url of loadedBy.get(bundleKey) ?? []) {
      if (url.startsWith('file:')) sum += (await stat(fileURLToPath(url))).size;
    }
    return sum;
  };

  // Round-robin over the variants, in a rotated order each round, so that load from elsewhere on
  // the machine spreads over all of them.
  const rounds = quick ? 5 : 30;
  const timings = new Map<string, Run[]>(VARIANTS.map((v) => [v.key, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < VARIANTS.length; i++) {
      const variant = VARIANTS[(i + round) % VARIANTS.length] as Variant;
      const measured = await coldStart(
        builtFor(variant),
        eventFile,
        variant.bare ? ['--bare'] : [],
        variant.nodeOptions,
      );
      timings.get(variant.key)?.push(measured);
    }
  }
  const runsOf = (key: string) => timings.get(key) ?? [];
  const totals = (key: string) => runsOf(key).map((r) => r.importMs + r.invokeMs);
  const total = (key: string) => median(totals(key));
  // Node's own start-up before the handler's import (with node:http in the Lambda-like rows): the
  // same work for every variant, so one median over them all, rather than each variant's own,
  // which on a shared machine varies more than the figures being compared.
  const startUpOf = (bare: boolean) =>
    median(
      VARIANTS.filter((v) => Boolean(v.bare) === bare).flatMap((v) =>
        runsOf(v.key).map((r) => r.answeredMs - r.importMs - r.invokeMs),
      ),
    );
  const startUps = { lambdaLike: startUpOf(false), bare: startUpOf(true) };
  const startUp = (key: string) =>
    VARIANTS.find((v) => v.key === key)?.bare ? startUps.bare : startUps.lambdaLike;
  const answered = (key: string) => startUp(key) + total(key);

  const measurements: Measurement[] = [];
  for (const variant of VARIANTS) {
    const built = builtFor(variant);
    const sdkLoaded = sdkModulesLoaded(built.key) > 0 ? 'yes' : 'no';
    measurements.push({
      label: variant.label,
      value: Number(total(variant.key).toFixed(2)),
      unit: 'ms',
      extra: {
        import: ms(median(runsOf(variant.key).map((r) => r.importMs))),
        'first invocation': ms(median(runsOf(variant.key).map((r) => r.invokeMs))),
        'p90 total': ms(percentile(totals(variant.key), 0.9)),
        'node start-up': ms(median(runsOf(variant.key).map((r) => r.answeredMs - r.importMs - r.invokeMs))),
        bundle: kb(built.allBytes),
        'loaded on $connect': kb(await loadedBytes(built.key)),
        'management SDK loaded':
          built.sdk === 'bundled' && !built.splitting ? 'inside the one file' : sdkLoaded,
      },
    });
  }
  const lean = await toolkitBytes(['@aws-sdk/*', '@smithy/*', '@middy/*']);
  const withMiddy = await toolkitBytes(['@aws-sdk/*', '@smithy/*']);
  const client = await clientBytes();
  measurements.push(
    {
      label: 'toolkit code (aws-framework main entry), Middy and SDK external',
      value: lean.bytes,
      unit: 'bytes',
      extra: { gzip: `${lean.gzip} bytes` },
    },
    {
      label: 'toolkit code with Middy bundled, SDK external',
      value: withMiddy.bytes,
      unit: 'bytes',
      extra: { gzip: `${withMiddy.gzip} bytes` },
    },
    {
      label: 'aws-framework/client, minified (browser, es2022) and gzipped',
      value: client.gzip,
      unit: 'bytes',
      extra: { minified: `${client.bytes} bytes` },
    },
  );

  const label = (key: string) => VARIANTS.find((v) => v.key === key)?.label ?? key;
  const ratio = (x: string, y: string) => total(x) / total(y);
  const compare = (x: string, y: string): Comparison => ({
    label: label(x),
    baseline: label(y),
    ratio: ratio(x, y),
    note: `with Node's start-up (${ms(startUp(x))}) counted: ${times(answered(x) / answered(y))}`,
  });
  const dynamoDbLoaded = (loadedBy.get('chat-one-ext') ?? []).some((url) => url.includes(DYNAMODB_SDK));
  const hookedSdkModules =
    sdkModulesLoaded('chat-cdk') + sdkModulesLoaded('chat-split') + sdkModulesLoaded('chat-split-ext');
  const targets: Target[] = [
    target(
      'chat $connect (import + first invocation) at most 1.3x (a) (as the CDK app deploys it)',
      ratio('chat-cdk', 'a'),
      'x',
      'max',
      1.3,
    ),
    target(
      'chat $connect (import + first invocation) at most 0.5x (b) (as the CDK app deploys it)',
      ratio('chat-cdk', 'b'),
      'x',
      'max',
      0.5,
    ),
    target(
      'toolkit code at most 20 KB (20,000 bytes) minified, Middy and SDK external',
      lean.bytes / KB,
      'KB',
      'max',
      20,
    ),
    target(
      'aws-framework/client at most 5 KB (5,000 bytes) minified and gzipped',
      client.gzip / KB,
      'KB',
      'max',
      5,
    ),
    target(
      'chat $connect loads no management SDK module or chunk (CDK app, split, SDK bundled and external; load hook)',
      hookedSdkModules,
      'modules',
      'max',
      0,
    ),
  ];
  return {
    id: 'coldStart',
    title: 'Cold start',
    method:
      'esbuild bundles (minified, ESM, target node22, mainFields module/main, createRequire banner; the same ' +
      'options for every handler, but for the "as the CDK app" rows: the CDK app\'s own `lambdaBuildOptions` ' +
      '(examples/chat/infra/lib/lambdaBuildOptions.ts: the same and split, target node24, source maps), run with ' +
      `the function's \`NODE_OPTIONS\`) answering one \`$connect\` in ${rounds} fresh \`node\` processes per variant, round-robin; ` +
      'each process times `await import(bundle)` and the first `handler(event, context)` with `performance.now()`. ' +
      'Figures are medians of import + first invocation; `node:http` is loaded before the handler as in Lambda ' +
      '(its runtime interface client uses it), except in the "bare node" rows. One more process per bundle ' +
      'records, with a `module.registerHooks` load hook, every module and chunk the `$connect` loads. ' +
      "The client's size: its built entry bundled by esbuild for browsers (ESM, es2022, minified), gzipped with node:zlib's defaults.",
    measurements,
    comparisons: [
      compare('chat-cdk', 'b'),
      compare('chat-cdk', 'a'),
      compare('chat-cdk-maps', 'b'),
      compare('chat-split', 'a'),
      compare('chat-split', 'b'),
      compare('middy', 'a'),
      compare('chat-split', 'middy'),
      compare('chat-one', 'a'),
      compare('chat-one', 'b'),
      compare('chat-split-ext', 'a'),
      compare('chat-split-ext', 'b-ext'),
      compare('chat-one-ext', 'b-ext'),
      compare('chat-split-bare', 'a-bare'),
      compare('chat-split-bare', 'b-bare'),
    ],
    targets,
    notes: [
      ...coldStartNotes({
        total,
        answered,
        ratio,
        label,
        builds,
        loadsDynamoDb: dynamoDbLoaded,
        connectBytes: await loadedBytes('chat-cdk'),
      }),
      `The load hook: (b) loads the management SDK on $connect (${sdkModulesLoaded('b-ext') > 0 ? 'yes' : 'no'}); the ` +
        `chat, split, loads ${sdkModulesLoaded('chat-split-ext')} of its modules with the SDK external, ` +
        `${sdkModulesLoaded('chat-split')} of its ${builds.get('chat-split')?.sdkChunks.size} chunks with the SDK bundled, ` +
        `and ${sdkModulesLoaded('chat-cdk')} of its ${builds.get('chat-cdk')?.sdkChunks.size} as the CDK app deploys it. ` +
        'In one file the SDK is parsed with everything else, so the hook cannot tell it apart.',
    ],
  };
};

export default suite;
