/**
 * `join(group, connectionId)` was given a connection the store has not saved (never, or removed
 * since). Nothing was written. Both stores throw it; `aws-framework` and `aws-framework/dynamodb`
 * export the same class.
 *
 * @example
 * ```typescript
 * import { ConnectionNotSavedError, type ConnectionStore } from 'aws-framework';
 *
 * declare const store: ConnectionStore;
 * declare const connectionId: string;
 *
 * try {
 *   await store.join('lobby', connectionId);
 * } catch (error) {
 *   if (!(error instanceof ConnectionNotSavedError)) throw error;
 *   // The client disconnected between its message and this join: nothing to do.
 * }
 * ```
 */
export class ConnectionNotSavedError extends Error {
  /** Always `'ConnectionNotSavedError'`, which survives where `instanceof` does not (a log line). */
  override readonly name = 'ConnectionNotSavedError';
  /** The connection that is not saved. */
  readonly connectionId: string;
  /** The group it was to join. */
  readonly group: string;

  constructor(connectionId: string, group: string, options?: ErrorOptions) {
    super(`join(${JSON.stringify(group)}): connection ${connectionId} is not saved`, options);
    this.connectionId = connectionId;
    this.group = group;
  }
}

/** The key of one item of the connections table, as `DynamoDbConnectionStore` writes it. */
export interface ConnectionsTableKey {
  /** `conn#<connectionId>` */
  pk: string;
  /** `conn` for the connection, `group#<name>` for a membership. */
  sk: string;
}

/**
 * `BatchWriteItem` still handed deletes back in `UnprocessedItems` (the table is throttling) after
 * every one of the store's `batchWriteAttempts`. The deletes in `unprocessedKeys` were not made;
 * every other delete of the batch was. The items left behind expire with their `ttl`.
 *
 * @example
 * ```typescript
 * import { type DynamoDbConnectionStore, UnprocessedItemsError } from 'aws-framework/dynamodb';
 *
 * declare const store: DynamoDbConnectionStore;
 * declare const goneIds: string[];
 *
 * try {
 *   await store.removeMany(goneIds);
 * } catch (error) {
 *   if (!(error instanceof UnprocessedItemsError)) throw error;
 *   console.warn('connections left to expire', { keys: error.unprocessedKeys });
 * }
 * ```
 */
export class UnprocessedItemsError extends Error {
  /** Always `'UnprocessedItemsError'`, which survives where `instanceof` does not (a log line). */
  override readonly name = 'UnprocessedItemsError';
  /** The table the batch was written to. */
  readonly tableName: string;
  /** The deletes DynamoDB left unprocessed on the last attempt. */
  readonly unprocessedKeys: readonly ConnectionsTableKey[];
  /** How many deletes the batch held at first (at most 25). */
  readonly batchSize: number;
  /** How many times the batch was sent. */
  readonly attempts: number;

  constructor(
    tableName: string,
    unprocessedKeys: readonly ConnectionsTableKey[],
    batchSize: number,
    attempts: number,
    options?: ErrorOptions,
  ) {
    super(
      `BatchWriteItem on ${tableName} left ${unprocessedKeys.length} of ${batchSize} deletes unprocessed after ${attempts} attempts`,
      options,
    );
    this.tableName = tableName;
    this.unprocessedKeys = unprocessedKeys;
    this.batchSize = batchSize;
    this.attempts = attempts;
  }
}

/**
 * `createConnectionsTable` gave up waiting for the table and its `byGroup` index to become ACTIVE
 * within `maxWaitSeconds`. The table may still become ACTIVE later.
 *
 * @example
 * ```typescript
 * import { createConnectionsTable, TableNotActiveError } from 'aws-framework/dynamodb';
 *
 * try {
 *   await createConnectionsTable({
 *     tableName: 'connections',
 *     clientConfig: { endpoint: 'http://127.0.0.1:8000', region: 'us-east-1' },
 *     maxWaitSeconds: 30,
 *   });
 * } catch (error) {
 *   if (!(error instanceof TableNotActiveError)) throw error;
 *   console.error(`${error.tableName} is still ${error.status} after ${error.maxWaitSeconds} s`);
 * }
 * ```
 */
export class TableNotActiveError extends Error {
  /** Always `'TableNotActiveError'`, which survives where `instanceof` does not (a log line). */
  override readonly name = 'TableNotActiveError';
  /** The table waited for. */
  readonly tableName: string;
  /** The table's `TableStatus` at the last look, such as `CREATING`; undefined if none was given. */
  readonly status: string | undefined;
  /** How long `createConnectionsTable` waited, in seconds. */
  readonly maxWaitSeconds: number;

  constructor(tableName: string, status: string | undefined, maxWaitSeconds: number, options?: ErrorOptions) {
    super(`Table ${tableName} is not ACTIVE after ${maxWaitSeconds} s (${status})`, options);
    this.tableName = tableName;
    this.status = status;
    this.maxWaitSeconds = maxWaitSeconds;
  }
}
