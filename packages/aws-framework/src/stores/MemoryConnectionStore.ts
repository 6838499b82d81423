import { type ConnectionStore, checkConnection, checkId, type StoredConnection } from './ConnectionStore.js';
import { ConnectionNotSavedError } from './errors.js';

/**
 * Connections in this process's memory: for the local gateway, tests, and single-process servers.
 * In Lambda each execution environment would have its own, so use `DynamoDbConnectionStore` there.
 */
export class MemoryConnectionStore implements ConnectionStore {
  readonly #connections = new Map<string, StoredConnection>();
  readonly #groups = new Map<string, Set<string>>();
  readonly #groupsOf = new Map<string, Set<string>>();

  async save(connection: StoredConnection): Promise<void> {
    checkConnection(connection);
    this.#connections.set(connection.connectionId, structuredClone(connection));
  }

  async get(connectionId: string): Promise<StoredConnection | undefined> {
    checkId('connectionId', connectionId);
    const connection = this.#connections.get(connectionId);
    return connection && structuredClone(connection);
  }

  async remove(connectionId: string): Promise<void> {
    checkId('connectionId', connectionId);
    this.#connections.delete(connectionId);
    for (const group of this.#groupsOf.get(connectionId) ?? []) this.#dropMember(group, connectionId);
    this.#groupsOf.delete(connectionId);
  }

  async removeMany(connectionIds: Iterable<string>): Promise<void> {
    for (const connectionId of connectionIds) await this.remove(connectionId);
  }

  async *list(): AsyncIterable<string> {
    // A snapshot, so removing while iterating (pruning during a broadcast) is safe.
    yield* [...this.#connections.keys()];
  }

  async join(group: string, connectionId: string): Promise<void> {
    checkId('group', group);
    checkId('connectionId', connectionId);
    if (!this.#connections.has(connectionId)) throw new ConnectionNotSavedError(connectionId, group);
    const members = this.#groups.get(group) ?? new Set<string>();
    this.#groups.set(group, members.add(connectionId));
    const groups = this.#groupsOf.get(connectionId) ?? new Set<string>();
    this.#groupsOf.set(connectionId, groups.add(group));
  }

  async leave(group: string, connectionId: string): Promise<void> {
    checkId('group', group);
    checkId('connectionId', connectionId);
    this.#dropMember(group, connectionId);
    this.#groupsOf.get(connectionId)?.delete(group);
  }

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
