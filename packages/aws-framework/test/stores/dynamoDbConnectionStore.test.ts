// Against dynalite: DynamoDB's wire protocol served in this process from an in-memory LevelDB, so
// every request below goes through the real SDK, HTTP and DynamoDB's expression and paging rules.
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  CONNECTIONS_TABLE_KEYS,
  ConnectionNotSavedError,
  connectionsTableDefinition,
  createConnectionsTable,
  DEFAULT_TTL_MARGIN_SECONDS,
  DynamoDbConnectionStore,
  TableNotActiveError,
  UnprocessedItemsError,
} from 'aws-framework/dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { collect, describeConnectionStoreContract } from './connectionStore.contract.js';

type Dynalite = (options: { createTableMs: number; deleteTableMs: number; updateTableMs: number }) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite;

let server: Server;
let endpoint: string;
let client: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  endpoint = `http://127.0.0.1:${port}`;
  client = newClient();
});

function newClient(): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

afterAll(async () => {
  client?.destroy();
  await new Promise((resolve) => server?.close(resolve));
});

async function freshTable(): Promise<string> {
  const tableName = `connections-${++tables}`;
  await createConnectionsTable({ client, tableName });
  return tableName;
}

type Send = (command: object) => Promise<unknown>;

/**
 * A document client over the shared one that records the commands it is sent; `intercept`, when
 * given, answers in dynalite's place (it gets the real send to pass commands on).
 */
function recordingClient(intercept?: (command: object, send: Send) => Promise<unknown>): {
  documentClient: DynamoDBDocumentClient;
  sent: object[];
} {
  const documentClient = DynamoDBDocumentClient.from(client);
  const sent: object[] = [];
  const send = documentClient.send.bind(documentClient) as Send;
  vi.spyOn(documentClient, 'send').mockImplementation(((command: object) => {
    sent.push(command);
    return intercept ? intercept(command, send) : send(command);
  }) as typeof documentClient.send);
  return { documentClient, sent };
}

interface PagedRequest {
  commandName: string;
  input: Record<string, unknown>;
}

/**
 * A client of its own whose every Query and Scan reads at most `limit` items (DynamoDB's `Limit`),
 * so that a handful of items spans several pages; a middleware sets it and records each request.
 */
function smallPagesClient(limit: number): { pagedClient: DynamoDBClient; requests: PagedRequest[] } {
  const pagedClient = newClient();
  const requests: PagedRequest[] = [];
  pagedClient.middlewareStack.add(
    (next, context) => async (args) => {
      const { commandName = '' } = context;
      if (commandName === 'QueryCommand' || commandName === 'ScanCommand') {
        const input = args.input as Record<string, unknown>;
        input.Limit = limit;
        requests.push({ commandName, input: { ...input } });
      }
      return next(args);
    },
    { step: 'initialize', name: 'smallPages' },
  );
  return { pagedClient, requests };
}

/** Reads a listing to its end, noting how many requests had been sent when each item arrived. */
async function requestsPerItem(
  listing: AsyncIterable<string>,
  requests: readonly unknown[],
): Promise<{ items: string[]; requestsSoFar: number[] }> {
  const items: string[] = [];
  const requestsSoFar: number[] = [];
  for await (const item of listing) {
    items.push(item);
    requestsSoFar.push(requests.length);
  }
  return { items, requestsSoFar };
}

describeConnectionStoreContract(
  'DynamoDbConnectionStore',
  async () => new DynamoDbConnectionStore({ tableName: await freshTable(), client }),
);

describe('DynamoDbConnectionStore on dynalite', () => {
  it('stores ttl as epoch seconds of connectedAt + 2 h + the margin, on the connection and its memberships', async () => {
    const tableName = await freshTable();
    const store = new DynamoDbConnectionStore({ tableName, client });
    const connectedAt = 1_700_000_000_999;
    await store.save({ connectionId: 'a', connectedAt });
    await store.join('room', 'a');
    const expected = String(Math.floor(connectedAt / 1000) + 2 * 60 * 60 + DEFAULT_TTL_MARGIN_SECONDS);
    expect(DEFAULT_TTL_MARGIN_SECONDS).toBe(900);
    for (const sk of ['conn', 'group#room']) {
      const { Item } = await client.send(
        new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'conn#a' }, sk: { S: sk } } }),
      );
      expect(Item?.ttl).toEqual({ N: expected });
    }

    const custom = new DynamoDbConnectionStore({ tableName, client, ttlMarginSeconds: 60 });
    await custom.save({ connectionId: 'b', connectedAt });
    const { Item } = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'conn#b' }, sk: { S: 'conn' } } }),
    );
    expect(Item?.ttl).toEqual({ N: String(Math.floor(connectedAt / 1000) + 7200 + 60) });
  });

  it('writes the documented key design', async () => {
    const tableName = await freshTable();
    const store = new DynamoDbConnectionStore({ tableName, client });
    await store.save({ connectionId: 'a', connectedAt: 1, data: { name: 'Ada' } });
    await store.join('room', 'a');
    const { Item: connection } = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'conn#a' }, sk: { S: 'conn' } } }),
    );
    expect(connection).toMatchObject({
      connectionId: { S: 'a' },
      connectedAt: { N: '1' },
      data: { M: { name: { S: 'Ada' } } },
    });
    expect(connection).not.toHaveProperty('gsi1pk');
    const { Item: membership } = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'conn#a' }, sk: { S: 'group#room' } } }),
    );
    expect(membership).toMatchObject({
      gsi1pk: { S: 'group#room' },
      gsi1sk: { S: 'conn#a' },
      connectionId: { S: 'a' },
      group: { S: 'room' },
    });
  });

  it('reads past 1 MB pages: list() scans and members() queries page by page until all are read', async () => {
    const tableName = await freshTable();
    const { documentClient, sent } = recordingClient();
    const store = new DynamoDbConnectionStore({ tableName, client: documentClient });
    // Long IDs and group name make each index entry ~4 KB (keys only), so 300 members fill more
    // than one 1 MB Query page; with ~1 KB of data per connection the table holds ~2.4 MB to Scan.
    const group = `g${'r'.repeat(990)}`;
    const ids = Array.from({ length: 300 }, (_, i) => `${'c'.repeat(1000)}${String(i).padStart(4, '0')}`);
    const data = { name: 'x'.repeat(1000) };
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(
        ids.slice(i, i + 50).map(async (connectionId) => {
          await store.save({ connectionId, connectedAt: 1, data });
          await store.join(group, connectionId);
        }),
      );
    }
    await store.save({ connectionId: 'elsewhere', connectedAt: 1 });
    await store.join('other', 'elsewhere');

    sent.length = 0;
    const members = await collect(store.members(group));
    expect(members).toEqual(ids);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const command of sent) {
      expect(command).toBeInstanceOf(QueryCommand);
      expect((command as QueryCommand).input).toMatchObject({
        IndexName: CONNECTIONS_TABLE_KEYS.groupIndexName,
        ExpressionAttributeValues: { ':g': `group#${group}` },
      });
    }

    sent.length = 0;
    const listed = await collect(store.list());
    expect(listed.sort()).toEqual([...ids, 'elsewhere'].sort());
    expect(sent.length).toBeGreaterThanOrEqual(3);
    for (const command of sent) expect(command).toBeInstanceOf(ScanCommand);

    await store.removeMany(ids);
    expect(await collect(store.members(group))).toEqual([]);
    expect(await collect(store.list())).toEqual(['elsewhere']);
    // ~2.4 MB written and read through dynalite: 5 to 11 s alone, more on a busy machine.
  }, 60_000);

  it('sends members() as a Query on the byGroup index only, never a Scan', async () => {
    const tableName = await freshTable();
    const { documentClient, sent } = recordingClient();
    const store = new DynamoDbConnectionStore({ tableName, client: documentClient });
    await store.save({ connectionId: 'a', connectedAt: 1 });
    await store.join('room', 'a');
    sent.length = 0;
    expect(await collect(store.members('room'))).toEqual(['a']);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toBeInstanceOf(QueryCommand);
    expect((sent[0] as QueryCommand).input.IndexName).toBe('byGroup');
  });

  it('lists a group spanning several pages with every member once, asking for a page only when the last is used up', async () => {
    const tableName = await freshTable();
    const { pagedClient, requests } = smallPagesClient(2);
    const store = new DynamoDbConnectionStore({ tableName, client: pagedClient });
    const ids = ['m0', 'm1', 'm2', 'm3', 'm4'];
    for (const id of [...ids, 'outsider']) await store.save({ connectionId: id, connectedAt: 1 });
    for (const id of ids) await store.join('room', id);
    await store.join('elsewhere', 'outsider');

    requests.length = 0;
    const { items, requestsSoFar } = await requestsPerItem(store.members('room'), requests);
    expect(items).toEqual(ids);
    // Pages of 2: the second Query goes out only once the first page's 2 members are consumed.
    expect(requestsSoFar).toEqual([1, 1, 2, 2, 3]);
    expect(requests).toHaveLength(3);
    for (const [i, { commandName, input }] of requests.entries()) {
      expect(commandName).toBe('QueryCommand');
      expect(input).toMatchObject({ IndexName: 'byGroup', ProjectionExpression: '#c' });
      expect(input.ConsistentRead).toBeUndefined();
      expect(input.ExclusiveStartKey === undefined).toBe(i === 0);
    }
    pagedClient.destroy();
  });

  it('lists every connection across several Scan pages exactly once, one page at a time', async () => {
    const tableName = await freshTable();
    const { pagedClient, requests } = smallPagesClient(2);
    const store = new DynamoDbConnectionStore({ tableName, client: pagedClient });
    const ids = ['l0', 'l1', 'l2', 'l3', 'l4'];
    for (const id of ids) await store.save({ connectionId: id, connectedAt: 1 });

    requests.length = 0;
    const iterator = store.list()[Symbol.asyncIterator]();
    expect(requests).toHaveLength(0);
    const first = await iterator.next();
    const second = await iterator.next();
    expect(requests).toHaveLength(1);
    const { items, requestsSoFar } = await requestsPerItem(
      { [Symbol.asyncIterator]: () => iterator },
      requests,
    );
    expect([first.value, second.value, ...items].sort()).toEqual(ids);
    expect(requestsSoFar).toEqual([2, 2, 3]);
    for (const { commandName, input } of requests) {
      expect(commandName).toBe('ScanCommand');
      expect(input).toMatchObject({ FilterExpression: '#sk = :conn', ProjectionExpression: '#id' });
    }

    // With memberships in the table, a filtered page can hold fewer connections, or none.
    await store.join('room', 'l0');
    await store.join('room', 'l1');
    expect((await collect(store.list())).sort()).toEqual(ids);
    pagedClient.destroy();
  });

  it('removes a connection whose items span several pages, reading them strongly consistently', async () => {
    const tableName = await freshTable();
    const { pagedClient, requests } = smallPagesClient(2);
    const store = new DynamoDbConnectionStore({ tableName, client: pagedClient });
    const groups = ['g0', 'g1', 'g2', 'g3', 'g4'];
    await store.save({ connectionId: 'a', connectedAt: 1 });
    await store.save({ connectionId: 'b', connectedAt: 1 });
    for (const group of groups) {
      await store.join(group, 'a');
      await store.join(group, 'b');
    }

    requests.length = 0;
    await store.remove('a');
    // 6 items in pages of 2 (and an empty last page where DynamoDB could not tell it was the end).
    expect(requests.length).toBeGreaterThanOrEqual(3);
    for (const { commandName, input } of requests) {
      expect(commandName).toBe('QueryCommand');
      expect(input).toMatchObject({ ConsistentRead: true, ProjectionExpression: '#pk, #sk' });
      expect(input.IndexName).toBeUndefined();
    }
    expect(await store.get('a')).toBeUndefined();
    for (const group of groups) expect(await collect(store.members(group))).toEqual(['b']);
    pagedClient.destroy();
  });

  it('works with a document client from a second copy of lib-dynamodb, which fails instanceof', async () => {
    // What another copy's class is: the same shape over the same smithy Client, but another class.
    const SmithyClient = Object.getPrototypeOf(DynamoDBDocumentClient) as new (
      config: object,
    ) => DynamoDBDocumentClient;
    class ForeignDocumentClient extends SmithyClient {
      constructor(wrapped: DynamoDBClient) {
        super(wrapped.config);
        Object.assign(this, { config: wrapped.config, middlewareStack: wrapped.middlewareStack });
      }
    }
    Object.defineProperty(ForeignDocumentClient, 'name', { value: 'DynamoDBDocumentClient' });
    const foreign = new ForeignDocumentClient(newClient());
    expect(foreign).not.toBeInstanceOf(DynamoDBDocumentClient);

    const store = new DynamoDbConnectionStore({ tableName: await freshTable(), client: foreign });
    await store.save({ connectionId: 'a', connectedAt: 1 });
    await store.join('room', 'a');
    expect(await collect(store.members('room'))).toEqual(['a']);
    expect(await collect(store.list())).toEqual(['a']);
    await store.remove('a');
    expect(await collect(store.list())).toEqual([]);
  });

  it('retries the deletes DynamoDB leaves in UnprocessedItems until every one is done', async () => {
    const tableName = await freshTable();
    // The first BatchWriteItem writes only its first 5 deletes and hands back the rest, as
    // DynamoDB does when throttled; the retries then go to dynalite as they are.
    let throttled = false;
    const { documentClient, sent } = recordingClient(async (command, send) => {
      if (!(command instanceof BatchWriteCommand) || throttled) return send(command);
      throttled = true;
      const requests = command.input.RequestItems![tableName]!;
      await send(new BatchWriteCommand({ RequestItems: { [tableName]: requests.slice(0, 5) } }));
      return { UnprocessedItems: { [tableName]: requests.slice(5) }, $metadata: {} };
    });
    const store = new DynamoDbConnectionStore({ tableName, client: documentClient });
    const ids = Array.from({ length: 30 }, (_, i) => `u${i}`);
    for (const id of ids) await store.save({ connectionId: id, connectedAt: 1 });
    for (const id of ids) await store.join('room', id);

    sent.length = 0;
    await store.removeMany(ids);
    const batches = sent.filter((command) => command instanceof BatchWriteCommand) as BatchWriteCommand[];
    // 60 items: batches of 25, 25, 10, plus the retry of the 20 left unprocessed.
    expect(batches.map((batch) => batch.input.RequestItems![tableName]!.length)).toEqual([25, 20, 25, 10]);
    expect(await collect(store.list())).toEqual([]);
    expect(await collect(store.members('room'))).toEqual([]);
  });

  it('throws UnprocessedItemsError, with the deletes left, when they stay unprocessed after every attempt', async () => {
    const tableName = await freshTable();
    let attempts = 0;
    const { documentClient } = recordingClient(async (command, send) => {
      if (!(command instanceof BatchWriteCommand)) return send(command);
      attempts++;
      return { UnprocessedItems: command.input.RequestItems, $metadata: {} };
    });
    const store = new DynamoDbConnectionStore({ tableName, client: documentClient, batchWriteAttempts: 3 });
    await store.save({ connectionId: 'a', connectedAt: 1 });
    await store.join('room', 'a');

    const error = await store.remove('a').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UnprocessedItemsError);
    expect(error).toMatchObject({
      name: 'UnprocessedItemsError',
      message: `BatchWriteItem on ${tableName} left 2 of 2 deletes unprocessed after 3 attempts`,
      tableName,
      batchSize: 2,
      attempts: 3,
    });
    const { unprocessedKeys, cause } = error as UnprocessedItemsError;
    expect([...unprocessedKeys].sort((x, y) => x.sk.localeCompare(y.sk))).toEqual([
      { pk: 'conn#a', sk: 'conn' },
      { pk: 'conn#a', sk: 'group#room' },
    ]);
    // DynamoDB answered each time: there is no underlying error to chain.
    expect(cause).toBeUndefined();
    expect(attempts).toBe(3);
  });

  it('lets an error of BatchWriteItem itself through as the SDK threw it', async () => {
    const tableName = await freshTable();
    const refusal = Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
      name: 'ProvisionedThroughputExceededException',
    });
    const { documentClient } = recordingClient(async (command, send) => {
      if (command instanceof BatchWriteCommand) throw refusal;
      return send(command);
    });
    const store = new DynamoDbConnectionStore({ tableName, client: documentClient });
    await store.save({ connectionId: 'a', connectedAt: 1 });
    await expect(store.remove('a')).rejects.toBe(refusal);
  });

  it('throws ConnectionNotSavedError, exported from aws-framework/dynamodb, for a join of an unsaved connection', async () => {
    const store = new DynamoDbConnectionStore({ tableName: await freshTable(), client });
    await expect(store.join('room', 'ghost')).rejects.toThrow(ConnectionNotSavedError);
  });

  it('wraps a plain DynamoDBClient and keeps data that the document client would refuse', async () => {
    const store = new DynamoDbConnectionStore({ tableName: await freshTable(), client });
    await store.save({
      connectionId: 'a',
      connectedAt: 5,
      data: { name: 'Ada', away: undefined, nested: {} },
    });
    expect(await store.get('a')).toEqual({
      connectionId: 'a',
      connectedAt: 5,
      data: { name: 'Ada', nested: {} },
    });
  });

  it('validates its options when constructed', () => {
    expect(() => new DynamoDbConnectionStore({ tableName: '' })).toThrow(TypeError);
    expect(() => new DynamoDbConnectionStore({ tableName: 't', ttlMarginSeconds: -1 })).toThrow(TypeError);
    expect(() => new DynamoDbConnectionStore({ tableName: 't', batchWriteAttempts: 0 })).toThrow(TypeError);
  });
});

describe('createConnectionsTable on dynalite', () => {
  it('creates the documented table once and leaves an existing one alone', async () => {
    const tableName = `created-${++tables}`;
    // dynalite lacks UpdateTimeToLive: the helper says so rather than failing.
    expect(await createConnectionsTable({ client, tableName })).toEqual({ created: true, timeToLive: false });
    expect(await createConnectionsTable({ client, tableName })).toEqual({
      created: false,
      timeToLive: false,
    });
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  });

  it('throws TableNotActiveError when the table is not ACTIVE in time', async () => {
    const creating = newClient();
    vi.spyOn(creating, 'send').mockImplementation((async (command: object) => {
      if (command instanceof CreateTableCommand) return { $metadata: {} };
      if (command instanceof DescribeTableCommand)
        return { Table: { TableStatus: 'CREATING' }, $metadata: {} };
      throw new Error(`unexpected ${command.constructor.name}`);
    }) as typeof creating.send);
    const error = await createConnectionsTable({
      client: creating,
      tableName: 'slow',
      maxWaitSeconds: 0,
    }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(TableNotActiveError);
    expect(error).toMatchObject({
      name: 'TableNotActiveError',
      message: 'Table slow is not ACTIVE after 0 s (CREATING)',
      tableName: 'slow',
      status: 'CREATING',
      maxWaitSeconds: 0,
    });
    creating.destroy();
  });

  it('defines the table with the exported key names: on-demand, pk/sk, and a keys-only byGroup index', () => {
    const definition = connectionsTableDefinition('t');
    expect(definition).toMatchObject({
      TableName: 't',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: CONNECTIONS_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: CONNECTIONS_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: CONNECTIONS_TABLE_KEYS.groupIndexName,
          KeySchema: [
            { AttributeName: CONNECTIONS_TABLE_KEYS.groupIndexPartitionKey, KeyType: 'HASH' },
            { AttributeName: CONNECTIONS_TABLE_KEYS.groupIndexSortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
    expect(CONNECTIONS_TABLE_KEYS).toEqual({
      partitionKey: 'pk',
      sortKey: 'sk',
      ttlAttribute: 'ttl',
      groupIndexName: 'byGroup',
      groupIndexPartitionKey: 'gsi1pk',
      groupIndexSortKey: 'gsi1sk',
    });
    expect(() => connectionsTableDefinition('')).toThrow(TypeError);
  });
});
