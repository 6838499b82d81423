import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ConnectionStore } from 'aws-framework';
import { startLocalGateway } from 'aws-framework-local';
import { createChatHandler } from './createChatHandler.js';

/**
 * `pnpm start`: the chat on the local gateway, with its page at http://127.0.0.1:3001/.
 * In memory by default; with --dynamodb, the table TABLE_NAME at DYNAMODB_ENDPOINT, on AWS when
 * DYNAMODB_ENDPOINT=aws, or in an in-process dynalite when no endpoint is given.
 */
const { values } = parseArgs({
  options: {
    dynamodb: { type: 'boolean', default: false },
    port: { type: 'string', default: process.env.PORT ?? '3001' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});

const stops: (() => Promise<void>)[] = [];

async function dynamoDbStore(): Promise<{ store: ConnectionStore; where: string }> {
  const { DynamoDbConnectionStore, createConnectionsTable } = await import('aws-framework/dynamodb');
  const tableName = process.env.TABLE_NAME ?? 'chat-connections';
  let endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) {
    const { default: dynalite } = await import('dynalite');
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    stops.push(() => new Promise((resolve) => server.close(() => resolve())));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }
  const onAws = endpoint === 'aws';
  const clientConfig = onAws
    ? {}
    : { endpoint, region: process.env.AWS_REGION ?? 'us-east-1', credentials: localCredentials() };
  if (!onAws) await createConnectionsTable({ tableName, clientConfig });
  return {
    store: new DynamoDbConnectionStore({ tableName, clientConfig }),
    where: `DynamoDB table ${tableName} ${onAws ? 'on AWS' : `at ${endpoint}`}`,
  };
}

function localCredentials() {
  return {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
  };
}

async function memoryStore(): Promise<{ store: ConnectionStore; where: string }> {
  const { MemoryConnectionStore } = await import('aws-framework');
  return { store: new MemoryConnectionStore(), where: 'memory' };
}

const { store, where } = values.dynamodb ? await dynamoDbStore() : await memoryStore();
const gateway = await startLocalGateway({
  handler: createChatHandler(store),
  port: Number(values.port),
  host: values.host,
  staticDir: fileURLToPath(new URL('../public', import.meta.url)),
  logger: { info: (line) => console.log(line), error: (line) => console.error(line) },
});

const pageUrl = `http://${new URL(gateway.endpoint).host}/`;
console.log(`Chat page:           ${pageUrl}`);
console.log(`WebSocket URL:       ${gateway.url}`);
console.log(`Management endpoint: ${gateway.endpoint}`);
console.log(`Connections kept in: ${where}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    console.log(`${signal}: disconnecting every client`);
    await gateway.close();
    for (const stop of stops) await stop();
    process.exit(0);
  });
}
