// Synthesis tests of ConnectionsTable: the table CloudFormation makes is the one the store expects.
import { RemovalPolicy } from 'aws-cdk-lib';
import { CONNECTIONS_TABLE_KEYS, connectionsTableDefinition } from 'aws-framework/dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConnectionsTable } from '../src/index.js';
import { synth, unbundledStack } from './synth.js';

const definition = connectionsTableDefinition('any');
const keys = CONNECTIONS_TABLE_KEYS;

function tableWith(removalPolicy?: RemovalPolicy) {
  const stack = unbundledStack();
  const table = new ConnectionsTable(stack, 'Connections', removalPolicy ? { removalPolicy } : {});
  const { template, logicalId } = synth(stack);
  return { table, template, resource: template.toJSON().Resources[logicalId(table)] };
}

const sortByName = <T extends { AttributeName?: string }>(items: T[]): T[] =>
  [...items].sort((a, b) => (a.AttributeName ?? '').localeCompare(b.AttributeName ?? ''));

let made: ReturnType<typeof tableWith>;

beforeAll(() => {
  made = tableWith();
}, 60_000);

describe('ConnectionsTable', () => {
  it("has the store's key schema, attributes and byGroup index, from connectionsTableDefinition", () => {
    const { Properties } = made.resource;
    expect(Properties.KeySchema).toEqual(definition.KeySchema);
    expect(Properties.KeySchema).toEqual([
      { AttributeName: keys.partitionKey, KeyType: 'HASH' },
      { AttributeName: keys.sortKey, KeyType: 'RANGE' },
    ]);
    expect(sortByName(Properties.AttributeDefinitions)).toEqual(sortByName(definition.AttributeDefinitions!));
    expect(Properties.GlobalSecondaryIndexes).toEqual(definition.GlobalSecondaryIndexes);
    expect(Properties.GlobalSecondaryIndexes[0]).toMatchObject({
      IndexName: keys.groupIndexName,
      KeySchema: [
        { AttributeName: keys.groupIndexPartitionKey, KeyType: 'HASH' },
        { AttributeName: keys.groupIndexSortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    });
  });

  it('is on-demand, with TTL on the attribute the store writes', () => {
    expect(definition.BillingMode).toBe('PAY_PER_REQUEST');
    expect(made.resource.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: keys.ttlAttribute, Enabled: true },
    });
  });

  it('is deleted with the stack by default, kept with RemovalPolicy.RETAIN', () => {
    made.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
    tableWith(RemovalPolicy.RETAIN).template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});
