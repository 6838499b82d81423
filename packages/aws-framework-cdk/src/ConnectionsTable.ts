import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { CONNECTIONS_TABLE_KEYS, connectionsTableDefinition } from 'aws-framework/dynamodb';
import type { Construct } from 'constructs';

export interface ConnectionsTableProps {
  /**
   * What `cdk destroy` (or removing the table from the stack) does with the table. Default
   * `RemovalPolicy.DESTROY`: an example should leave nothing behind, and connections are worth
   * nothing after two hours. Use `RETAIN` where the table holds anything you would miss.
   */
  removalPolicy?: RemovalPolicy;
}

// The names, key types and index projection come from the store's own `CreateTable` input, so the
// deployed table cannot drift from what `DynamoDbConnectionStore` reads and writes.
const definition = connectionsTableDefinition('unused');
const keys = CONNECTIONS_TABLE_KEYS;

function attribute(name: string): dynamodb.Attribute {
  const type = definition.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
  if (type !== 'S' && type !== 'N' && type !== 'B') {
    throw new Error(`connectionsTableDefinition has no attribute definition for ${name}`);
  }
  const types = {
    S: dynamodb.AttributeType.STRING,
    N: dynamodb.AttributeType.NUMBER,
    B: dynamodb.AttributeType.BINARY,
  };
  return { name, type: types[type] };
}

function projection(indexName: string): dynamodb.ProjectionType {
  const index = definition.GlobalSecondaryIndexes?.find((i) => i.IndexName === indexName);
  const type = index?.Projection?.ProjectionType;
  if (type === 'KEYS_ONLY') return dynamodb.ProjectionType.KEYS_ONLY;
  if (type === 'ALL') return dynamodb.ProjectionType.ALL;
  throw new Error(`connectionsTableDefinition has no supported projection for index ${indexName}: ${type}`);
}

/**
 * The table `DynamoDbConnectionStore` (from `aws-framework/dynamodb`) keeps connections in:
 * `pk`/`sk` keys, the `byGroup` index (keys only) that `members(group)` queries, TTL on `ttl`, and
 * on-demand billing, so an idle table costs only its storage.
 */
export class ConnectionsTable extends dynamodb.Table {
  constructor(scope: Construct, id: string, props: ConnectionsTableProps = {}) {
    super(scope, id, {
      partitionKey: attribute(keys.partitionKey),
      sortKey: attribute(keys.sortKey),
      billingMode:
        definition.BillingMode === 'PAY_PER_REQUEST'
          ? dynamodb.BillingMode.PAY_PER_REQUEST
          : dynamodb.BillingMode.PROVISIONED,
      timeToLiveAttribute: keys.ttlAttribute,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.addGlobalSecondaryIndex({
      indexName: keys.groupIndexName,
      partitionKey: attribute(keys.groupIndexPartitionKey),
      sortKey: attribute(keys.groupIndexSortKey),
      projectionType: projection(keys.groupIndexName),
    });
  }
}
