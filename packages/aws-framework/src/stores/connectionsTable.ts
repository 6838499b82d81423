import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { TableNotActiveError } from './errors.js';

/**
 * The attribute and index names of the connections table, for infrastructure code (a CDK stack, a
 * CloudFormation template) that must match what `DynamoDbConnectionStore` reads and writes.
 *
 * | item | `pk` | `sk` | `gsi1pk` | `gsi1sk` | other attributes |
 * | --- | --- | --- | --- | --- | --- |
 * | connection | `conn#<id>` | `conn` | | | `connectionId`, `connectedAt`, `data`, `ttl` |
 * | membership | `conn#<id>` | `group#<name>` | `group#<name>` | `conn#<id>` | `connectionId`, `group`, `ttl` |
 *
 * @example
 * ```ts
 * import type { Stack } from 'aws-cdk-lib';
 * import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
 * import { CONNECTIONS_TABLE_KEYS } from 'aws-framework/dynamodb';
 *
 * declare const stack: Stack; // `this` inside your stack's constructor
 *
 * const table = new dynamodb.Table(stack, 'Connections', {
 *   partitionKey: { name: CONNECTIONS_TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
 *   sortKey: { name: CONNECTIONS_TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
 *   timeToLiveAttribute: CONNECTIONS_TABLE_KEYS.ttlAttribute,
 *   billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
 * });
 * table.addGlobalSecondaryIndex({
 *   indexName: CONNECTIONS_TABLE_KEYS.groupIndexName,
 *   partitionKey: { name: CONNECTIONS_TABLE_KEYS.groupIndexPartitionKey, type: dynamodb.AttributeType.STRING },
 *   sortKey: { name: CONNECTIONS_TABLE_KEYS.groupIndexSortKey, type: dynamodb.AttributeType.STRING },
 *   projectionType: dynamodb.ProjectionType.KEYS_ONLY,
 * });
 * ```
 */
export const CONNECTIONS_TABLE_KEYS = Object.freeze({
  /** Table partition key (string): `conn#<connectionId>` on every item of a connection. */
  partitionKey: 'pk',
  /** Table sort key (string): `conn` for the connection, `group#<name>` for each membership. */
  sortKey: 'sk',
  /** Epoch seconds after which DynamoDB may delete the item (TTL). */
  ttlAttribute: 'ttl',
  /** Global secondary index that lists a group's members, read with Query. */
  groupIndexName: 'byGroup',
  /** The index's partition key (string): `group#<name>`, on membership items only (a sparse index). */
  groupIndexPartitionKey: 'gsi1pk',
  /** The index's sort key (string): `conn#<connectionId>`. */
  groupIndexSortKey: 'gsi1sk',
} as const);

/**
 * The connections table as `CreateTable` takes it: on-demand billing, the `pk`/`sk` key schema,
 * and the `byGroup` index (keys only: a group's members are read from its keys, so nothing else is
 * copied). TTL is not part of `CreateTable`; enable it on `ttl` in the same deployment.
 *
 * @example
 * ```ts
 * import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
 * import { CONNECTIONS_TABLE_KEYS, connectionsTableDefinition } from 'aws-framework/dynamodb';
 *
 * const client = new DynamoDBClient({});
 * await client.send(new CreateTableCommand(connectionsTableDefinition('chat-connections')));
 * // Once the table is ACTIVE:
 * await client.send(
 *   new UpdateTimeToLiveCommand({
 *     TableName: 'chat-connections',
 *     TimeToLiveSpecification: { AttributeName: CONNECTIONS_TABLE_KEYS.ttlAttribute, Enabled: true },
 *   }),
 * );
 * ```
 * @throws {@link !TypeError} when `tableName` is not a non-empty string.
 */
export function connectionsTableDefinition(tableName: string): CreateTableCommandInput {
  checkTableName(tableName);
  const keys = CONNECTIONS_TABLE_KEYS;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: keys.partitionKey, AttributeType: 'S' },
      { AttributeName: keys.sortKey, AttributeType: 'S' },
      { AttributeName: keys.groupIndexPartitionKey, AttributeType: 'S' },
      { AttributeName: keys.groupIndexSortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: keys.partitionKey, KeyType: 'HASH' },
      { AttributeName: keys.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: keys.groupIndexName,
        KeySchema: [
          { AttributeName: keys.groupIndexPartitionKey, KeyType: 'HASH' },
          { AttributeName: keys.groupIndexSortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
  };
}

/** What `createConnectionsTable` takes: the table's name and how to reach DynamoDB. */
export interface CreateConnectionsTableOptions {
  /** The table to create (or find). */
  tableName: string;
  /**
   * The client to use, left open afterwards.
   * @default undefined (a client is made from `clientConfig`, and destroyed afterwards)
   */
  client?: DynamoDBClient;
  /**
   * Used only when no `client` is given, e.g. `{ endpoint: 'http://127.0.0.1:8000', region: 'us-east-1' }`.
   * @default `{}` (region and credentials from the environment)
   */
  clientConfig?: DynamoDBClientConfig;
  /**
   * How long to wait for the table and its index to become ACTIVE, in seconds; past that the call
   * rejects with {@link TableNotActiveError}.
   * @default 120
   */
  maxWaitSeconds?: number;
}

/** What `createConnectionsTable` resolves to. */
export interface CreateConnectionsTableResult {
  /** False when the table already existed (nothing was changed but TTL, if it was off). */
  created: boolean;
  /**
   * Whether TTL is on for `ttl`. False only against an emulator that lacks `UpdateTimeToLive`
   * (dynalite): items then never expire, which local use does not notice.
   */
  timeToLive: boolean;
}

/**
 * Creates the connections table for local use and tests (DynamoDB Local, dynalite): `CreateTable`
 * with `connectionsTableDefinition`, waits until it is ACTIVE, then turns TTL on. Safe to call
 * again: an existing table is left as it is. Deploy real tables with your infrastructure code.
 *
 * @example
 * ```ts
 * import { createConnectionsTable, DynamoDbConnectionStore } from 'aws-framework/dynamodb';
 *
 * const clientConfig = { endpoint: 'http://127.0.0.1:8000', region: 'us-east-1' };
 * const { created } = await createConnectionsTable({ tableName: 'connections', clientConfig });
 * const store = new DynamoDbConnectionStore({ tableName: 'connections', clientConfig });
 * ```
 * @throws {@link !TypeError} when `tableName` is not a non-empty string (the promise rejects).
 * @throws {@link TableNotActiveError} when the table and its index are not ACTIVE within
 * `maxWaitSeconds`.
 * @throws the AWS SDK's error when a DynamoDB request fails (`CreateTable` other than for an
 * existing table, `DescribeTable`, `DescribeTimeToLive`, or `UpdateTimeToLive` other than on an
 * emulator that lacks it), as the SDK threw it.
 */
export async function createConnectionsTable(
  options: CreateConnectionsTableOptions,
): Promise<CreateConnectionsTableResult> {
  const { tableName, maxWaitSeconds = 120 } = options;
  const input = connectionsTableDefinition(tableName);
  const client = options.client ?? new DynamoDBClient(options.clientConfig ?? {});
  try {
    let created = true;
    try {
      await client.send(new CreateTableCommand(input));
    } catch (error) {
      if (errorName(error) !== 'ResourceInUseException') throw error;
      created = false;
    }
    await waitUntilActive(client, tableName, maxWaitSeconds);
    return { created, timeToLive: await enableTimeToLive(client, tableName) };
  } finally {
    if (!options.client) client.destroy();
  }
}

// Not the SDK's waitUntilTableExists: its first retry comes after a whole second, while local
// emulators make a table ACTIVE within milliseconds.
async function waitUntilActive(client: DynamoDBClient, tableName: string, maxWaitSeconds: number) {
  const deadline = Date.now() + maxWaitSeconds * 1000;
  for (let delay = 20; ; delay = Math.min(delay * 2, 5_000)) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexes = Table?.GlobalSecondaryIndexes ?? [];
    if (Table?.TableStatus === 'ACTIVE' && indexes.every((index) => index.IndexStatus === 'ACTIVE')) return;
    if (Date.now() + delay > deadline) {
      throw new TableNotActiveError(tableName, Table?.TableStatus, maxWaitSeconds);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function enableTimeToLive(client: DynamoDBClient, tableName: string): Promise<boolean> {
  const attribute = CONNECTIONS_TABLE_KEYS.ttlAttribute;
  const { TimeToLiveDescription: current } = await client.send(
    new DescribeTimeToLiveCommand({ TableName: tableName }),
  );
  if (
    current?.AttributeName === attribute &&
    (current.TimeToLiveStatus === 'ENABLED' || current.TimeToLiveStatus === 'ENABLING')
  ) {
    return true;
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
      }),
    );
    return true;
  } catch (error) {
    // dynalite answers UnknownOperationException: it implements DescribeTimeToLive but not this.
    if (errorName(error) === 'UnknownOperationException') return false;
    throw error;
  }
}

function errorName(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
}

export function checkTableName(tableName: unknown): asserts tableName is string {
  if (typeof tableName !== 'string' || tableName === '') {
    throw new TypeError(`tableName must be a non-empty string, got ${JSON.stringify(tableName)}`);
  }
}
