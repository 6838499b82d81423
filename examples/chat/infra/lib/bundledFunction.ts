import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * esbuild's ESM output has no `require`; CommonJS code inside the bundle (parts of the SDK's
 * dependency tree) calls it for Node built-ins, so the bundle makes one.
 */
const REQUIRE_BANNER =
  "import { createRequire as __awsfCreateRequire } from 'node:module';const require = __awsfCreateRequire(import.meta.url);";

/**
 * The folder of this package's own esbuild executable. With a pnpm lock file CDK runs
 * `pnpm exec esbuild` in `projectRoot`, which finds esbuild only where that folder's package
 * depends on it; first on the bundling PATH, this one answers wherever the root has none.
 */
const ESBUILD_BIN = join(dirname(createRequire(import.meta.url).resolve('esbuild/package.json')), 'bin');

export interface BundledFunctionProps {
  /** The handler module (TypeScript or JavaScript), bundled with esbuild on this machine. */
  entry: string;
  /** The exported handler's name; default `handler`. */
  handler?: string;
  /** Environment variables (`NODE_OPTIONS=--enable-source-maps` is always set). */
  environment?: Record<string, string>;
  /** The folder holding `depsLockFilePath` and the entry (a pnpm workspace's root). */
  projectRoot?: string;
  /** The lock file; its name tells CDK which package manager runs esbuild. */
  depsLockFilePath?: string;
  /** Default 256 MB. */
  memorySize?: number;
  /** Default 29 s, API Gateway's integration timeout: a longer run would be cut off anyway. */
  timeout?: Duration;
  /** How long the function's logs are kept; default one week. */
  logRetention?: logs.RetentionDays;
  /** Merged over the defaults (ESM, minified, source maps, the SDK bundled). */
  bundling?: nodejs.BundlingOptions;
}

/**
 * A Node.js 24 arm64 function bundled by esbuild on this machine (no Docker) into one minified ES
 * module with a source map, the AWS SDK inside, and its logs in a group `{id}Logs` kept a week and
 * deleted with the stack. `WebSocketBackend` makes its handler with it; the chat its authorizer.
 *
 * @example
 * ```ts
 * const fn = bundledFunction(this, 'Authorizer', { entry: 'src/chatAuthorizer.ts' });
 * ```
 */
export function bundledFunction(
  scope: Construct,
  id: string,
  props: BundledFunctionProps,
): nodejs.NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: props.logRetention ?? logs.RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  return new nodejs.NodejsFunction(scope, id, {
    entry: props.entry,
    handler: props.handler ?? 'handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout ?? Duration.seconds(29),
    logGroup,
    environment: {
      // Stack traces through the minified bundle point at the TypeScript sources.
      NODE_OPTIONS: '--enable-source-maps',
      ...props.environment,
    },
    ...(props.projectRoot ? { projectRoot: props.projectRoot } : {}),
    ...(props.depsLockFilePath ? { depsLockFilePath: props.depsLockFilePath } : {}),
    bundling: {
      format: nodejs.OutputFormat.ESM,
      target: 'node24',
      minify: true,
      sourceMap: true,
      mainFields: ['module', 'main'],
      banner: REQUIRE_BANNER,
      // Our own pinned SDK, in the bundle, rather than the runtime's copy: the version we test
      // with, and a faster cold start than loading the runtime's node_modules.
      bundleAwsSDK: true,
      forceDockerBundling: false,
      ...props.bundling,
      environment: {
        PATH: [ESBUILD_BIN, process.env.PATH].filter(Boolean).join(delimiter),
        ...props.bundling?.environment,
      },
    },
  });
}
