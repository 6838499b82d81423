// Synthesis tests of WebSocketBackend on its own (bundling skipped): routes, integrations,
// authorizer, heartbeat, stage and grants. The chat example's stack is tested in its infra.
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectionsTable,
  HEARTBEAT_REQUEST_TEMPLATES,
  WebSocketBackend,
  type WebSocketBackendProps,
} from '../src/index.js';
import {
  FIXTURE_ENTRY,
  integrationIdOfType,
  integrationTarget,
  routeAuthorization,
  synth,
  unbundledStack,
} from './synth.js';

const ROUTES = ['$connect', '$disconnect', '$default', 'sendMessage', 'hello'];

/** A backend for ROUTES, its authorizer (if any) made from a stand-in function. */
function backendWith(
  authorizer?: (fn: lambda.IFunction) => WebSocketBackendProps['authorizer'],
  more: Partial<WebSocketBackendProps> = {},
) {
  const scope = unbundledStack('Backend');
  const fn = new lambda.Function(scope, 'AuthorizerFunction', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('export const handler = async () => ({});'),
  });
  const made = authorizer?.(fn);
  const backend = new WebSocketBackend(scope, 'Api', {
    entry: FIXTURE_ENTRY,
    routes: [...ROUTES],
    ...(made ? { authorizer: made } : {}),
    ...more,
  });
  const { template, logicalId } = synth(scope);
  return { backend, functionId: logicalId(fn), handlerId: logicalId(backend.function), template, logicalId };
}

/** Every statement of every IAM policy in the template. */
function statements(template: ReturnType<typeof backendWith>['template']): Array<Record<string, unknown>> {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>,
  );
}

// The first synthesis loads most of aws-cdk-lib: seconds, past the default test timeout.
beforeAll(() => {
  backendWith();
}, 60_000);

describe('WebSocketBackend', () => {
  it('refuses an empty route list', () => {
    const scope = unbundledStack();
    expect(() => new WebSocketBackend(scope, 'Empty', { entry: FIXTURE_ENTRY, routes: [] })).toThrow(
      /at least one route/,
    );
    expect(() => new WebSocketBackend(scope, 'Empty2', { entry: FIXTURE_ENTRY, routes: [] })).toThrow(
      expect.objectContaining({ name: 'OptionsError', owner: 'WebSocketBackend', option: 'routes' }),
    );
  });

  it('is a WebSocket API selecting routes by $request.body.action unless told otherwise', () => {
    backendWith().template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
    backendWith(undefined, { routeSelectionExpression: '$request.body.type' }).template.hasResourceProperties(
      'AWS::ApiGatewayV2::Api',
      { RouteSelectionExpression: '$request.body.type' },
    );
  });

  it('integrates every route with the function through one Lambda proxy integration', () => {
    const { template, handlerId } = backendWith();
    const proxyId = integrationIdOfType(template, 'AWS_PROXY');
    expect(JSON.stringify(template.toJSON().Resources[proxyId].Properties.IntegrationUri)).toContain(
      JSON.stringify({ 'Fn::GetAtt': [handlerId, 'Arn'] }),
    );
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    for (const route of routes.filter((r) => r.Properties.RouteKey !== 'ping')) {
      expect(route.Properties.Target, route.Properties.RouteKey).toEqual(integrationTarget(proxyId));
    }
  });

  it('answers the heartbeat route ping with a MOCK integration: a request template, no route response', () => {
    const { template } = backendWith();
    const mockId = integrationIdOfType(template, 'MOCK');
    expect(template.toJSON().Resources[mockId].Properties).toMatchObject({
      IntegrationType: 'MOCK',
      RequestTemplates: HEARTBEAT_REQUEST_TEMPLATES,
      TemplateSelectionExpression: '\\$default',
    });
    const ping = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).find(
      (route) => route.Properties.RouteKey === 'ping',
    )!;
    expect(ping.Properties.Target).toEqual(integrationTarget(mockId));
    template.resourceCountIs('AWS::ApiGatewayV2::RouteResponse', 0);
  });

  it('deploys the stage prod automatically, or the stage named', () => {
    const { backend, template } = backendWith();
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: 'prod', AutoDeploy: true });
    expect(backend.stage.stageName).toBe('prod');
    backendWith(undefined, { stageName: 'dev' }).template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'dev',
    });
  });

  it('has no authorizer and no authorization on any route by default', () => {
    const { backend, template } = backendWith();
    expect(backend.authorizer).toBeUndefined();
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    for (const [type, id] of Object.values(routeAuthorization(template))) {
      expect(type).toBe('NONE');
      expect(id).toBeUndefined();
    }
  });

  it('builds a REQUEST authorizer from a function and identity sources, on $connect only', () => {
    const { backend, functionId, template } = backendWith((fn) => ({
      function: fn,
      identitySource: ['route.request.querystring.token'],
    }));
    expect(backend.authorizer).toBeInstanceOf(WebSocketLambdaAuthorizer);
    const authorizers = template.findResources('AWS::ApiGatewayV2::Authorizer');
    expect(Object.keys(authorizers)).toHaveLength(1);
    const [authorizerId, authorizer] = Object.entries(authorizers)[0]!;
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.token'],
      Name: 'Authorizer',
    });
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(
      JSON.stringify({ 'Fn::GetAtt': [functionId, 'Arn'] }),
    );
    expect(routeAuthorization(template)).toEqual({
      $connect: ['CUSTOM', { Ref: authorizerId }],
      $disconnect: ['NONE', undefined],
      $default: ['NONE', undefined],
      sendMessage: ['NONE', undefined],
      hello: ['NONE', undefined],
      ping: ['NONE', undefined],
    });
  });

  it('names the authorizer authorizerName', () => {
    const { template } = backendWith((fn) => ({
      function: fn,
      identitySource: ['route.request.header.Authorization'],
      authorizerName: 'Tokens',
    }));
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { Name: 'Tokens' });
  });

  it('takes a ready WebSocketLambdaAuthorizer as it is', () => {
    let given: WebSocketLambdaAuthorizer | undefined;
    const { backend, template } = backendWith((fn) => {
      given = new WebSocketLambdaAuthorizer('Tokens', fn, {
        identitySource: ['route.request.header.Authorization', 'route.request.querystring.room'],
      });
      return given;
    });
    expect(backend.authorizer).toBe(given);
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.header.Authorization', 'route.request.querystring.room'],
      Name: 'Tokens',
    });
    const authorization = routeAuthorization(template);
    expect(authorization.$connect?.[0]).toBe('CUSTOM');
    for (const route of ['$disconnect', '$default', 'sendMessage', 'hello', 'ping']) {
      expect(authorization[route]?.[0], route).toBe('NONE');
    }
  });

  it('puts the heartbeat on another route key, or leaves it out with heartbeatRoute: false', () => {
    const renamed = backendWith(undefined, { heartbeatRoute: 'heartbeat' });
    expect(Object.keys(routeAuthorization(renamed.template)).sort()).toEqual([...ROUTES, 'heartbeat'].sort());
    const mockId = integrationIdOfType(renamed.template, 'MOCK');
    expect(renamed.backend.heartbeatIntegration).toBeDefined();
    const heartbeat = Object.values(renamed.template.findResources('AWS::ApiGatewayV2::Route')).find(
      (route) => route.Properties.RouteKey === 'heartbeat',
    )!;
    expect(heartbeat.Properties.Target).toEqual(integrationTarget(mockId));

    const none = backendWith(undefined, { heartbeatRoute: false });
    expect(none.backend.heartbeatIntegration).toBeUndefined();
    expect(Object.keys(routeAuthorization(none.template)).sort()).toEqual([...ROUTES].sort());
    none.template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    none.template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY' });
  });

  it('refuses a heartbeat route that is also one of the routes', () => {
    expect(() => backendWith(undefined, { routes: [...ROUTES, 'ping'] })).toThrow(
      /ping is the heartbeat route/,
    );
  });

  it('refuses an authorizer with no identity source', () => {
    expect(() => backendWith((fn) => ({ function: fn, identitySource: [] }))).toThrow(
      /identitySource must name at least one source/,
    );
    expect(() => backendWith((fn) => ({ function: fn, identitySource: [] }))).toThrow(
      expect.objectContaining({ name: 'OptionsError', option: 'authorizer.identitySource' }),
    );
  });
});

describe('WebSocketBackend grants', () => {
  it("allows execute-api:ManageConnections on this API's stage @connections only, never *", () => {
    const { template } = backendWith();
    const apiId = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'))[0]!;
    const manage = statements(template).filter((s) =>
      [s.Action].flat().includes('execute-api:ManageConnections'),
    );
    expect(manage).toHaveLength(1);
    expect(JSON.stringify(manage[0]!.Resource)).toContain(JSON.stringify({ Ref: apiId }));
    expect(JSON.stringify(manage[0]!.Resource)).toContain('/prod/*/@connections/*');
    for (const statement of statements(template)) expect(statement.Resource).not.toBe('*');
  });

  it('without a table, grants nothing else and sets no environment variable', () => {
    const { template, handlerId } = backendWith();
    expect(statements(template)).toHaveLength(1);
    expect(template.toJSON().Resources[handlerId].Properties.Environment).toBeUndefined();
  });

  it('with a table, grants read/write on it and its indexes and names it in TABLE_NAME', () => {
    const scope = unbundledStack();
    const table = new ConnectionsTable(scope, 'Connections');
    const backend = new WebSocketBackend(scope, 'Api', { entry: FIXTURE_ENTRY, routes: ROUTES, table });
    const { template, logicalId } = synth(scope);
    const tableArn = { 'Fn::GetAtt': [logicalId(table), 'Arn'] };
    const dynamo = statements(template).filter((s) =>
      [s.Action].flat().some((a) => String(a).startsWith('dynamodb:')),
    );
    expect(dynamo.length).toBeGreaterThan(0);
    for (const statement of dynamo) {
      expect(statement.Resource).toEqual([tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }]);
    }
    expect(dynamo.flatMap((s) => [s.Action].flat())).toEqual(
      expect.arrayContaining([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:BatchWriteItem',
      ]),
    );
    expect(template.toJSON().Resources[logicalId(backend.function)].Properties.Environment.Variables).toEqual(
      {
        TABLE_NAME: { Ref: logicalId(table) },
      },
    );
  });

  it('names any table in tableEnvironmentVariable, beside the environment given', () => {
    const scope = unbundledStack();
    const table = new dynamodb.Table(scope, 'Other', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    });
    const backend = new WebSocketBackend(scope, 'Api', {
      entry: FIXTURE_ENTRY,
      routes: ROUTES,
      table,
      tableEnvironmentVariable: 'CONNECTIONS',
      environment: { STAGE: 'test' },
    });
    const { template, logicalId } = synth(scope);
    expect(template.toJSON().Resources[logicalId(backend.function)].Properties.Environment.Variables).toEqual(
      {
        STAGE: 'test',
        CONNECTIONS: { Ref: logicalId(table) },
      },
    );
  });
});

describe('WebSocketBackend urls', () => {
  it('gives the wss:// URL and the https:// management endpoint of its stage', () => {
    const scope = unbundledStack();
    const backend = new WebSocketBackend(scope, 'Api', { entry: FIXTURE_ENTRY, routes: ROUTES });
    const resolved = (value: string) => JSON.stringify(scope.resolve(value));
    expect(resolved(backend.url)).toMatch(/"wss:\/\/".*execute-api.*\/prod/);
    expect(resolved(backend.callbackUrl)).toMatch(/"https:\/\/".*execute-api.*\/prod/);
    expect(backend.entry).toBe(FIXTURE_ENTRY);
  });
});
