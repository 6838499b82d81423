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

export interface BundledFunctionProps {
  /** The handler module (TypeScript or JavaScript), bundled with esbuild on this machine. */
  entry: string;
  /** The exported handler's name; default `handler`. */
  handler?: string;
  /** Environment variables. */
  environment?: Record<string, string>;
  /**
   * Run with `NODE_OPTIONS=--enable-source-maps`, so stack traces point at the TypeScript
   * sources. Default false: Node then reads the map of every module it loads, which measured
   * 38.4 ms against 21.7 ms for the chat's `$connect` cold start (0.65x against 0.37x the
   * client-at-top handler; bench/suites/coldStart.ts). The maps ship either way.
   */
  sourceMapStackTraces?: boolean;
  /**
   * The folder esbuild works in (a pnpm workspace's root): the paths in its metafile and source
   * maps are relative to it. Default: the current directory.
   */
  projectRoot?: string;
  /** Default 256 MB. */
  memorySize?: number;
  /** Default 29 s, API Gateway's integration timeout: a longer run would be cut off anyway. */
  timeout?: Duration;
  /** How long the function's logs are kept; default one week. */
  logRetention?: logs.RetentionDays;
  /**
   * Merged over `lambdaBuildOptions` (ESM, code-split, minified, source maps, the SDK bundled).
   * With `metafile: true` the metafile is written beside the bundle as `index.meta.json`.
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
 * @example
 * ```ts
 * const fn = bundledFunction(this, 'Authorizer', { entry: 'src/chatAuthorizer.ts' });
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
