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

/** What `new DynamoDbConnectionStore()` takes: the table, how to reach it, and its timings. */
export interface DynamoDbConnectionStoreOptions {
  /** The table made from `connectionsTableDefinition` (or `createConnectionsTable` locally). */
  tableName: string;
  /**
   * A client to share. A `DynamoDBClient` is wrapped in a document client; a document client is
   * used as it is.
   * @default undefined (a client is made from `clientConfig`)
   */
  client?: DynamoDBClient | DynamoDBDocumentClient;
  /**
   * Used only when no `client` is given.
   * @default `{}` (region and credentials from the environment)
   */
  clientConfig?: DynamoDBClientConfig;
  /**
   * Seconds added to `connectedAt` + 2 h for the `ttl` attribute: a whole number, 0 or more.
   * @default 900 (15 minutes, {@link DEFAULT_TTL_MARGIN_SECONDS})
   */
  ttlMarginSeconds?: number;
  /**
   * Tries of one `BatchWriteItem` while DynamoDB returns `UnprocessedItems`, with exponential
   * backoff between them: a whole number, 1 or more. Past that the write throws
   * {@link UnprocessedItemsError}.
   * @default 8
   */
  batchWriteAttempts?: number;
}

const OPTIONS_SCHEMA: OptionSchema = {
  tableName: 'string',
  client: 'object',
  clientConfig: 'object',
  ttlMarginSeconds: 'number',
  batchWriteAttempts: 'number',
};

/**
 * A {@link ConnectionStore} in one DynamoDB table, shared by every Lambda execution environment.
 * Import it from `aws-framework/dynamodb` (it needs `@aws-sdk/client-dynamodb` and
 * `@aws-sdk/lib-dynamodb`, optional peer dependencies).
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
 * import { routes, type WebSocketEvent, webSocketLambda } from 'aws-framework';
 * import { DynamoDbConnectionStore } from 'aws-framework/dynamodb';
 *
 * const store = new DynamoDbConnectionStore({ tableName: process.env.CONNECTIONS_TABLE ?? 'connections' });
 *
 * export const handler = webSocketLambda(
 *   routes({
 *     $connect: (event, context) =>
 *       store.save({ connectionId: context.connectionId, connectedAt: event.requestContext.connectedAt }),
 *     $disconnect: (_event, context) => store.remove(context.connectionId),
 *     join: async (event: WebSocketEvent<{ room: string }>, context) => {
 *       await store.join(event.body?.room ?? 'lobby', context.connectionId);
 *       await context.broadcast(store.members('lobby'), { text: 'someone joined' }, { store });
 *     },
 *   }),
 * );
 * ```
 */
export class DynamoDbConnectionStore implements ConnectionStore {
  /** The table every request goes to, from the options. */
  readonly tableName: string;
  readonly #client: DynamoDBDocumentClient;
  readonly #ttlMarginSeconds: number;
  readonly #batchWriteAttempts: number;

  /**
   * Checks the options and makes the client; nothing is sent to DynamoDB yet. Make one store per
   * process, outside the handler, so that every invocation reuses its client.
   *
   * @throws {@link index.OptionsError | OptionsError} when an option is unknown or has the wrong type.
   * @throws {@link !TypeError} when `options` is not an object, `tableName` is not a non-empty
   * string, `ttlMarginSeconds` is not a whole number of 0 or more, or `batchWriteAttempts` is not a
   * whole number of 1 or more.
   */
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

  /**
   * Saves (or replaces) the connection's item with `PutItem`, its `ttl` set from `connectedAt`.
   * `data` is stored as its JSON round trip (`undefined` values dropped).
   *
   * @throws {@link !TypeError} when the connection has no non-empty `connectionId`, a `connectedAt`
   * that is not a finite number, or a `data` that is not an object (the promise rejects).
   * @throws the AWS SDK's error (a `DynamoDBServiceException` such as `ResourceNotFoundException`)
   * when the DynamoDB request fails, as the SDK threw it.
   */
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

  /**
   * The saved connection, read strongly consistently (a message may arrive milliseconds after
   * `$connect` saved it), or `undefined` when there is none.
   *
   * @throws {@link !TypeError} when `connectionId` is not a non-empty string (the promise rejects).
   * @throws the AWS SDK's error (a `DynamoDBServiceException` such as `ResourceNotFoundException`)
   * when the DynamoDB request fails, as the SDK threw it.
   */
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

  /**
   * Removes a connection and its group memberships: one strongly consistent Query for its items,
   * then `BatchWriteItem`. Removing an unknown ID is not an error.
   *
   * @throws {@link !TypeError} when `connectionId` is not a non-empty string (the promise rejects).
   * @throws {@link UnprocessedItemsError} when DynamoDB still hands deletes back after
   * `batchWriteAttempts` tries.
   * @throws the AWS SDK's error (a `DynamoDBServiceException` such as `ResourceNotFoundException`)
   * when the DynamoDB request fails, as the SDK threw it.
   */
  async remove(connectionId: string): Promise<void> {
    await this.removeMany([connectionId]);
  }

  /**
   * Removes several connections and their memberships, looking their items up a few connections at
   * a time and deleting them 25 per `BatchWriteItem`, without duplicates.
   *
   * @throws {@link !TypeError} when an ID is not a non-empty string (the promise rejects; items of
   * the connections before it may already be deleted).
   * @throws {@link UnprocessedItemsError} when DynamoDB still hands deletes back after
   * `batchWriteAttempts` tries.
   * @throws the AWS SDK's error (a `DynamoDBServiceException` such as `ResourceNotFoundException`)
   * when the DynamoDB request fails, as the SDK threw it.
   */
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

  /**
   * Every connection ID, from a Scan of the whole table read page by page.
   *
   * @throws the AWS SDK's error (a `DynamoDBServiceException` such as `ResourceNotFoundException`)
   * when a Scan request fails (iterating rejects), as the SDK threw it.
   */
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

  /**
   * Adds a saved connection to a group: reads the connection (strongly consistent), then writes the
   * membership with the connection's `ttl`. Joining a group twice is not an error.
   *
   * @throws {@link ConnectionNotSavedError} when the connection is not saved (the promise rejects).
   * @throws {@link !TypeError} when `group` or `connectionId` is not a non-empty string.
   * @throws the AWS SDK's error (a `DynamoDBServiceException` such as `ResourceNotFoundException`)
   * when the DynamoDB request fails, as the SDK threw it.
   */
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

  /**
   * Takes a connection out of a group (one `DeleteItem`). Leaving a group it is not in is not an
   * error.
   *
   * @throws {@link !TypeError} when `group` or `connectionId` is not a non-empty string (the promise
   * rejects).
   * @throws the AWS SDK's error (a `DynamoDBServiceException` such as `ResourceNotFoundException`)
   * when the DynamoDB request fails, as the SDK threw it.
   */
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

  /**
   * The IDs in one group, from a Query on the `byGroup` index read page by page; no other group is
   * read.
   *
   * @throws {@link !TypeError} when `group` is not a non-empty string (iterating rejects).
   * @throws the AWS SDK's error (a `DynamoDBServiceException` such as `ResourceNotFoundException`)
   * when a Query request fails, as the SDK threw it.
   */
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
