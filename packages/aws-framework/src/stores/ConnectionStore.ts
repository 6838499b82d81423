/** A connection as a store keeps it. */
export interface StoredConnection {
  connectionId: string;
  /** Epoch milliseconds, as in `requestContext.connectedAt`. */
  connectedAt: number;
  /** What the app wants to remember of the connection, such as a display name. JSON-serializable. */
  data?: Record<string, unknown>;
}

/**
 * Where a WebSocket API keeps its connections between invocations. Listings are async iterables
 * read page by page, so a million connections never sit in memory at once, and they plug straight
 * into `broadcast`.
 */
export interface ConnectionStore {
  /** Saves (or replaces) a connection. */
  save(connection: StoredConnection): Promise<void>;
  get(connectionId: string): Promise<StoredConnection | undefined>;
  /** Removes a connection and its group memberships. Removing an unknown ID is not an error. */
  remove(connectionId: string): Promise<void>;
  /** Removes several connections at once (batched where the store can). */
  removeMany(connectionIds: Iterable<string>): Promise<void>;
  /** Every connection ID. */
  list(): AsyncIterable<string>;
  /**
   * Adds a saved connection to a group (a room, a topic); throws `ConnectionNotSavedError` when it
   * is not saved.
   */
  join(group: string, connectionId: string): Promise<void>;
  leave(group: string, connectionId: string): Promise<void>;
  /** The IDs in one group, without reading any other group. */
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
