import type { BuildOptions } from 'esbuild';

/**
 * esbuild's ESM output has no `require`; CommonJS code inside the bundle (parts of the SDK's
 * dependency tree) calls it for Node built-ins, so the bundle makes one.
 */
const REQUIRE_BANNER =
  "import { createRequire as __awsfCreateRequire } from 'node:module';const require = __awsfCreateRequire(import.meta.url);";

/**
 * The esbuild options a Lambda function is built with, for `bundledFunction` (what the CDK app
 * deploys) and the cold-start bench (what it measures), so that both are the same bundle: an
 * `index.mjs` ES module, minified, with source maps, the AWS SDK inside, code-split. Splitting is
 * the cold-start choice: what the handler imports lazily (the management API client on the first
 * send, DynamoDB behind `TABLE_NAME`) stays in chunks of its own that a `$connect` never loads,
 * where one file would parse all of it on every cold start (bench `coldStart`: the rows "as the
 * CDK app deploys it").
 *
 * @example
 * ```ts
 * import { lambdaBuildOptions } from 'aws-framework-cdk';
 * import * as esbuild from 'esbuild';
 *
 * // dist/handler/index.mjs and dist/handler/chunks/, as bundledFunction deploys them
 * esbuild.buildSync({ ...lambdaBuildOptions('src/handler.ts'), outdir: 'dist/handler' });
 * ```
 */
export function lambdaBuildOptions(entry: string): BuildOptions {
  return {
    entryPoints: [{ in: entry, out: 'index' }],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    // Chunks and dynamic imports need ES modules; `.mjs` makes Node read them as such.
    splitting: true,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    minify: true,
    sourcemap: true,
    // Maps without the sources' text: stack traces need only the mappings, and with
    // `--enable-source-maps` Node reads the map of every module it loads, so a cold start pays for
    // it (the chat's index.mjs.map: 89 KB rather than 528 KB; its $connect ~31 ms rather than ~44 ms
    // in one measurement, ~21 ms without source maps).
    sourcesContent: false,
    // The SDK's ES module builds, so that its core is in the bundle once, not also as CommonJS.
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_BANNER },
    // Nothing external: our own pinned SDK rather than the runtime's copy, the version we test
    // with, and a faster cold start than loading the runtime's node_modules.
    external: [],
    logLevel: 'warning',
  };
}
