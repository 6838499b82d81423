import type { BroadcastOptions, BroadcastReport, BroadcastTargets } from './broadcast.js';

/**
 * Sends `data` to one connection. A string goes as its UTF-8 bytes, a `Uint8Array` as is, anything
 * else as JSON. Throws `PayloadTooLargeError`, `ConnectionGoneError` or `ManagementApiError`.
 */
export type SendFn = (connectionId: string, data: unknown) => Promise<void>;

/**
 * Sends one message to many connections with bounded concurrency and reports where each went.
 * See `BroadcastOptions` and `BroadcastReport`.
 */
export type BroadcastFn = (
  targets: BroadcastTargets,
  data: unknown,
  options?: BroadcastOptions,
) => Promise<BroadcastReport>;
