// Synthesis tests: the conformance stack's CloudFormation, with bundling skipped (no esbuild, no AWS
// account), checked against the route lists the local target starts its gateways with.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ConformanceApi, MAIN_API, NO_DEFAULT_API } from '../../handlers/apis.js';
import { ConformanceStack, STAGE_NAME } from '../lib/ConformanceStack.js';

let template: Template;

beforeAll(() => {
  // An empty list of stacks to bundle: NodejsFunction skips esbuild and stages a placeholder.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(new ConformanceStack(app, 'ConformanceTest'));
}, 60_000);

type Resource = { Properties: Record<string, unknown> };

function resources(type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

function onlyResourceId(type: string): string {
  const ids = Object.keys(resources(type));
  expect(ids, type).toHaveLength(1);
  return ids[0]!;
}

/** The logical ID of the API with `name` (`ConformanceTest-Main`, `ConformanceTest-NoDefault`). */
function apiId(name: string): string {
  const entry = Object.entries(resources('AWS::ApiGatewayV2::Api')).find(
    ([, api]) => api.Properties.Name === `ConformanceTest-${name}`,
  );
  if (!entry) throw new Error(`no API named ConformanceTest-${name}`);
  return entry[0];
}

function routesOf(id: string): Record<string, Resource> {
  return Object.fromEntries(
    Object.entries(resources('AWS::ApiGatewayV2::Route')).filter(
      ([, route]) => JSON.stringify(route.Properties.ApiId) === JSON.stringify({ Ref: id }),
    ),
  );
}

const functionId = () => onlyResourceId('AWS::Lambda::Function');

describe.each([
  ['Main', MAIN_API],
  ['NoDefault', NO_DEFAULT_API],
] as Array<[string, ConformanceApi]>)('the %s API', (name, definition) => {
  it('is a WebSocket API selecting routes by $request.body.action', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      Name: `ConformanceTest-${name}`,
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
  });

  it('has exactly the routes the local target integrates, each with the conformance Lambda', () => {
    const id = apiId(name);
    const routes = Object.values(routesOf(id));
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual([...definition.routes].sort());
    const integrations = Object.entries(resources('AWS::ApiGatewayV2::Integration')).filter(
      ([, integration]) => JSON.stringify(integration.Properties.ApiId) === JSON.stringify({ Ref: id }),
    );
    expect(integrations).toHaveLength(1);
    const [integrationId, integration] = integrations[0]!;
    expect(integration.Properties.IntegrationType).toBe('AWS_PROXY');
    expect(JSON.stringify(integration.Properties.IntegrationUri)).toContain(
      JSON.stringify({ 'Fn::GetAtt': [functionId(), 'Arn'] }),
    );
    for (const route of routes) {
      expect(route.Properties.Target).toEqual({
        'Fn::Join': ['', ['integrations/', { Ref: integrationId }]],
      });
    }
  });

  it('gives route responses on exactly the routes the local target gives them', () => {
    const routes = routesOf(apiId(name));
    const responses = Object.values(resources('AWS::ApiGatewayV2::RouteResponse')).filter((response) =>
      Object.keys(routes).includes((response.Properties.RouteId as { Ref: string }).Ref),
    );
    const withResponse = responses.map((response) => {
      expect(response.Properties.RouteResponseKey).toBe('$default');
      return routes[(response.Properties.RouteId as { Ref: string }).Ref]!.Properties.RouteKey;
    });
    expect(withResponse.sort()).toEqual([...definition.routeResponses].sort());
    for (const route of Object.values(routes)) {
      const has = definition.routeResponses.includes(route.Properties.RouteKey as string);
      expect(route.Properties.RouteResponseSelectionExpression).toBe(has ? '$default' : undefined);
    }
  });

  it(`deploys the stage ${STAGE_NAME} automatically`, () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: apiId(name) },
      StageName: STAGE_NAME,
      AutoDeploy: true,
    });
  });
});

describe('the two APIs', () => {
  it('differ by $default only: the second has none, so unmatched messages get the Forbidden frame', () => {
    expect(MAIN_API.routes).toContain('$default');
    expect(NO_DEFAULT_API.routes).not.toContain('$default');
    expect(
      NO_DEFAULT_API.routes.every((route) => (MAIN_API.routes as readonly string[]).includes(route)),
    ).toBe(true);
  });

  it('may invoke the function for each of their routes only', () => {
    const permissions = Object.values(resources('AWS::Lambda::Permission'));
    expect(permissions).toHaveLength(MAIN_API.routes.length + NO_DEFAULT_API.routes.length);
    for (const permission of permissions) {
      expect(permission.Properties).toMatchObject({
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [functionId(), 'Arn'] },
      });
    }
  });
});

describe('the function', () => {
  it('runs the bundled handler on Node.js 22, within the integration timeout', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Timeout: 10,
    });
  });

  it('needs no grants: the suite calls the management API with its own credentials', () => {
    const statements = Object.values(resources('AWS::IAM::Policy')).flatMap(
      (policy) => (policy.Properties.PolicyDocument as { Statement: unknown[] }).Statement,
    );
    expect(statements).toEqual([]);
  });
});

describe('outputs', () => {
  const stageUrl = (scheme: string, id: string) => ({
    'Fn::Join': [
      '',
      [
        scheme,
        { Ref: id },
        '.execute-api.',
        { Ref: 'AWS::Region' },
        '.',
        { Ref: 'AWS::URLSuffix' },
        `/${STAGE_NAME}`,
      ],
    ],
  });

  it('are the three values the suite reads, named after their variables', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual(
      ['ConformanceEndpoint', 'ConformanceUrl', 'ConformanceUrlNoDefault'].sort(),
    );
    expect(outputs.ConformanceUrl?.Value).toEqual(stageUrl('wss://', apiId('Main')));
    expect(outputs.ConformanceEndpoint?.Value).toEqual(stageUrl('https://', apiId('Main')));
    expect(outputs.ConformanceUrlNoDefault?.Value).toEqual(stageUrl('wss://', apiId('NoDefault')));
    expect(outputs.ConformanceUrl?.Description).toMatch(/^CONFORMANCE_URL:/);
    expect(outputs.ConformanceEndpoint?.Description).toMatch(/^CONFORMANCE_ENDPOINT:/);
    expect(outputs.ConformanceUrlNoDefault?.Description).toMatch(/^CONFORMANCE_URL_NO_DEFAULT:/);
  });
});
