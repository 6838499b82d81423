import { OptionsError } from '../options/OptionsError.js';
import { type OptionSchema, validateOptions } from '../options/validateOptions.js';

/**
 * How the client reconnects after a close it did not ask for: waits drawn with full jitter from 0 to
 * `initialDelayMs × 2^attempt`, capped at `maxDelayMs`, so the clients a restart dropped do not come
 * back all at once (AWS Architecture Blog, "Exponential Backoff And Jitter").
 *
 * Each value must be a positive number (the delays at most 2^31 - 1 ms, the longest a timer
 * waits), else `createClient` throws an {@link OptionsError} naming it (`reconnect.maxDelayMs`).
 */
export interface ReconnectOptions {
  /** The first wait's upper bound, in milliseconds; each attempt doubles it (full jitter). @default 500 */
  initialDelayMs?: number;
  /** The cap on any wait, in milliseconds. @default 30000 */
  maxDelayMs?: number;
  /**
   * Handshakes in a row that fail without ever opening before the client stops with a `refused`
   * error: a `$connect` answering 401 or 403 looks like this, and a browser does not expose the
   * status. `Infinity` keeps trying. With the defaults the client gives up within 3.5 seconds of
   * waiting. @default 4
   */
  refusedAfter?: number;
}

/**
 * What {@link createClient} takes besides the contract: where to connect, and the timings and
 * limits, which default to API Gateway's own.
 *
 * Checked once, when the client is created: an unknown key, a value of the wrong type, a limit
 * that is not a positive number or a duration over 2^31 - 1 ms (timers fire those at once) throws
 * an {@link OptionsError} naming it.
 */
export interface ClientOptions {
  /**
   * The WebSocket URL (`wss://...`), or a function giving it, called before every connection and
   * reconnection: a page can fetch a fresh short-lived token for each one. A function that throws
   * or rejects counts as a failed handshake (its error is the `refused` error's `cause`).
   */
  url: string | (() => string | Promise<string>);
  /**
   * Subprotocols offered in the handshake (`Sec-WebSocket-Protocol`), as the `WebSocket`
   * constructor takes them. A browser cannot send headers, so a token can travel here; the
   * server's `$connect` must then answer with one of them.
   *
   * @default undefined (no subprotocol offered)
   */
  protocols?: string | string[];
  /**
   * When nothing was sent for this long, send `{"action":"ping"}` (a MOCK route on AWS: no Lambda
   * runs) so API Gateway's 10-minute idle timeout does not close the connection. `false`: never.
   * @default 540000 (9 minutes)
   */
  heartbeatMs?: number | false;
  /**
   * How long a request waits for its reply. Just over API Gateway's 29-second integration timeout,
   * so a slow handler's reply is not cut short. @default 30000
   */
  requestTimeoutMs?: number;
  /**
   * How to reconnect after a close the client did not ask for; `false`: never reconnect, a close
   * leaves the client `closed` (with a `connection-lost` error) and the first handshake that fails
   * stops it (`refused`).
   *
   * @default `{}` (reconnect with `initialDelayMs` 500, `maxDelayMs` 30000, `refusedAfter` 4)
   */
  reconnect?: ReconnectOptions | false;
  /**
   * API Gateway's maximum connection duration. At 23/24 of it (1 h 55 min for 2 h) the client
   * opens a new connection, switches to it, and closes the old one once its requests are answered.
   * @default 7200000 (2 hours)
   */
  maxConnectionMs?: number;
  /** How many frames may wait while the connection is not open; more is a `queue-full` error. @default 100 */
  queueLimit?: number;
}

export interface ResolvedClientOptions {
  url: () => string | Promise<string>;
  protocols: string | string[] | undefined;
  heartbeatMs: number | false;
  requestTimeoutMs: number;
  reconnect: boolean;
  initialDelayMs: number;
  maxDelayMs: number;
  refusedAfter: number;
  maxConnectionMs: number;
  queueLimit: number;
}

// Kinds only; the ranges are checked below, with the defaults.
const OPTIONS_SCHEMA: OptionSchema = {
  url: 'string or function',
  protocols: 'string or string array',
  heartbeatMs: 'number or false',
  requestTimeoutMs: 'number',
  reconnect: 'object or false',
  maxConnectionMs: 'number',
  queueLimit: 'number',
};
const RECONNECT_SCHEMA: OptionSchema = {
  initialDelayMs: 'number',
  maxDelayMs: 'number',
  refusedAfter: 'number',
};

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value > 0)) {
    throw new OptionsError(
      'createClient',
      name,
      `createClient: option "${name}" must be a positive number, got ${value}`,
    );
  }
  return value;
}

/** The longest delay timers honour: a longer one fires at once (and a heartbeat would spin). */
const MAX_TIMER_MS = 2_147_483_647;

/** Checks a duration in milliseconds, for a timer. */
export function duration(name: string, value: number | undefined, fallback: number): number {
  const ms = positive(name, value, fallback);
  if (ms > MAX_TIMER_MS) {
    throw new OptionsError(
      'createClient',
      name,
      `createClient: option "${name}" must be at most ${MAX_TIMER_MS} ms, got ${ms}`,
    );
  }
  return ms;
}

/** Checks the options once, when the client is created, and fills in the defaults. */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  validateOptions('createClient', OPTIONS_SCHEMA, options);
  const { url, reconnect = {}, heartbeatMs } = options;
  if (url === undefined) {
    throw new OptionsError(
      'createClient',
      'url',
      'createClient: option "url" is required: a string or a function returning one',
    );
  }
  if (reconnect) validateOptions('createClient', RECONNECT_SCHEMA, reconnect, 'reconnect.');
  return {
    url: typeof url === 'string' ? () => url : url,
    protocols: options.protocols,
    heartbeatMs: heartbeatMs === false ? false : duration('heartbeatMs', heartbeatMs, 540_000),
    requestTimeoutMs: duration('requestTimeoutMs', options.requestTimeoutMs, 30_000),
    reconnect: reconnect !== false,
    initialDelayMs: duration(
      'reconnect.initialDelayMs',
      reconnect ? reconnect.initialDelayMs : undefined,
      500,
    ),
    maxDelayMs: duration('reconnect.maxDelayMs', reconnect ? reconnect.maxDelayMs : undefined, 30_000),
    refusedAfter: reconnect ? positive('reconnect.refusedAfter', reconnect.refusedAfter, 4) : 1,
    maxConnectionMs: duration('maxConnectionMs', options.maxConnectionMs, 7_200_000),
    queueLimit: positive('queueLimit', options.queueLimit, 100),
  };
}
