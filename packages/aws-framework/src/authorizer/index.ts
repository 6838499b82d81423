// The authorizer layer's surface, for the package's other modules (aws-framework/jwt builds on
// it); users import these from 'aws-framework'.
export { type AuthorizerDeny, deny } from './deny.js';
export { type TokenEvent, type TokenFromOptions, tokenFrom } from './tokenFrom.js';
export type {
  AuthorizerAllow,
  AuthorizerContext,
  AuthorizerDecision,
  AuthorizerRefusal,
  WebSocketAuthorizerEvent,
  WebSocketAuthorizerFn,
  WebSocketAuthorizerOptions,
  WebSocketAuthorizerResult,
} from './types.js';
export { type WebSocketAuthorizerHandler, webSocketAuthorizer } from './webSocketAuthorizer.js';
