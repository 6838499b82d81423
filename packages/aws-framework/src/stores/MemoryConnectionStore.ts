import { type ConnectionStore, checkConnection, checkId, type StoredConnection } from './ConnectionStore.js';
import { ConnectionNotSavedError } from './errors.js';

/**
 * A {@link ConnectionStore} in this process's memory: for the local gateway, tests, and
 * single-process servers. In Lambda each execution environment would have its own, so use
 * `DynamoDbConnectionStore` (from `aws-framework/dynamodb`) there.
 *
 * Connections are stored and returned as copies (`structuredClone`), so changing one you saved or
 * got does not change the store. Listings are snapshots: removing while iterating is safe.
 *
 * @example
 * ```ts
 * import { MemoryConnectionStore } from 'aws-framework';
 *
 * const store = new MemoryConnectionStore();
 * await store.save({ connectionId: 'JC1dgf9yoAMCK-g=', connectedAt: Date.now(), data: { name: 'Ada' } });
 * await store.join('lobby', 'JC1dgf9yoAMCK-g=');
 * for await (const connectionId of store.members('lobby')) console.log(connectionId);
 * ```
 */
export class MemoryConnectionStore implements ConnectionStore {
  readonly #connections = new Map<string, StoredConnection>();
  readonly #groups = new Map<string, Set<string>>();
  readonly #groupsOf = new Map<string, Set<string>>();

  /**
   * Saves (or replaces) a copy of the connection.
   *
   * @throws {@link !TypeError} when the connection has no non-empty `connectionId`, a `connectedAt`
   * that is not a finite number, or a `data` that is not an object (the promise rejects).
   */
  async save(connection: StoredConnection): Promise<void> {
    checkConnection(connection);
    this.#connections.set(connection.connectionId, structuredClone(connection));
  }

  /**
   * A copy of the saved connection, or `undefined` when there is none.
   *
   * @throws {@link !TypeError} when `connectionId` is not a non-empty string (the promise rejects).
   */
  async get(connectionId: string): Promise<StoredConnection | undefined> {
    checkId('connectionId', connectionId);
    const connection = this.#connections.get(connectionId);
    return connection && structuredClone(connection);
  }

  /**
   * Removes a connection and its group memberships. Removing an unknown ID is not an error.
   *
   * @throws {@link !TypeError} when `connectionId` is not a non-empty string (the promise rejects).
   */
  async remove(connectionId: string): Promise<void> {
    checkId('connectionId', connectionId);
    this.#connections.delete(connectionId);
    for (const group of this.#groupsOf.get(connectionId) ?? []) this.#dropMember(group, connectionId);
    this.#groupsOf.delete(connectionId);
  }

  /**
   * Removes several connections, one after the other.
   *
   * @throws {@link !TypeError} when an ID is not a non-empty string (the promise rejects; the IDs
   * before it are removed).
   */
  async removeMany(connectionIds: Iterable<string>): Promise<void> {
    for (const connectionId of connectionIds) await this.remove(connectionId);
  }

  /** Every connection ID, as a snapshot taken when iteration starts. */
  async *list(): AsyncIterable<string> {
    // A snapshot, so removing while iterating (pruning during a broadcast) is safe.
    yield* [...this.#connections.keys()];
  }

  /**
   * Adds a saved connection to a group. Joining a group twice is not an error.
   *
   * @throws {@link ConnectionNotSavedError} when the connection is not saved (the promise rejects).
   * @throws {@link !TypeError} when `group` or `connectionId` is not a non-empty string.
   */
  async join(group: string, connectionId: string): Promise<void> {
    checkId('group', group);
    checkId('connectionId', connectionId);
    if (!this.#connections.has(connectionId)) throw new ConnectionNotSavedError(connectionId, group);
    const members = this.#groups.get(group) ?? new Set<string>();
    this.#groups.set(group, members.add(connectionId));
    const groups = this.#groupsOf.get(connectionId) ?? new Set<string>();
    this.#groupsOf.set(connectionId, groups.add(group));
  }

  /**
   * Takes a connection out of a group. Leaving a group it is not in is not an error.
   *
   * @throws {@link !TypeError} when `group` or `connectionId` is not a non-empty string (the promise
   * rejects).
   */
  async leave(group: string, connectionId: string): Promise<void> {
    checkId('group', group);
    checkId('connectionId', connectionId);
    this.#dropMember(group, connectionId);
    this.#groupsOf.get(connectionId)?.delete(group);
  }

  /**
   * The IDs in one group, as a snapshot taken when iteration starts.
   *
   * @throws {@link !TypeError} when `group` is not a non-empty string (iterating rejects).
   */
  async *members(group: string): AsyncIterable<string> {
    checkId('group', group);
    yield* [...(this.#groups.get(group) ?? [])];
  }

  #dropMember(group: string, connectionId: string): void {
    const members = this.#groups.get(group);
    if (!members) return;
    members.delete(connectionId);
    if (members.size === 0) this.#groups.delete(group);
  }
}
