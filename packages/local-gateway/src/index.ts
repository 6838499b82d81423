export type { GatewayLogger, LambdaHandler, LocalGatewayOptions } from './options.js';
export { type LocalGateway, startLocalGateway } from './startLocalGateway.js';
