import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AssetHashType, Duration, type ILocalBundling, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import * as esbuild from 'esbuild';
import { lambdaBuildOptions } from './lambdaBuildOptions.js';

/** esbuild options merged over `lambdaBuildOptions` (never the entry or where the output goes). */
export type LambdaBuildOverrides = Omit<
  esbuild.BuildOptions,
  'entryPoints' | 'outdir' | 'outfile' | 'write' | 'absWorkingDir'
>;

/**
 * What {@link bundledFunction} builds and how the function runs: its entry module, then the
 * function's settings, each defaulting to what an API Gateway WebSocket handler needs.
 */
export interface BundledFunctionProps {
  /** The handler module (TypeScript or JavaScript), bundled with esbuild on this machine. */
  entry: string;
  /**
   * The name the entry module exports the handler under (the function's handler is
   * `index.{handler}`).
   *
   * @default 'handler'
   */
  handler?: string;
  /**
   * Environment variables of the function.
   *
   * @default undefined (none, but `NODE_OPTIONS` when `sourceMapStackTraces` is on)
   */
  environment?: Record<string, string>;
  /**
   * Run with `NODE_OPTIONS=--enable-source-maps`, so stack traces point at the TypeScript
   * sources. Off by default: Node then reads the map of every module it loads, which measured
   * 38.4 ms against 21.7 ms for the chat's `$connect` cold start (0.65x against 0.37x the
   * client-at-top handler; bench/suites/coldStart.ts). The maps ship either way.
   *
   * @default false
   */
  sourceMapStackTraces?: boolean;
  /**
   * The folder esbuild works in (a pnpm workspace's root): the paths in its metafile and source
   * maps are relative to it.
   *
   * @default process.cwd() (the current directory)
   */
  projectRoot?: string;
  /**
   * The function's memory, in MB.
   *
   * @default 256
   */
  memorySize?: number;
  /**
   * How long an invocation may run.
   *
   * @default Duration.seconds(29) (API Gateway's integration timeout: a longer run would be cut off
   * anyway)
   */
  timeout?: Duration;
  /**
   * How long the function's logs are kept (its log group is deleted with the stack either way).
   *
   * @default logs.RetentionDays.ONE_WEEK
   */
  logRetention?: logs.RetentionDays;
  /**
   * Merged over `lambdaBuildOptions` (ESM, code-split, minified, source maps, the SDK bundled).
   * With `metafile: true` the metafile is written beside the bundle as `index.meta.json`.
   *
   * @default undefined (`lambdaBuildOptions` as it is)
   */
  bundling?: LambdaBuildOverrides;
}

/**
 * A Node.js 24 arm64 function built by esbuild on this machine (no Docker) with
 * `lambdaBuildOptions`: a minified, code-split ES module `index.mjs` and its chunks, with source
 * maps and the AWS SDK inside, and its logs in a group `{id}Logs` kept a week and deleted with the
 * stack. `WebSocketBackend` makes its handler with it; the chat its authorizer.
 *
 * `NodejsFunction` is not used because it builds with `--outfile`, which esbuild's code splitting
 * cannot write to; one file parses the whole SDK on every cold start.
 *
 * The bundle is built when CDK bundles the stack's assets at synthesis (not when the context
 * `aws:cdk:bundling-stacks` leaves the stack out); an esbuild error then fails the synthesis.
 *
 * @example
 * ```ts
 * import { App, Duration, Stack } from 'aws-cdk-lib';
 * import { bundledFunction } from 'aws-framework-cdk';
 *
 * const stack = new Stack(new App(), 'Chat');
 * const authorizer = bundledFunction(stack, 'Authorizer', {
 *   entry: 'src/chatAuthorizer.ts',
 *   environment: { TOKEN_ISSUER: 'https://issuer.example.com/' },
 *   timeout: Duration.seconds(5),
 * });
 * ```
 */
export function bundledFunction(scope: Construct, id: string, props: BundledFunctionProps): lambda.Function {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: props.logRetention ?? logs.RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const buildOptions: esbuild.BuildOptions = {
    ...lambdaBuildOptions(props.entry),
    ...props.bundling,
    absWorkingDir: props.projectRoot ?? process.cwd(),
  };
  // Called by CDK only when the stack is bundled (not with `aws:cdk:bundling-stacks` = []). The
  // options are a field so that they are part of the asset cache key CDK computes from the
  // bundling options' JSON: two functions over one folder must not share a bundle.
  const local: ILocalBundling & { buildOptions: esbuild.BuildOptions } = {
    buildOptions,
    tryBundle(outputDir) {
      const result = esbuild.buildSync({ ...buildOptions, outdir: outputDir });
      if (result.metafile) writeFileSync(join(outputDir, 'index.meta.json'), JSON.stringify(result.metafile));
      return true;
    },
  };
  return new lambda.Function(scope, id, {
    // Hashed from the build's output: the same bundle, the same asset, whatever the checkout.
    code: lambda.Code.fromAsset(dirname(props.entry), {
      assetHashType: AssetHashType.OUTPUT,
      bundling: { image: lambda.Runtime.NODEJS_24_X.bundlingImage, local },
    }),
    handler: `index.${props.handler ?? 'handler'}`,
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout ?? Duration.seconds(29),
    logGroup,
    environment: {
      ...(props.sourceMapStackTraces ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
      ...props.environment,
    },
  });
}
