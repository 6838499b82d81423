import { type ConnectionStore, MemoryConnectionStore } from 'aws-framework';

/**
 * DynamoDB when `TABLE_NAME` is set (as in the deployed stack), else memory. The DynamoDB
 * module is imported only then, so the in-memory chat never loads its SDK.
 */
export async function connectionStoreFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<ConnectionStore> {
  const tableName = env.TABLE_NAME;
  if (!tableName) return new MemoryConnectionStore();
  const { DynamoDbConnectionStore } = await import('aws-framework/dynamodb');
  const endpoint = env.DYNAMODB_ENDPOINT;
  return new DynamoDbConnectionStore({ tableName, clientConfig: endpoint ? { endpoint } : {} });
}
