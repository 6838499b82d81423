// Against dynalite: DynamoDB's wire protocol served in this process from an in-memory LevelDB, so
// every request below goes through the real SDK, HTTP and DynamoDB's expression and paging rules.
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { DeleteTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  CONNECTIONS_TABLE_KEYS,
  connectionsTableDefinition,
  createConnectionsTable,
  DEFAULT_TTL_MARGIN_SECONDS,
  DynamoDbConnectionStore,
} from 'aws-framework/dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { collect, describeConnectionStoreContract } from './connectionStore.contract.js';

type Dynalite = (options: { createTableMs: number; deleteTableMs: number; updateTableMs: number }) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite;

let server: Server;
let client: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

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
  });

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

  it('throws a clear error when deletes stay unprocessed after every attempt', async () => {
    const tableName = await freshTable();
    let attempts = 0;
    const { documentClient } = recordingClient(async (command, send) => {
      if (!(command instanceof BatchWriteCommand)) return send(command);
      attempts++;
      return { UnprocessedItems: command.input.RequestItems, $metadata: {} };
    });
    const store = new DynamoDbConnectionStore({ tableName, client: documentClient, batchWriteAttempts: 3 });
    await store.save({ connectionId: 'a', connectedAt: 1 });

    await expect(store.remove('a')).rejects.toThrow(
      `BatchWriteItem on ${tableName} left 1 of 1 deletes unprocessed after 3 attempts`,
    );
    expect(attempts).toBe(3);
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
