import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { ConnectionStore } from 'aws-framework';
import { startLocalGateway } from 'aws-framework-local';
import { CHAT_ROUTES, HEARTBEAT_ROUTE } from './contract.js';
import { createChatAuthorizer } from './createChatAuthorizer.js';
import { createChatHandler } from './createChatHandler.js';
import { CHAT_IDENTITY_SOURCE } from './issueChatToken.js';
import { startChatPage } from './startChatPage.js';

/**
 * `pnpm start`: the chat on the local gateway behind its `$connect` authorizer (port 3002), and its
 * page with the sign-in that issues tokens for it (`startChatPage`, http://127.0.0.1:3001/).
 * Tokens are signed with TOKEN_SECRET when set (so `pnpm token` works with wscat), else with a
 * secret made for this run.
 * In memory by default; with --dynamodb, the table TABLE_NAME at DYNAMODB_ENDPOINT, on AWS when
 * DYNAMODB_ENDPOINT=aws, or in an in-process dynalite when no endpoint is given.
 */
const { values } = parseArgs({
  options: {
    dynamodb: { type: 'boolean', default: false },
    port: { type: 'string', default: process.env.PORT ?? '3001' },
    'gateway-port': { type: 'string' },
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
const port = Number(values.port);
// TOKEN_SECRET lets tokens from `pnpm token` in; otherwise a secret for this run only.
const secret = process.env.TOKEN_SECRET ?? randomBytes(32).toString('base64url');
const gateway = await startLocalGateway({
  handler: createChatHandler(store),
  authorizer: { handler: createChatAuthorizer({ secret }), identitySource: CHAT_IDENTITY_SOURCE },
  // As the stack deploys it: the chat's routes on its Lambda, the page's heartbeat on a MOCK route.
  routeKeys: CHAT_ROUTES.filter((key) => !key.startsWith('$')),
  mockRoutes: [HEARTBEAT_ROUTE],
  port: values['gateway-port'] ? Number(values['gateway-port']) : port === 0 ? 0 : port + 1,
  host: values.host,
  logger: { info: (line) => console.log(line), error: (line) => console.error(line) },
});
const page = await startChatPage({ webSocketUrl: gateway.url, secret, port, host: values.host }).catch(
  async (error: unknown) => {
    await gateway.close();
    throw error;
  },
);

console.log(`Chat page:           ${page.url}`);
console.log(`Sign-in:             POST ${page.url}token {"name":"..."} answers { token, url }`);
console.log(`WebSocket URL:       ${gateway.url}   (?room=...&token=...)`);
console.log(`Management endpoint: ${gateway.endpoint}`);
console.log(`Connections kept in: ${where}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    console.log(`${signal}: disconnecting every client`);
    await page.close();
    await gateway.close();
    for (const stop of stops) await stop();
    process.exit(0);
  });
}
