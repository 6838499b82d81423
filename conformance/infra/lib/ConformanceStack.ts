import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  type ConformanceApi,
  MAIN_API,
  NO_DEFAULT_API,
  ROUTE_SELECTION_EXPRESSION,
} from '../../handlers/apis.js';

/** The pnpm workspace root: esbuild runs there. */
export const WORKSPACE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The one handler behind every route of both APIs, the module the local target runs. */
export const CONFORMANCE_HANDLER_ENTRY = fileURLToPath(new URL('../../handlers/handler.ts', import.meta.url));
/** The stage both APIs deploy to: the last segment of CONFORMANCE_URL and CONFORMANCE_ENDPOINT. */
export const STAGE_NAME = 'conformance';

/**
 * The folder of this package's own esbuild executable, first on the bundling PATH: with a pnpm lock
 * file CDK runs `pnpm exec esbuild` in the workspace root (as in examples/chat/infra).
 */
const ESBUILD_BIN = join(dirname(createRequire(import.meta.url).resolve('esbuild/package.json')), 'bin');

export interface ConformanceStackProps extends StackProps {
  /** Merged over the bundling defaults (the bundle test asks for a metafile). */
  bundling?: nodejs.BundlingOptions;
}

/**
 * What `pnpm conformance` runs against on AWS: the conformance handler as one Node.js 22 Lambda
 * behind two WebSocket APIs, the main one and one without `$default`, each with the routes and
 * route responses of conformance/handlers/apis.ts and an auto-deployed stage.
 */
export class ConformanceStack extends Stack {
  readonly function: nodejs.NodejsFunction;
  readonly main: apigwv2.WebSocketStage;
  readonly noDefault: apigwv2.WebSocketStage;

  constructor(scope: Construct, id: string, props: ConformanceStackProps = {}) {
    super(scope, id, props);

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.function = new nodejs.NodejsFunction(this, 'Handler', {
      entry: CONFORMANCE_HANDLER_ENTRY,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 128,
      // The handler answers at once; a run this long is a bug, and well under the 29 s integration timeout.
      timeout: Duration.seconds(10),
      logGroup,
      projectRoot: WORKSPACE_ROOT,
      depsLockFilePath: join(WORKSPACE_ROOT, 'pnpm-lock.yaml'),
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node22',
        minify: true,
        forceDockerBundling: false,
        ...props.bundling,
        environment: {
          PATH: [ESBUILD_BIN, process.env.PATH].filter(Boolean).join(delimiter),
          ...props.bundling?.environment,
        },
      },
    });

    this.main = this.webSocketApi('Main', MAIN_API);
    this.noDefault = this.webSocketApi('NoDefault', NO_DEFAULT_API);

    new CfnOutput(this, 'ConformanceUrl', {
      description: 'CONFORMANCE_URL: the main API (with $default)',
      value: this.main.url,
    });
    new CfnOutput(this, 'ConformanceEndpoint', {
      description: "CONFORMANCE_ENDPOINT: the main API's management (@connections) endpoint",
      value: this.main.callbackUrl,
    });
    new CfnOutput(this, 'ConformanceUrlNoDefault', {
      description: 'CONFORMANCE_URL_NO_DEFAULT: the API without $default',
      value: this.noDefault.url,
    });
  }

  private webSocketApi(id: string, definition: ConformanceApi): apigwv2.WebSocketStage {
    const api = new apigwv2.WebSocketApi(this, `${id}Api`, {
      apiName: `${this.stackName}-${id}`,
      routeSelectionExpression: ROUTE_SELECTION_EXPRESSION,
    });
    const integration = new WebSocketLambdaIntegration(`${id}Integration`, this.function);
    for (const routeKey of definition.routes) {
      api.addRoute(routeKey, {
        integration,
        returnResponse: (definition.routeResponses as readonly string[]).includes(routeKey),
      });
    }
    return new apigwv2.WebSocketStage(this, `${id}Stage`, {
      webSocketApi: api,
      stageName: STAGE_NAME,
      autoDeploy: true,
    });
  }
}
