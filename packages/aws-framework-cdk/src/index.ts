export {
  type BundledFunctionProps,
  bundledFunction,
  type LambdaBuildOverrides,
} from './bundledFunction.js';
export {
  ConnectionsTable,
  type ConnectionsTableProps,
  IncompatibleTableDefinitionError,
} from './ConnectionsTable.js';
export { lambdaBuildOptions } from './lambdaBuildOptions.js';
export {
  HEARTBEAT_REQUEST_TEMPLATES,
  WebSocketBackend,
  type WebSocketBackendAuthorizerProps,
  type WebSocketBackendProps,
} from './WebSocketBackend.js';
