export { createError } from '@middy/util';
export type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
export {
  type AuthorizerAllow,
  type AuthorizerContext,
  type AuthorizerDecision,
  type AuthorizerDeny,
  type AuthorizerRefusal,
  deny,
  type TokenEvent,
  type TokenFromOptions,
  tokenFrom,
  type WebSocketAuthorizerEvent,
  type WebSocketAuthorizerFn,
  type WebSocketAuthorizerHandler,
  type WebSocketAuthorizerOptions,
  type WebSocketAuthorizerResult,
  webSocketAuthorizer,
} from './authorizer/index.js';
export { BaseLambda } from './classes/BaseLambda.js';
export { OutsideInvocationError } from './classes/OutsideInvocationError.js';
export { WebSocketLambda, type WebSocketLambdaClassOptions } from './classes/WebSocketLambda.js';
export {
  BroadcastError,
  DEFAULT_BROADCAST_CONCURRENCY,
  DEFAULT_BROADCAST_RETRY,
} from './connections/broadcast.js';
export { type Connections, type ConnectionsOptions, connections } from './connections/connections.js';
export { MAX_PAYLOAD_BYTES } from './connections/encodePayload.js';
export {
  ConnectionGoneError,
  EndpointNotResolvedError,
  ManagementApiError,
  ManagementApiResponseError,
  PayloadTooLargeError,
  UnexpectedAnswerError,
} from './connections/errors.js';
export type { ConnectionInfo } from './connections/operations.js';
export {
  type EndpointEvent,
  type ResolveEndpointOptions,
  resolveEndpoint,
} from './connections/resolveEndpoint.js';
export type { Transport } from './connections/transport.js';
export { OptionsError } from './options/OptionsError.js';
export type { ConnectionStore, StoredConnection } from './stores/ConnectionStore.js';
export { ConnectionNotSavedError } from './stores/errors.js';
export { MemoryConnectionStore } from './stores/MemoryConnectionStore.js';
export type {
  BroadcastFailure,
  BroadcastFailureReason,
  BroadcastFn,
  BroadcastOptions,
  BroadcastReport,
  BroadcastRetryOptions,
  BroadcastTargets,
  SendFn,
} from './types/delivery.js';
export type { LifecycleRouteKey } from './websocket/routeKeys.js';
export {
  type MisspelledLifecycleKeys,
  ROUTE_KEYS,
  type RouteHandler,
  type RouteTable,
  routes,
} from './websocket/routes.js';
export type {
  ActionEvent,
  ActionHandler,
  AuthorizerField,
  ContractContext,
  ContractHandlers,
  ContractRoutesOptions,
  EmitFn,
  ErrorLogEntry,
  ErrorLogger,
  HandlerReturn,
  LifecycleHandler,
  WebSocketAuthorizer,
  WebSocketContext,
  WebSocketContextFields,
  WebSocketEvent,
  WebSocketEventType,
  WebSocketHandlerFn,
  WebSocketIdentity,
  WebSocketLambdaOptions,
  WebSocketRequestContext,
  WebSocketRequestContextFields,
  WebSocketResponse,
  WebSocketResult,
} from './websocket/types.js';
export { type WebSocketLambdaHandler, webSocketLambda } from './websocket/webSocketLambda.js';
