// Synthesis tests: the chat stack's CloudFormation, with bundling skipped (no esbuild, no AWS account).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CONNECTIONS_TABLE_KEYS, connectionsTableDefinition } from 'aws-framework/dynamodb';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHAT_IDENTITY_SOURCE, CHAT_TOKEN_AUDIENCE, CHAT_TOKEN_ISSUER } from '../../src/issueChatToken.js';
import {
  CHAT_AUTHORIZER_ENTRY,
  CHAT_HANDLER_ENTRY,
  CHAT_ROUTES,
  ChatStack,
  type ChatStackProps,
  DEFAULT_TOKEN_SECRET_PARAMETER,
} from '../lib/ChatStack.js';

let stack: ChatStack;
let template: Template;

beforeAll(() => {
  // An empty list of stacks to bundle: CDK never calls bundledFunction's esbuild step (tryBundle).
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  // Environment-agnostic, as bin/chat.ts makes it: one template for any account and region.
  stack = new ChatStack(app, 'ChatTest');
  template = Template.fromStack(stack);
}, 60_000);

/** The one logical ID of a resource type. */
function onlyResourceId(type: string): string {
  const ids = Object.keys(template.findResources(type));
  expect(ids, type).toHaveLength(1);
  return ids[0]!;
}

const apiRef = () => ({ Ref: onlyResourceId('AWS::ApiGatewayV2::Api') });
/** The logical ID of the one integration of this type (`AWS_PROXY`, `MOCK`). */
function integrationIdOfType(integrationType: string): string {
  const ids = Object.entries(template.findResources('AWS::ApiGatewayV2::Integration'))
    .filter(([, integration]) => integration.Properties.IntegrationType === integrationType)
    .map(([id]) => id);
  expect(ids, integrationType).toHaveLength(1);
  return ids[0]!;
}
const lambdaIntegrationId = () => integrationIdOfType('AWS_PROXY');
const mockIntegrationId = () => integrationIdOfType('MOCK');
const integrationTarget = (id: string) => ({ 'Fn::Join': ['', ['integrations/', { Ref: id }]] });
const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const functionId = () => logicalId(stack.backend.function);
const authorizerFunctionId = () => logicalId(stack.authorizerFunction);

describe('the WebSocket API', () => {
  it('is a WebSocket API selecting routes by $request.body.action', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
  });

  it("has the chat's routes, each integrated with the chat Lambda, and the heartbeat route", () => {
    expect(CHAT_ROUTES).toEqual(['$connect', '$disconnect', '$default', 'sendMessage', 'hello']);
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual(
      ['$connect', '$default', '$disconnect', 'sendMessage', 'hello', 'ping'].sort(),
    );
    for (const route of routes) {
      expect(route.Properties.ApiId).toEqual(apiRef());
      expect(route.Properties.Target, route.Properties.RouteKey).toEqual(
        integrationTarget(route.Properties.RouteKey === 'ping' ? mockIntegrationId() : lambdaIntegrationId()),
      );
    }
  });

  it('authorizes $connect with the chat authorizer, taking the token from ?token=', () => {
    const authorizerId = onlyResourceId('AWS::ApiGatewayV2::Authorizer');
    const authorizer = template.findResources('AWS::ApiGatewayV2::Authorizer')[authorizerId]!;
    expect(authorizer.Properties).toMatchObject({
      ApiId: apiRef(),
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.token'],
    });
    expect(CHAT_IDENTITY_SOURCE).toEqual(authorizer.Properties.IdentitySource);
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(
      JSON.stringify({ 'Fn::GetAtt': [authorizerFunctionId(), 'Arn'] }),
    );
  });

  it('requires authorization on $connect only: API Gateway authorizes connections, not messages', () => {
    expect(routeAuthorization(template)).toEqual({
      $connect: ['CUSTOM', { Ref: onlyResourceId('AWS::ApiGatewayV2::Authorizer') }],
      $disconnect: ['NONE', undefined],
      $default: ['NONE', undefined],
      sendMessage: ['NONE', undefined],
      hello: ['NONE', undefined],
      ping: ['NONE', undefined],
    });
  });

  it('integrates by Lambda proxy with the chat function, one integration for every route', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      ApiId: apiRef(),
      IntegrationType: 'AWS_PROXY',
    });
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 2);
    const integration = template.findResources('AWS::ApiGatewayV2::Integration')[lambdaIntegrationId()]!;
    expect(JSON.stringify(integration.Properties.IntegrationUri)).toContain(
      JSON.stringify({ 'Fn::GetAtt': [functionId(), 'Arn'] }),
    );
  });

  it('answers the heartbeat route ping with a MOCK integration: no function invoked, nothing sent back', () => {
    const integration = template.findResources('AWS::ApiGatewayV2::Integration')[mockIntegrationId()]!;
    expect(integration.Properties).toMatchObject({
      ApiId: apiRef(),
      IntegrationType: 'MOCK',
      // Without a template setting statusCode, API Gateway fails every message on the route.
      RequestTemplates: { $default: '{"statusCode": 200}' },
      TemplateSelectionExpression: '\\$default',
    });
    const ping = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).find(
      (route) => route.Properties.RouteKey === 'ping',
    )!;
    expect(ping.Properties).toMatchObject({
      AuthorizationType: 'NONE',
      Target: integrationTarget(mockIntegrationId()),
    });
    expect(ping.Properties.RouteResponseSelectionExpression).toBeUndefined();
    template.resourceCountIs('AWS::ApiGatewayV2::RouteResponse', 0);
    for (const permission of Object.values(template.findResources('AWS::Lambda::Permission'))) {
      expect(JSON.stringify(permission.Properties.SourceArn)).not.toContain('ping');
    }
  });

  it('lets API Gateway invoke the function for each route of this API only', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter(
      (permission) => permission.Properties.FunctionName['Fn::GetAtt'][0] === functionId(),
    );
    expect(permissions).toHaveLength(CHAT_ROUTES.length);
    const sourceArns = permissions.map((permission) => {
      expect(permission.Properties).toMatchObject({
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [functionId(), 'Arn'] },
      });
      const parts = permission.Properties.SourceArn['Fn::Join'][1] as unknown[];
      expect(parts).toContainEqual(apiRef());
      return parts.at(-1);
    });
    expect(sourceArns.sort()).toEqual(CHAT_ROUTES.map((route) => `/*${route}`).sort());
  });

  it('deploys the stage prod automatically', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: apiRef(),
      StageName: 'prod',
      AutoDeploy: true,
    });
  });

  it('outputs the wss:// URL and the management endpoint of the prod stage', () => {
    const host = (scheme: string) => ({
      'Fn::Join': [
        '',
        [scheme, apiRef(), '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/prod'],
      ],
    });
    const outputs = template.findOutputs('*');
    expect(outputs.WebSocketUrl?.Value).toEqual(host('wss://'));
    expect(outputs.ManagementEndpoint?.Value).toEqual(host('https://'));
  });
});

describe('the connections table', () => {
  const definition = connectionsTableDefinition('any');
  const keys = CONNECTIONS_TABLE_KEYS;

  it("has the store's key schema, attributes and byGroup index, from connectionsTableDefinition", () => {
    const table = template.findResources('AWS::DynamoDB::Table')[onlyResourceId('AWS::DynamoDB::Table')]!;
    expect(table.Properties.KeySchema).toEqual(definition.KeySchema);
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: keys.partitionKey, KeyType: 'HASH' },
      { AttributeName: keys.sortKey, KeyType: 'RANGE' },
    ]);
    expect(sortByName(table.Properties.AttributeDefinitions)).toEqual(
      sortByName(definition.AttributeDefinitions!),
    );
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(definition.GlobalSecondaryIndexes);
    expect(table.Properties.GlobalSecondaryIndexes[0]).toMatchObject({
      IndexName: keys.groupIndexName,
      KeySchema: [
        { AttributeName: keys.groupIndexPartitionKey, KeyType: 'HASH' },
        { AttributeName: keys.groupIndexSortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    });
  });

  it('is on-demand, with TTL on the attribute the store writes', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: keys.ttlAttribute, Enabled: true },
    });
    expect(definition.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('is deleted with the stack (an example; RETAIN for production)', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });
});

/** The Properties of the resource with this logical ID. */
const propertiesOf = (id: string) => template.toJSON().Resources[id].Properties;

describe('the chat function', () => {
  it('runs on Node.js 24, arm64, from the bundled ESM module, within the integration timeout', () => {
    template.resourceCountIs('AWS::Lambda::Function', 2);
    for (const id of [functionId(), authorizerFunctionId()]) {
      expect(propertiesOf(id), id).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Timeout: 29,
        MemorySize: 256,
      });
    }
  });

  it('names the table in TABLE_NAME, and leaves --enable-source-maps off (it costs cold start)', () => {
    expect(propertiesOf(functionId()).Environment.Variables).toEqual({
      TABLE_NAME: { Ref: onlyResourceId('AWS::DynamoDB::Table') },
    });
  });

  it('is built from the chat example source, the module the local gateway runs', () => {
    const examples = fileURLToPath(new URL('../../src/handler.ts', import.meta.url));
    expect(CHAT_HANDLER_ENTRY).toBe(examples);
    expect(stack.backend.entry).toBe(examples);
    expect(existsSync(examples)).toBe(true);
  });

  it('keeps its logs a week, in a log group of its own deleted with the stack (the authorizer too)', () => {
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    expect(Object.keys(logGroups)).toHaveLength(2);
    for (const logGroup of Object.values(logGroups)) {
      expect(logGroup).toMatchObject({ Properties: { RetentionInDays: 7 }, DeletionPolicy: 'Delete' });
    }
    const groupOf = (id: string) => propertiesOf(id).LoggingConfig.LogGroup.Ref;
    expect([groupOf(functionId()), groupOf(authorizerFunctionId())].sort()).toEqual(
      Object.keys(logGroups).sort(),
    );
  });
});

describe('the authorizer function', () => {
  /** The authorizer's environment in the chat stack synthesized with `context` (or `tokens`). */
  function authorizerEnvironment(context: Record<string, string>, props: ChatStackProps = {}) {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
    const other = new ChatStack(app, 'Tokens', props);
    const otherTemplate = Template.fromStack(other);
    const id = other.getLogicalId(other.authorizerFunction.node.defaultChild as CfnElement);
    return {
      variables: otherTemplate.toJSON().Resources[id].Properties.Environment.Variables,
      parameters: otherTemplate.toJSON().Parameters ?? {},
    };
  }

  it('is built from src/authorizer.ts, the jwtAuthorizer entry point', () => {
    expect(CHAT_AUTHORIZER_ENTRY).toBe(fileURLToPath(new URL('../../src/authorizer.ts', import.meta.url)));
    expect(existsSync(CHAT_AUTHORIZER_ENTRY)).toBe(true);
  });

  it('by default checks development tokens with the secret in the SSM parameter, resolved at deploy time', () => {
    const variables = propertiesOf(authorizerFunctionId()).Environment.Variables;
    expect(variables).toMatchObject({ TOKEN_ISSUER: CHAT_TOKEN_ISSUER, TOKEN_AUDIENCE: CHAT_TOKEN_AUDIENCE });
    expect(variables.TABLE_NAME).toBeUndefined();
    const parameterId = variables.TOKEN_SECRET.Ref as string;
    expect(template.toJSON().Parameters[parameterId]).toEqual({
      Type: 'AWS::SSM::Parameter::Value<String>',
      Default: DEFAULT_TOKEN_SECRET_PARAMETER,
    });
  });

  it('takes another parameter name, or the secret itself, from the CDK context', () => {
    const named = authorizerEnvironment({ tokenSecretParameter: '/mine/secret' });
    expect(named.parameters[named.variables.TOKEN_SECRET.Ref]?.Default).toBe('/mine/secret');

    const inline = authorizerEnvironment({ tokenSecret: 's'.repeat(40) });
    expect(inline.variables).toMatchObject({ TOKEN_ISSUER: CHAT_TOKEN_ISSUER, TOKEN_SECRET: 's'.repeat(40) });
    expect(inline.parameters).toEqual({ BootstrapVersion: expect.anything() });
  });

  it("with a Cognito user pool, checks its ID tokens against the pool's keys: no secret", () => {
    const expected = {
      TOKEN_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123',
      TOKEN_AUDIENCE: '1example23456789',
    };
    const fromContext = authorizerEnvironment({
      cognitoUserPoolId: 'eu-west-1_AbC123',
      cognitoClientId: '1example23456789',
    });
    expect(fromContext.variables).toEqual(expected);
    const fromProps = authorizerEnvironment(
      { tokenSecret: 'ignored, props win' },
      { tokens: { cognitoUserPoolId: 'eu-west-1_AbC123', cognitoClientId: '1example23456789' } },
    );
    expect(fromProps.variables).toEqual(expected);
    expect(() => authorizerEnvironment({ cognitoUserPoolId: 'eu-west-1_AbC123' })).toThrow(
      /both cognitoUserPoolId and cognitoClientId/,
    );
  });

  it('may be invoked by API Gateway as this authorizer of this API only', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter(
      (permission) => permission.Properties.FunctionName['Fn::GetAtt'][0] === authorizerFunctionId(),
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]!.Properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
    });
    const parts = permissions[0]!.Properties.SourceArn['Fn::Join'][1] as unknown[];
    expect(parts).toContainEqual(apiRef());
    expect(parts.slice(-2)).toEqual([
      '/authorizers/',
      { Ref: onlyResourceId('AWS::ApiGatewayV2::Authorizer') },
    ]);
  });
});

describe('grants', () => {
  const statements = () =>
    Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>,
    );

  it("allows execute-api:ManageConnections on this API's prod @connections only, never *", () => {
    const manage = statements().filter((s) => [s.Action].flat().includes('execute-api:ManageConnections'));
    expect(manage).toHaveLength(1);
    expect(manage[0]).toEqual({
      Action: 'execute-api:ManageConnections',
      Effect: 'Allow',
      Resource: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':execute-api:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':',
            apiRef(),
            '/prod/*/@connections/*',
          ],
        ],
      },
    });
    for (const statement of statements()) expect(statement.Resource).not.toBe('*');
  });

  it('allows reading and writing the table and its index, and nothing else', () => {
    const tableArn = { 'Fn::GetAtt': [onlyResourceId('AWS::DynamoDB::Table'), 'Arn'] };
    const dynamo = statements().filter((s) =>
      [s.Action].flat().some((a) => String(a).startsWith('dynamodb:')),
    );
    // grantReadWriteData's item actions, and (unused here, harmless) the stream read actions.
    for (const statement of dynamo) {
      expect(statement.Resource).toEqual([tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }]);
    }
    expect(dynamo.flatMap((s) => [s.Action].flat())).toEqual(
      expect.arrayContaining([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:DeleteItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:BatchWriteItem',
      ]),
    );
    expect(statements()).toHaveLength(1 + dynamo.length);
  });

  it('gives the authorizer no policy beyond writing its logs', () => {
    const roleOf = (id: string) => propertiesOf(id).Role['Fn::GetAtt'][0] as string;
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const roles = policies.flatMap((policy) =>
      policy.Properties.Roles.map((role: { Ref: string }) => role.Ref),
    );
    expect(roles).toEqual([roleOf(functionId())]);
    expect(propertiesOf(roleOf(authorizerFunctionId())).ManagedPolicyArns).toEqual([
      {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        ],
      },
    ]);
  });
});

/** Each route key's [AuthorizationType, AuthorizerId]. */
function routeAuthorization(template: Template): Record<string, [string, unknown]> {
  return Object.fromEntries(
    Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((route) => [
      route.Properties.RouteKey,
      [route.Properties.AuthorizationType, route.Properties.AuthorizerId],
    ]),
  );
}

function sortByName<T extends { AttributeName?: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => String(a.AttributeName).localeCompare(String(b.AttributeName)));
}
