export {
  CONNECTIONS_TABLE_KEYS,
  type CreateConnectionsTableOptions,
  type CreateConnectionsTableResult,
  connectionsTableDefinition,
  createConnectionsTable,
} from '../stores/connectionsTable.js';
export {
  DEFAULT_TTL_MARGIN_SECONDS,
  DynamoDbConnectionStore,
  type DynamoDbConnectionStoreOptions,
} from '../stores/DynamoDbConnectionStore.js';
export {
  ConnectionNotSavedError,
  type ConnectionsTableKey,
  TableNotActiveError,
  UnprocessedItemsError,
} from '../stores/errors.js';
