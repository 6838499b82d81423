import { fileURLToPath } from 'node:url';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

/** The handler the construct tests deploy: a module with one dynamic import. */
export const FIXTURE_ENTRY = fileURLToPath(new URL('./fixtures/handler.ts', import.meta.url));

/** A stack in an app that bundles nothing: CDK never calls `bundledFunction`'s esbuild step. */
export function unbundledStack(id = 'Test'): Stack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, id);
}

/** The stack's template, and the logical ID of a construct in it. */
export function synth(stack: Stack): { template: Template; logicalId(construct: IConstruct): string } {
  return {
    template: Template.fromStack(stack),
    logicalId: (construct) => stack.getLogicalId(construct.node.defaultChild as CfnElement),
  };
}

/** Each route key's [AuthorizationType, AuthorizerId]. */
export function routeAuthorization(template: Template): Record<string, [string, unknown]> {
  return Object.fromEntries(
    Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((route) => [
      route.Properties.RouteKey,
      [route.Properties.AuthorizationType, route.Properties.AuthorizerId],
    ]),
  );
}

/** The logical ID of the one integration of this type (`AWS_PROXY`, `MOCK`). */
export function integrationIdOfType(template: Template, integrationType: string): string {
  const ids = Object.entries(template.findResources('AWS::ApiGatewayV2::Integration'))
    .filter(([, integration]) => integration.Properties.IntegrationType === integrationType)
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`${ids.length} ${integrationType} integrations`);
  return ids[0]!;
}

export const integrationTarget = (id: string) => ({ 'Fn::Join': ['', ['integrations/', { Ref: id }]] });
