import { setTimeout as later } from 'node:timers';
import { httpStatusOf } from './errors.js';

// What the SDK's standard retry mode treats as throttling and as transient (@smithy/core's
// service-error-classification): the management API's only throttling error is the first one.
const THROTTLING_ERRORS = new Set([
  'LimitExceededException',
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
]);
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);
const TRANSIENT_ERRORS = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * The SDK's standard mode as of @smithy/core 3.41: 3 attempts; before retry `n` (from 0) a random
 * wait up to `base * 2^n` (full jitter), with `base` 50 ms, or 1,000 ms after throttling, capped
 * at 20 s.
 */
export const SDK_RETRY = { attempts: 3, baseDelayMs: 50, throttlingBaseDelayMs: 1_000, maxDelayMs: 20_000 };

/** 429, or an error the SDK classifies as throttling. */
export function isThrottle(error: unknown): boolean {
  if (httpStatusOf(error) === 429) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && THROTTLING_ERRORS.has(name);
}

/** Worth another attempt: throttling, a 5xx the SDK retries, a timeout, or a dropped connection. */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if (isThrottle(error)) return true;
  const status = httpStatusOf(error);
  if (status !== undefined) return TRANSIENT_STATUSES.has(status);
  const { name, code } = error as { name?: unknown; code?: unknown };
  return (
    (typeof name === 'string' && TRANSIENT_ERRORS.has(name)) ||
    (typeof code === 'string' && NETWORK_ERROR_CODES.has(code))
  );
}

/** Full jitter: a random wait up to `min(maxDelayMs, baseDelayMs * 2^retry)`, `retry` from 0. */
export function backoffDelay(retry: number, baseDelayMs: number, maxDelayMs: number): number {
  return Math.floor(Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** retry));
}

/**
 * Runs `attempt` with the SDK's standard retry semantics ({@link SDK_RETRY}), for the direct
 * transport's single operations. The error finally thrown carries `$metadata.attempts` and
 * `totalRetryDelay`, as the SDK's do.
 */
export async function withSdkRetries<T>(attempt: () => Promise<T>): Promise<T> {
  let totalRetryDelay = 0;
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (retry + 1 >= SDK_RETRY.attempts || !isRetryable(error)) {
        recordAttempts(error, retry + 1, totalRetryDelay);
        throw error;
      }
      const base = isThrottle(error) ? SDK_RETRY.throttlingBaseDelayMs : SDK_RETRY.baseDelayMs;
      const delay = backoffDelay(retry, base, SDK_RETRY.maxDelayMs);
      totalRetryDelay += delay;
      await new Promise((resolve) => later(resolve, delay));
    }
  }
}

function recordAttempts(error: unknown, attempts: number, totalRetryDelay: number): void {
  if (typeof error !== 'object' || error === null || !Object.isExtensible(error)) return;
  const target = error as { $metadata?: Record<string, unknown> };
  target.$metadata = { ...target.$metadata, attempts, totalRetryDelay };
}
