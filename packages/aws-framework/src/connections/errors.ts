/** The connection no longer exists: API Gateway answered 410 `GoneException`. */
export class ConnectionGoneError extends Error {
  override readonly name = 'ConnectionGoneError';
  readonly connectionId: string;

  constructor(connectionId: string, options?: ErrorOptions) {
    super(`Connection ${connectionId} is gone`, options);
    this.connectionId = connectionId;
  }
}

/** The message is larger than API Gateway's 128 KB limit; nothing was sent. */
export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
  readonly connectionId: string;
  readonly byteLength: number;
  readonly limit: number;

  constructor(connectionId: string, byteLength: number, limit: number) {
    super(`Message to ${connectionId} is ${byteLength} bytes; API Gateway accepts at most ${limit}`);
    this.connectionId = connectionId;
    this.byteLength = byteLength;
    this.limit = limit;
  }
}

/** Any other failure of the management API; the SDK's error is the `cause`. */
export class ManagementApiError extends Error {
  override readonly name = 'ManagementApiError';
  readonly connectionId: string;
  readonly operation: 'send' | 'disconnect' | 'info';
  /** The HTTP status API Gateway answered, when there was an answer. */
  readonly httpStatusCode: number | undefined;

  constructor(operation: 'send' | 'disconnect' | 'info', connectionId: string, cause: unknown) {
    const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`${operation} to connection ${connectionId} failed: ${detail}`, { cause });
    this.connectionId = connectionId;
    this.operation = operation;
    this.httpStatusCode = httpStatusOf(cause);
  }
}

export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** 410 or `GoneException`, however the SDK surfaced it. */
export function isGone(error: unknown): boolean {
  return (
    httpStatusOf(error) === 410 ||
    (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'GoneException')
  );
}
