export {
  type AuthorizerEventOverrides,
  createAuthorizerEvent,
  createConnectEvent,
  createDisconnectEvent,
  createMessageEvent,
  type EventOverrides,
} from './events.js';
export { createLambdaContext, type LambdaContextOptions } from './lambdaContext.js';
