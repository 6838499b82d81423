import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

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

export interface WebSocketBackendProps {
  /** The handler module (TypeScript or JavaScript), bundled with esbuild on this machine. */
  entry: string;
  /** The exported handler's name; default `handler`. */
  handler?: string;
  /**
   * The route keys, every one integrated with the function: `$connect`, `$disconnect`, `$default`
   * and custom ones (`sendMessage`) that `routeSelectionExpression` selects.
   */
  routes: string[];
  /** Default `$request.body.action`. */
  routeSelectionExpression?: string;
  /** The stage, deployed automatically on every change; default `prod`. */
  stageName?: string;
  /**
   * A table the function may read and write (e.g. a `ConnectionsTable`); its name is put in the
   * environment variable `tableEnvironmentVariable`.
   */
  table?: dynamodb.ITable;
  /** Default `TABLE_NAME`, what the chat's `connectionStoreFromEnv` reads. */
  tableEnvironmentVariable?: string;
  /** More environment variables for the function. */
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
 * An API Gateway WebSocket API whose routes all invoke one Node.js Lambda function: the API, an
 * auto-deployed stage, the function (bundled locally by esbuild, no Docker), one Lambda
 * integration, and the grants the function needs: `execute-api:ManageConnections` on this API's
 * stage only, and read/write on `table` when given.
 */
export class WebSocketBackend extends Construct {
  readonly api: apigwv2.WebSocketApi;
  readonly stage: apigwv2.WebSocketStage;
  readonly function: nodejs.NodejsFunction;
  readonly integration: WebSocketLambdaIntegration;
  /** The handler module the function was bundled from, as an absolute path. */
  readonly entry: string;

  constructor(scope: Construct, id: string, props: WebSocketBackendProps) {
    super(scope, id);
    if (props.routes.length === 0)
      throw new Error('WebSocketBackend: routes must name at least one route key');
    this.entry = props.entry;

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const environment: Record<string, string> = {
      // Stack traces through the minified bundle point at the TypeScript sources.
      NODE_OPTIONS: '--enable-source-maps',
      ...props.environment,
    };
    if (props.table) environment[props.tableEnvironmentVariable ?? 'TABLE_NAME'] = props.table.tableName;

    this.function = new nodejs.NodejsFunction(this, 'Handler', {
      entry: props.entry,
      handler: props.handler ?? 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(29),
      logGroup,
      environment,
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

    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      routeSelectionExpression: props.routeSelectionExpression ?? '$request.body.action',
    });
    this.integration = new WebSocketLambdaIntegration('Handler', this.function);
    for (const routeKey of props.routes) this.api.addRoute(routeKey, { integration: this.integration });

    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: props.stageName ?? 'prod',
      autoDeploy: true,
    });

    // Sending to and closing connections: this API's stage, not every API in the account.
    this.stage.grantManagementApiAccess(this.function);
    props.table?.grantReadWriteData(this.function);
  }

  /** `wss://{apiId}.execute-api.{region}.amazonaws.com/{stage}`: what clients connect to. */
  get url(): string {
    return this.stage.url;
  }

  /** `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`: the management (@connections) endpoint. */
  get callbackUrl(): string {
    return this.stage.callbackUrl;
  }
}
