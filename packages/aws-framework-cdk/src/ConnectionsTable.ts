import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { CONNECTIONS_TABLE_KEYS, connectionsTableDefinition } from 'aws-framework/dynamodb';
import type { Construct } from 'constructs';

/** The settings of a {@link ConnectionsTable}; everything else follows `DynamoDbConnectionStore`. */
export interface ConnectionsTableProps {
  /**
   * What `cdk destroy` (or removing the table from the stack) does with the table. Destroyed by
   * default: an example should leave nothing behind, and connections are worth nothing after two
   * hours. Use `RETAIN` where the table holds anything you would miss.
   *
   * @default RemovalPolicy.DESTROY
   */
  removalPolicy?: RemovalPolicy;
}

/**
 * The installed `aws-framework`'s table definition (`connectionsTableDefinition`) has a key without
 * an attribute type, or an index projection other than `KEYS_ONLY` or `ALL`: an `aws-framework`
 * this package does not support. Never thrown with matching versions; align the two packages.
 *
 * @example
 * ```ts
 * import { App, Stack } from 'aws-cdk-lib';
 * import { ConnectionsTable, IncompatibleTableDefinitionError } from 'aws-framework-cdk';
 *
 * const stack = new Stack(new App(), 'Chat');
 * try {
 *   new ConnectionsTable(stack, 'Connections');
 * } catch (error) {
 *   if (error instanceof IncompatibleTableDefinitionError) console.error('align aws-framework and aws-framework-cdk');
 *   throw error;
 * }
 * ```
 */
export class IncompatibleTableDefinitionError extends Error {
  /** Always `'IncompatibleTableDefinitionError'`. */
  override readonly name = 'IncompatibleTableDefinitionError';
}

// The names, key types and index projection come from the store's own `CreateTable` input, so the
// deployed table cannot drift from what `DynamoDbConnectionStore` reads and writes.
const definition = connectionsTableDefinition('unused');
const keys = CONNECTIONS_TABLE_KEYS;

function attribute(name: string): dynamodb.Attribute {
  const type = definition.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
  if (type !== 'S' && type !== 'N' && type !== 'B') {
    throw new IncompatibleTableDefinitionError(
      `connectionsTableDefinition has no attribute definition for ${name}`,
    );
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
  throw new IncompatibleTableDefinitionError(
    `connectionsTableDefinition has no supported projection for index ${indexName}: ${type}`,
  );
}

/**
 * The table `DynamoDbConnectionStore` (from `aws-framework/dynamodb`) keeps connections in:
 * `pk`/`sk` keys, the `byGroup` index (keys only) that `members(group)` queries, TTL on `ttl`, and
 * on-demand billing, so an idle table costs only its storage.
 *
 * The names, key types and index projection come from the store's own `CreateTable` input
 * (`connectionsTableDefinition`, `CONNECTIONS_TABLE_KEYS`), so the deployed table cannot drift from
 * what the store reads and writes. Give it to {@link WebSocketBackend} as `table` for the grant and
 * the `TABLE_NAME` variable.
 *
 * @example
 * ```ts
 * import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
 * import { ConnectionsTable, WebSocketBackend } from 'aws-framework-cdk';
 *
 * const stack = new Stack(new App(), 'Chat');
 * const table = new ConnectionsTable(stack, 'Connections', { removalPolicy: RemovalPolicy.RETAIN });
 * new WebSocketBackend(stack, 'Backend', {
 *   entry: 'src/handler.ts',
 *   routes: ['$connect', '$disconnect', '$default'],
 *   table, // its name in TABLE_NAME, read and write granted
 * });
 * ```
 */
export class ConnectionsTable extends dynamodb.Table {
  /**
   * Defines the table, with its `byGroup` index, in `scope`.
   *
   * @throws {@link IncompatibleTableDefinitionError} when the installed `aws-framework/dynamodb` table definition lacks an
   * attribute definition for a key, or has an index projection other than `KEYS_ONLY` or `ALL` (an
   * `aws-framework` that this package does not support; never with matching versions).
   */
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
