export type { GatewayLogger, LambdaHandler, LocalAuthorizerOptions, LocalGatewayOptions } from './options.js';
export { LOCAL_ACCOUNT_ID, LOCAL_REGION, type LocalGateway, startLocalGateway } from './startLocalGateway.js';
