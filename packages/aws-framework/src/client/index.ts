export { OptionsError } from '../options/OptionsError.js';
export type { ClientOptions, ReconnectOptions } from './clientOptions.js';
export {
  type Client,
  type ClientStatus,
  createClient,
  type RequestOptions,
  type StatusListener,
} from './createClient.js';
export { ClientError, ClientRequestError } from './errors.js';
