import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  paginateScan,
  type TranslateConfig,
} from '@aws-sdk/lib-dynamodb';
import { type OptionSchema, validateOptions } from '../options/validateOptions.js';
import { type ConnectionStore, checkConnection, checkId, type StoredConnection } from './ConnectionStore.js';
import { CONNECTIONS_TABLE_KEYS, checkTableName } from './connectionsTable.js';
import { ConnectionNotSavedError, type ConnectionsTableKey, UnprocessedItemsError } from './errors.js';

/** API Gateway closes every WebSocket connection after 2 hours, `$disconnect` or not. */
const MAX_CONNECTION_SECONDS = 2 * 60 * 60;
/** Extra life past those 2 hours, so a connection still open is never expired early by clock skew. */
export const DEFAULT_TTL_MARGIN_SECONDS = 15 * 60;
/** `BatchWriteItem` takes at most 25 requests. */
const BATCH_SIZE = 25;
/** Connections whose items are looked up at once by `removeMany`. */
const REMOVE_LOOKUP_CONCURRENCY = 8;
const DEFAULT_BATCH_WRITE_ATTEMPTS = 8;
const RETRY_BASE_DELAY_MS = 50;
const RETRY_MAX_DELAY_MS = 2_000;

const CONNECTION_PREFIX = 'conn#';
const GROUP_PREFIX = 'group#';
const CONNECTION_SORT_KEY = 'conn';

const {
  partitionKey: PK,
  sortKey: SK,
  ttlAttribute: TTL,
  groupIndexName: GROUP_INDEX,
  groupIndexPartitionKey: GSI1PK,
  groupIndexSortKey: GSI1SK,
} = CONNECTIONS_TABLE_KEYS;

type Key = ConnectionsTableKey;

export interface DynamoDbConnectionStoreOptions {
  /** The table made from `connectionsTableDefinition` (or `createConnectionsTable` locally). */
  tableName: string;
  /**
   * A client to share. A `DynamoDBClient` is wrapped in a document client; a document client is
   * used as it is. Without one, a client is made from `clientConfig`.
   */
  client?: DynamoDBClient | DynamoDBDocumentClient;
  /** Used only when no `client` is given; default `{}` (region and credentials from the environment). */
  clientConfig?: DynamoDBClientConfig;
  /** Seconds added to `connectedAt` + 2 h for the `ttl` attribute; default 900 (15 minutes). */
  ttlMarginSeconds?: number;
  /**
   * Tries of one `BatchWriteItem` while DynamoDB returns `UnprocessedItems`, with exponential
   * backoff between them; default 8. Past that the write throws {@link UnprocessedItemsError}.
   */
  batchWriteAttempts?: number;
}

/**
 * Connections in one DynamoDB table, shared by every Lambda execution environment. Import it from
 * `aws-framework/dynamodb` (it needs `@aws-sdk/client-dynamodb` and `@aws-sdk/lib-dynamodb`).
 *
 * Each connection is an item `conn#<id>` / `conn`; each group membership an item `conn#<id>` /
 * `group#<name>` that the `byGroup` index keys by group, so `members(group)` is one Query that never
 * reads another group. Every item carries `ttl` = connectedAt + 2 h + margin (epoch seconds), so
 * connections whose `$disconnect` never came expire. `list()` scans the whole table: listing every
 * connection is a full read by nature; broadcast to a group where you can. Listings go through
 * lib-dynamodb's paginators, asking for the next page only once the last one's items are consumed.
 *
 * `join` reads the connection (strongly consistent) before writing the membership, and throws
 * {@link ConnectionNotSavedError} when it is not saved. A `remove` racing with that `join` can leave
 * a membership behind; it expires with its `ttl`, and a broadcast prunes it on the 410 meanwhile.
 *
 * @example
 * ```ts
 * import { DynamoDbConnectionStore } from 'aws-framework/dynamodb';
 * const store = new DynamoDbConnectionStore({ tableName: process.env.CONNECTIONS_TABLE! });
 * await store.save({ connectionId, connectedAt: event.requestContext.connectedAt });
 * await store.join('lobby', connectionId);
 * await context.broadcast(store.members('lobby'), { text: 'hi' });
 * ```
 */
const OPTIONS_SCHEMA: OptionSchema = {
  tableName: 'string',
  client: 'object',
  clientConfig: 'object',
  ttlMarginSeconds: 'number',
  batchWriteAttempts: 'number',
};

export class DynamoDbConnectionStore implements ConnectionStore {
  readonly tableName: string;
  readonly #client: DynamoDBDocumentClient;
  readonly #ttlMarginSeconds: number;
  readonly #batchWriteAttempts: number;

  constructor(options: DynamoDbConnectionStoreOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('DynamoDbConnectionStore: options with a tableName are required');
    }
    validateOptions('DynamoDbConnectionStore', OPTIONS_SCHEMA, options);
    checkTableName(options.tableName);
    const {
      ttlMarginSeconds = DEFAULT_TTL_MARGIN_SECONDS,
      batchWriteAttempts = DEFAULT_BATCH_WRITE_ATTEMPTS,
    } = options;
    if (!Number.isInteger(ttlMarginSeconds) || ttlMarginSeconds < 0) {
      throw new TypeError(`ttlMarginSeconds must be a whole number >= 0, got ${String(ttlMarginSeconds)}`);
    }
    if (!Number.isInteger(batchWriteAttempts) || batchWriteAttempts < 1) {
      throw new TypeError(
        `batchWriteAttempts must be a whole number >= 1, got ${String(batchWriteAttempts)}`,
      );
    }
    this.tableName = options.tableName;
    this.#ttlMarginSeconds = ttlMarginSeconds;
    this.#batchWriteAttempts = batchWriteAttempts;
    this.#client = documentClient(options.client ?? new DynamoDBClient(options.clientConfig ?? {}));
  }

  async save(connection: StoredConnection): Promise<void> {
    checkConnection(connection);
    const { connectionId, connectedAt, data } = connection;
    await this.#client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          [PK]: connectionKey(connectionId),
          [SK]: CONNECTION_SORT_KEY,
          connectionId,
          connectedAt,
          // JSON round trip: what the interface promises to keep, whatever the document client's
          // marshalling options (undefined values would otherwise throw).
          ...(data === undefined ? {} : { data: JSON.parse(JSON.stringify(data)) }),
          [TTL]: this.#ttlFor(connectedAt),
        },
      }),
    );
  }

  async get(connectionId: string): Promise<StoredConnection | undefined> {
    checkId('connectionId', connectionId);
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [PK]: connectionKey(connectionId), [SK]: CONNECTION_SORT_KEY },
        // A message may arrive milliseconds after $connect saved its connection.
        ConsistentRead: true,
        ProjectionExpression: '#id, #at, #data',
        ExpressionAttributeNames: { '#id': 'connectionId', '#at': 'connectedAt', '#data': 'data' },
      }),
    );
    if (!Item) return undefined;
    const stored: StoredConnection = {
      connectionId: Item.connectionId as string,
      // Number(): a document client made with `wrapNumbers` answers NumberValue objects.
      connectedAt: Number(Item.connectedAt),
    };
    if (Item.data !== undefined) stored.data = Item.data as Record<string, unknown>;
    return stored;
  }

  async remove(connectionId: string): Promise<void> {
    await this.removeMany([connectionId]);
  }

  async removeMany(connectionIds: Iterable<string>): Promise<void> {
    const deletes = new BatchDeleter((keys) => this.#deleteBatch(keys));
    let chunk = new Set<string>();
    const lookUp = async (ids: Set<string>) => {
      const queue = [...ids];
      const worker = async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          for await (const key of this.#itemKeysOf(id)) await deletes.add(key);
        }
      };
      await Promise.all(Array.from({ length: Math.min(REMOVE_LOOKUP_CONCURRENCY, queue.length) }, worker));
    };
    for (const connectionId of connectionIds) {
      checkId('connectionId', connectionId);
      chunk.add(connectionId);
      if (chunk.size === BATCH_SIZE) {
        await lookUp(chunk);
        chunk = new Set();
      }
    }
    await lookUp(chunk);
    await deletes.flush();
  }

  async *list(): AsyncIterable<string> {
    const pages = paginateScan(
      { client: this.#client },
      {
        TableName: this.tableName,
        FilterExpression: '#sk = :conn',
        ProjectionExpression: '#id',
        ExpressionAttributeNames: { '#sk': SK, '#id': 'connectionId' },
        ExpressionAttributeValues: { ':conn': CONNECTION_SORT_KEY },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) yield item.connectionId as string;
    }
  }

  async join(group: string, connectionId: string): Promise<void> {
    checkId('group', group);
    checkId('connectionId', connectionId);
    const { Item: connection } = await this.#client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [PK]: connectionKey(connectionId), [SK]: CONNECTION_SORT_KEY },
        ConsistentRead: true,
        ProjectionExpression: '#ttl',
        ExpressionAttributeNames: { '#ttl': TTL },
      }),
    );
    if (!connection) throw new ConnectionNotSavedError(connectionId, group);
    await this.#client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          [PK]: connectionKey(connectionId),
          [SK]: groupKey(group),
          [GSI1PK]: groupKey(group),
          [GSI1SK]: connectionKey(connectionId),
          connectionId,
          group,
          // The membership lives exactly as long as its connection.
          [TTL]: Number(connection[TTL]),
        },
      }),
    );
  }

  async leave(group: string, connectionId: string): Promise<void> {
    checkId('group', group);
    checkId('connectionId', connectionId);
    await this.#client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { [PK]: connectionKey(connectionId), [SK]: groupKey(group) },
      }),
    );
  }

  async *members(group: string): AsyncIterable<string> {
    checkId('group', group);
    const pages = paginateQuery(
      { client: this.#client },
      {
        TableName: this.tableName,
        IndexName: GROUP_INDEX,
        KeyConditionExpression: '#g = :g',
        ProjectionExpression: '#c',
        ExpressionAttributeNames: { '#g': GSI1PK, '#c': GSI1SK },
        ExpressionAttributeValues: { ':g': groupKey(group) },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        yield (item[GSI1SK] as string).slice(CONNECTION_PREFIX.length);
      }
    }
  }

  #ttlFor(connectedAt: number): number {
    return Math.floor(connectedAt / 1000) + MAX_CONNECTION_SECONDS + this.#ttlMarginSeconds;
  }

  /** The keys of a connection's item and its memberships, page by page. */
  async *#itemKeysOf(connectionId: string): AsyncIterable<Key> {
    const pages = paginateQuery(
      { client: this.#client },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ProjectionExpression: '#pk, #sk',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': connectionKey(connectionId) },
        // A membership joined a moment ago must not be left behind.
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) yield { [PK]: item[PK] as string, [SK]: item[SK] as string };
    }
  }

  async #deleteBatch(keys: Key[]): Promise<void> {
    let requests = keys.map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 1; ; attempt++) {
      const { UnprocessedItems } = await this.#client.send(
        new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
      );
      const left = UnprocessedItems?.[this.tableName] ?? [];
      if (left.length === 0) return;
      if (attempt >= this.#batchWriteAttempts) {
        const unprocessedKeys = left.map((request) => request.DeleteRequest?.Key as Key);
        throw new UnprocessedItemsError(this.tableName, unprocessedKeys, keys.length, attempt);
      }
      requests = left as typeof requests;
      // Unprocessed items mean the table is throttling: back off (full jitter) before trying again.
      const ceiling = Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
    }
  }
}

/** Collects delete keys into batches of 25, without duplicates (BatchWriteItem rejects those). */
class BatchDeleter {
  #pending = new Map<string, Key>();
  #writing: Promise<void> = Promise.resolve();
  readonly #write: (keys: Key[]) => Promise<void>;

  constructor(write: (keys: Key[]) => Promise<void>) {
    this.#write = write;
  }

  async add(key: Key): Promise<void> {
    this.#pending.set(`${key[PK]}\u0000${key[SK]}`, key);
    if (this.#pending.size >= BATCH_SIZE) await this.#flushPending();
  }

  async flush(): Promise<void> {
    await this.#flushPending();
    await this.#writing;
  }

  async #flushPending(): Promise<void> {
    if (this.#pending.size === 0) return;
    const keys = [...this.#pending.values()];
    this.#pending = new Map();
    // One batch at a time: it bounds memory and keeps a throttled table from being hammered.
    this.#writing = this.#writing.then(() => this.#write(keys));
    await this.#writing;
  }
}

function documentClient(client: DynamoDBClient | DynamoDBDocumentClient): DynamoDBDocumentClient {
  if (client instanceof DynamoDBDocumentClient) return client;
  // A DynamoDBClient, or a document client from a second copy of lib-dynamodb in node_modules
  // (which fails `instanceof`, and with it the paginators' own check). from() shares the client's
  // config and middleware stack and writes its options into that config: passing what is there
  // already keeps a document client the app made from the same client working as it did, and
  // keeps the second copy's marshalling options. save() needs no option.
  const { translateConfig } = client.config as { translateConfig?: TranslateConfig };
  return DynamoDBDocumentClient.from(client as DynamoDBClient, translateConfig);
}

function connectionKey(connectionId: string): string {
  return `${CONNECTION_PREFIX}${connectionId}`;
}

function groupKey(group: string): string {
  return `${GROUP_PREFIX}${group}`;
}
