import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import {
  WebSocketLambdaIntegration,
  WebSocketMockIntegration,
} from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { OptionsError } from 'aws-framework';
import { Construct } from 'constructs';
import { type BundledFunctionProps, bundledFunction } from './bundledFunction.js';

/**
 * A Lambda REQUEST authorizer for `$connect`, described by its function and identity sources;
 * `WebSocketBackend` makes the `WebSocketLambdaAuthorizer` from it.
 */
export interface WebSocketBackendAuthorizerProps {
  /** The authorizer function (e.g. a `jwtAuthorizer` handler made with `bundledFunction`). */
  function: lambda.IFunction;
  /**
   * Where API Gateway takes the identity from: `route.request.querystring.NAME`,
   * `route.request.header.NAME`, `stageVariables.NAME` or `context.NAME`. A connection missing
   * any of them is refused 401 without invoking the function. Browsers cannot set headers on a
   * WebSocket, so a page's token travels in the query string: `['route.request.querystring.token']`.
   */
  identitySource: string[];
  /**
   * The authorizer's name in API Gateway.
   *
   * @default 'Authorizer' (the authorizer construct's id, which CDK uses when no name is given)
   */
  authorizerName?: string;
}

/** The function's props (`entry`, `handler`, `environment`, bundling, memory, timeout, logs), and: */
export interface WebSocketBackendProps extends BundledFunctionProps {
  /**
   * The route keys, every one integrated with the function: `$connect`, `$disconnect`, `$default`
   * and custom ones (`sendMessage`) that `routeSelectionExpression` selects.
   */
  routes: string[];
  /**
   * Where API Gateway reads a message's route key from.
   *
   * @default '$request.body.action'
   */
  routeSelectionExpression?: string;
  /**
   * The stage, deployed automatically on every change.
   *
   * @default 'prod'
   */
  stageName?: string;
  /**
   * A table the function may read and write (e.g. a `ConnectionsTable`); its name is put in the
   * environment variable `tableEnvironmentVariable`.
   *
   * @default undefined (no table: no grant and no variable)
   */
  table?: dynamodb.ITable;
  /**
   * The environment variable that names `table` to the function (unused without `table`).
   *
   * @default 'TABLE_NAME' (what the chat's `connectionStoreFromEnv` reads)
   */
  tableEnvironmentVariable?: string;
  /**
   * Who may connect: an authorizer on the `$connect` route (API Gateway authorizes only there; the
   * identity it returns comes with every later event of the connection). Either a ready
   * `WebSocketLambdaAuthorizer` (any `IWebSocketRouteAuthorizer`), or its function and identity
   * sources.
   *
   * @default undefined (no authorizer: anyone may connect)
   */
  authorizer?: apigwv2.IWebSocketRouteAuthorizer | WebSocketBackendAuthorizerProps;
  /**
   * A route answered by API Gateway itself (a `MOCK` integration), for clients' heartbeats
   * (`{"action":"ping"}` from `aws-framework/client`): the message keeps the connection past API
   * Gateway's 10-minute idle timeout without invoking the function. It sends nothing back (no route
   * response). `false` for none. It may not also be in `routes`.
   *
   * @default 'ping'
   */
  heartbeatRoute?: string | false;
}

/**
 * What a `MOCK` integration needs to succeed: API Gateway takes the status from the integration
 * request, and without a template that sets it every message fails ("statusCode should be an
 * integer which defined in request template"). `$default` is the one template, selected always.
 */
export const HEARTBEAT_REQUEST_TEMPLATES = {
  /** The integration request's template, which sets the status the `MOCK` integration answers with. */
  $default: '{"statusCode": 200}',
};

/**
 * An API Gateway WebSocket API whose routes all invoke one Node.js Lambda function: the API, an
 * auto-deployed stage, the function (bundled locally by esbuild, no Docker), one Lambda
 * integration, and the grants the function needs: `execute-api:ManageConnections` on this API's
 * stage only, and read/write on `table` when given. With `authorizer`, API Gateway asks it before
 * every `$connect` (the only route it authorizes); the other routes need no authorization. A
 * heartbeat route (`ping` by default) on a `MOCK` integration keeps clients connected for free.
 *
 * @example
 * ```ts
 * import { App, CfnOutput, Stack } from 'aws-cdk-lib';
 * import { bundledFunction, ConnectionsTable, WebSocketBackend } from 'aws-framework-cdk';
 *
 * const stack = new Stack(new App(), 'Chat');
 * const backend = new WebSocketBackend(stack, 'Chat', {
 *   entry: 'src/handler.ts',
 *   routes: ['$connect', '$disconnect', '$default', 'sendMessage'],
 *   table: new ConnectionsTable(stack, 'Connections'),
 *   authorizer: {
 *     function: bundledFunction(stack, 'Authorizer', { entry: 'src/chatAuthorizer.ts' }),
 *     identitySource: ['route.request.querystring.token'], // a connection without it: 401, uninvoked
 *   },
 * });
 * new CfnOutput(stack, 'Url', { value: backend.url });
 * ```
 */
export class WebSocketBackend extends Construct {
  /** The WebSocket API, its routes added; add more with `api.addRoute`. */
  readonly api: apigwv2.WebSocketApi;
  /** The auto-deployed stage: {@link url} and {@link callbackUrl} come from it. */
  readonly stage: apigwv2.WebSocketStage;
  /**
   * The function every route of `routes` invokes, made with {@link bundledFunction}: grant it more,
   * or give it more environment variables, here.
   */
  readonly function: lambda.Function;
  /** The one Lambda integration every route of `routes` shares. */
  readonly integration: WebSocketLambdaIntegration;
  /** The heartbeat route's `MOCK` integration, unless `heartbeatRoute` is `false`. */
  readonly heartbeatIntegration: WebSocketMockIntegration | undefined;
  /** The `$connect` route's authorizer, when `authorizer` was given. */
  readonly authorizer: apigwv2.IWebSocketRouteAuthorizer | undefined;
  /** The handler module the function was bundled from: the `entry` prop, as given. */
  readonly entry: string;

  /**
   * Defines the API, its stage, routes and function in `scope`.
   *
   * @throws {@link aws-framework!index.OptionsError | OptionsError} (a `TypeError`, `owner` `WebSocketBackend`) when `routes` is empty,
   * when `routes` contains the heartbeat route, or when an `authorizer` given as
   * `{ function, identitySource }` has no identity source.
   */
  constructor(scope: Construct, id: string, props: WebSocketBackendProps) {
    super(scope, id);
    if (props.routes.length === 0)
      throw new OptionsError(
        'WebSocketBackend',
        'routes',
        'WebSocketBackend: routes must name at least one route key',
      );
    const heartbeatRoute = props.heartbeatRoute ?? 'ping';
    if (heartbeatRoute !== false && props.routes.includes(heartbeatRoute)) {
      throw new OptionsError(
        'WebSocketBackend',
        'routes',
        `WebSocketBackend: ${heartbeatRoute} is the heartbeat route; remove it from routes or set heartbeatRoute`,
      );
    }
    this.entry = props.entry;

    const environment: Record<string, string> = { ...props.environment };
    if (props.table) environment[props.tableEnvironmentVariable ?? 'TABLE_NAME'] = props.table.tableName;

    this.function = bundledFunction(this, 'Handler', { ...props, environment });

    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      routeSelectionExpression: props.routeSelectionExpression ?? '$request.body.action',
    });
    this.integration = new WebSocketLambdaIntegration('Handler', this.function);
    this.authorizer = props.authorizer && routeAuthorizer(props.authorizer);
    for (const routeKey of props.routes) {
      this.api.addRoute(routeKey, {
        integration: this.integration,
        // CDK refuses an authorizer on any other route: API Gateway authorizes connections, not messages.
        ...(routeKey === '$connect' && this.authorizer ? { authorizer: this.authorizer } : {}),
      });
    }
    if (heartbeatRoute !== false) {
      this.heartbeatIntegration = new WebSocketMockIntegration('Heartbeat', {
        requestTemplates: HEARTBEAT_REQUEST_TEMPLATES,
        templateSelectionExpression: '\\$default',
      });
      this.api.addRoute(heartbeatRoute, { integration: this.heartbeatIntegration });
    }

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

function routeAuthorizer(
  authorizer: apigwv2.IWebSocketRouteAuthorizer | WebSocketBackendAuthorizerProps,
): apigwv2.IWebSocketRouteAuthorizer {
  if ('bind' in authorizer) return authorizer;
  if (authorizer.identitySource.length === 0) {
    throw new OptionsError(
      'WebSocketBackend',
      'authorizer.identitySource',
      'WebSocketBackend: authorizer.identitySource must name at least one source',
    );
  }
  return new WebSocketLambdaAuthorizer('Authorizer', authorizer.function, {
    identitySource: authorizer.identitySource,
    ...(authorizer.authorizerName ? { authorizerName: authorizer.authorizerName } : {}),
  });
}
