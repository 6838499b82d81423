/**
 * The management API's URL cannot be worked out from the event: it lacks what the URL is built
 * from (`missing` names it) and neither `endpoint` nor `WEBSOCKET_MANAGEMENT_ENDPOINT` is set.
 * Nothing was sent.
 */
export class EndpointNotResolvedError extends Error {
  override readonly name = 'EndpointNotResolvedError';
  /** What the URL needed and the event or environment did not have, e.g. `requestContext.stage`. */
  readonly missing: readonly string[];

  constructor(missing: readonly string[], message: string) {
    super(message);
    this.missing = missing;
  }
}

/** The connection no longer exists: API Gateway answered 410 `GoneException`. */
export class ConnectionGoneError extends Error {
  override readonly name = 'ConnectionGoneError';
  readonly connectionId: string;

  constructor(connectionId: string, options?: ErrorOptions) {
    super(`Connection ${connectionId} is gone`, options);
    this.connectionId = connectionId;
  }
}

/**
 * The message is larger than API Gateway's 128 KB limit; nothing was sent. Thrown before any
 * request, or when API Gateway itself answered 413 `PayloadTooLargeException` (then it is the
 * `cause`).
 */
export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
  /** The connection the message was for; `undefined` for a broadcast, refused before any send. */
  readonly connectionId: string | undefined;
  readonly byteLength: number;
  readonly limit: number;

  constructor(connectionId: string | undefined, byteLength: number, limit: number, options?: ErrorOptions) {
    const what = connectionId === undefined ? 'Broadcast payload' : `Message to ${connectionId}`;
    super(`${what} is ${byteLength} bytes; API Gateway accepts at most ${limit}`, options);
    this.connectionId = connectionId;
    this.byteLength = byteLength;
    this.limit = limit;
  }
}

/**
 * Any other failure of the management API. The `cause` is what the transport threw: the SDK's
 * error with the `'sdk'` transport, a {@link ManagementApiResponseError} (same `name`, `$fault` and
 * `$metadata` shape) with `'direct'`, or a network error (`code` such as `ECONNRESET`) with either.
 */
export class ManagementApiError extends Error {
  override readonly name = 'ManagementApiError';
  readonly connectionId: string;
  readonly operation: 'send' | 'disconnect' | 'info';
  /** The HTTP status API Gateway answered, when there was an answer. */
  readonly httpStatusCode: number | undefined;
  /**
   * AWS's error type (the `x-amzn-ErrorType` header), e.g. `LimitExceededException`, when API
   * Gateway answered with one; `Unknown` for an error answer without it, as the SDK names it.
   */
  readonly errorType: string | undefined;

  constructor(operation: 'send' | 'disconnect' | 'info', connectionId: string, cause: unknown) {
    const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`${operation} to connection ${connectionId} failed: ${detail}`, { cause });
    this.connectionId = connectionId;
    this.operation = operation;
    this.httpStatusCode = httpStatusOf(cause);
    this.errorType = errorTypeOf(cause);
  }
}

/**
 * A management API answer that claimed success but cannot be read: GetConnection's body without
 * `connectedAt`/`lastActiveAt`, or not JSON (the parse error is the `cause`). It reaches callers as
 * the `cause` of a {@link ManagementApiError}.
 */
export class UnexpectedAnswerError extends Error {
  override readonly name = 'UnexpectedAnswerError';
  /** The management API operation that answered, e.g. `GetConnection`. */
  readonly operation: string;

  constructor(operation: string, detail: string, options?: ErrorOptions) {
    super(`${operation} answered ${detail}`, options);
    this.operation = operation;
  }
}

/**
 * An error answer of the management API as the direct transport reads it, shaped like the SDK's
 * service exceptions so that code inspecting a `cause` reads both transports alike: `name` is AWS's
 * error type (`x-amzn-ErrorType`, `Unknown` without one), `$fault` is `client` (4xx) or `server`
 * (5xx), `$metadata` holds `httpStatusCode`, `requestId` and `attempts`.
 */
export class ManagementApiResponseError extends Error {
  readonly $fault: 'client' | 'server';
  $metadata: { httpStatusCode: number; requestId: string | undefined; attempts: number };

  constructor(httpStatusCode: number, errorType: string, message: string, requestId: string | undefined) {
    super(message);
    this.name = errorType;
    this.$fault = httpStatusCode >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode, requestId, attempts: 1 };
  }
}

export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

// The SDK's service exceptions and ours carry `$fault`; a deserialization or network error does not,
// and its name is not an AWS error type.
function errorTypeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('$fault' in error)) return undefined;
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

/** 410 or `GoneException`, however the transport surfaced it. */
export function isGone(error: unknown): boolean {
  return (
    httpStatusOf(error) === 410 ||
    (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'GoneException')
  );
}
