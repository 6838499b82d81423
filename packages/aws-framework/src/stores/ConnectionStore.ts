/**
 * A connection as a store keeps it: what `save` takes and `get` returns.
 *
 * @example
 * ```ts
 * import type { StoredConnection } from 'aws-framework';
 *
 * const connection: StoredConnection = {
 *   connectionId: 'JC1dgf9yoAMCK-g=',
 *   connectedAt: Date.now(),
 *   data: { name: 'Ada' },
 * };
 * ```
 */
export interface StoredConnection {
  /** API Gateway's ID of the connection (`requestContext.connectionId`), as `send` takes it. */
  connectionId: string;
  /** Epoch milliseconds, as in `requestContext.connectedAt`. */
  connectedAt: number;
  /** What the app wants to remember of the connection, such as a display name. JSON-serializable. */
  data?: Record<string, unknown>;
}

/**
 * Where a WebSocket API keeps its connections between invocations: API Gateway does not tell a
 * Lambda who else is connected. `MemoryConnectionStore` (from `aws-framework`) and
 * `DynamoDbConnectionStore` (from `aws-framework/dynamodb`) implement it; so can your own class.
 *
 * Listings are async iterables read page by page, so a million connections never sit in memory at
 * once, and they plug straight into `broadcast`. Every method refuses an empty connection ID or
 * group name with a `TypeError`.
 *
 * @example
 * ```ts
 * import { type ConnectionStore, routes, type WebSocketEvent, webSocketLambda } from 'aws-framework';
 *
 * declare const store: ConnectionStore; // a MemoryConnectionStore, a DynamoDbConnectionStore...
 *
 * export const handler = webSocketLambda(
 *   routes({
 *     $connect: (event, context) =>
 *       store.save({ connectionId: context.connectionId, connectedAt: event.requestContext.connectedAt }),
 *     $disconnect: (_event, context) => store.remove(context.connectionId),
 *     join: async (event: WebSocketEvent<{ room: string }>, context) => {
 *       await store.join(event.body?.room ?? 'lobby', context.connectionId);
 *     },
 *   }),
 * );
 * ```
 */
export interface ConnectionStore {
  /**
   * Saves (or replaces) a connection.
   *
   * @throws {@link !TypeError} when the connection has no non-empty `connectionId`, a `connectedAt`
   * that is not a finite number, or a `data` that is not an object (the promise rejects).
   */
  save(connection: StoredConnection): Promise<void>;
  /**
   * The saved connection, or `undefined` when there is none (never saved, removed, or expired).
   *
   * @throws {@link !TypeError} when `connectionId` is not a non-empty string (the promise rejects).
   */
  get(connectionId: string): Promise<StoredConnection | undefined>;
  /**
   * Removes a connection and its group memberships. Removing an unknown ID is not an error.
   *
   * @throws {@link !TypeError} when `connectionId` is not a non-empty string (the promise rejects).
   */
  remove(connectionId: string): Promise<void>;
  /**
   * Removes several connections at once (batched where the store can): what `broadcast` calls to
   * prune connections that are gone.
   *
   * @throws {@link !TypeError} when an ID is not a non-empty string (the promise rejects).
   */
  removeMany(connectionIds: Iterable<string>): Promise<void>;
  /** Every connection ID. */
  list(): AsyncIterable<string>;
  /**
   * Adds a saved connection to a group (a room, a topic). Joining a group twice is not an error.
   *
   * @throws {@link ConnectionNotSavedError} when the connection is not saved (the promise rejects).
   * @throws {@link !TypeError} when `group` or `connectionId` is not a non-empty string.
   */
  join(group: string, connectionId: string): Promise<void>;
  /**
   * Takes a connection out of a group. Leaving a group it is not in is not an error.
   *
   * @throws {@link !TypeError} when `group` or `connectionId` is not a non-empty string (the promise
   * rejects).
   */
  leave(group: string, connectionId: string): Promise<void>;
  /**
   * The IDs in one group, without reading any other group.
   *
   * @throws {@link !TypeError} when `group` is not a non-empty string (iterating rejects).
   */
  members(group: string): AsyncIterable<string>;
}

export function checkId(kind: 'connectionId' | 'group', value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${kind} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
}

export function checkConnection(connection: StoredConnection): void {
  if (typeof connection !== 'object' || connection === null) {
    throw new TypeError('save(connection): connection must be an object');
  }
  checkId('connectionId', connection.connectionId);
  if (!Number.isFinite(connection.connectedAt)) {
    throw new TypeError(
      `connectedAt must be epoch milliseconds, got ${JSON.stringify(connection.connectedAt)}`,
    );
  }
  if (connection.data !== undefined && (typeof connection.data !== 'object' || connection.data === null)) {
    throw new TypeError('data must be an object when given');
  }
}
