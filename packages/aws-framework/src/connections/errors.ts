/**
 * The management API's URL cannot be worked out from the event: it lacks what the URL is built
 * from (`missing` names it) and neither `endpoint` nor `WEBSOCKET_MANAGEMENT_ENDPOINT` is set.
 * Nothing was sent.
 *
 * @example
 * ```ts
 * import { EndpointNotResolvedError, resolveEndpoint } from 'aws-framework';
 *
 * try {
 *   resolveEndpoint({ requestContext: { domainName: 'ws.example.com', stage: 'prod', apiId: 'abc123' } } as never);
 * } catch (error) {
 *   if (error instanceof EndpointNotResolvedError) console.error(error.missing); // ['AWS_REGION'] where it is unset
 * }
 * ```
 */
export class EndpointNotResolvedError extends Error {
  /** Always `'EndpointNotResolvedError'`: survives serialization and bundling, where `instanceof` may not. */
  override readonly name = 'EndpointNotResolvedError';
  /** What the URL needed and the event or environment did not have, e.g. `requestContext.stage`. */
  readonly missing: readonly string[];

  constructor(missing: readonly string[], message: string) {
    super(message);
    this.missing = missing;
  }
}

/**
 * The connection no longer exists: API Gateway answered 410 `GoneException`. The client went away
 * without its `$disconnect` having cleaned up yet, so drop the ID from your store.
 *
 * @example
 * ```ts
 * import { ConnectionGoneError, MemoryConnectionStore, webSocketLambda } from 'aws-framework';
 *
 * const store = new MemoryConnectionStore();
 * export const handler = webSocketLambda(async (_event, context) => {
 *   try {
 *     await context.send('some-other-connection', { type: 'nudge' });
 *   } catch (error) {
 *     if (!(error instanceof ConnectionGoneError)) throw error;
 *     await store.remove(error.connectionId);
 *   }
 * });
 * ```
 */
export class ConnectionGoneError extends Error {
  /** Always `'ConnectionGoneError'`: survives serialization and bundling, where `instanceof` may not. */
  override readonly name = 'ConnectionGoneError';
  /** The connection that is gone. */
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
 *
 * @example
 * ```ts
 * import { PayloadTooLargeError, webSocketLambda } from 'aws-framework';
 *
 * export const handler = webSocketLambda(async (_event, context) => {
 *   try {
 *     await context.send(context.connectionId, 'x'.repeat(200_000));
 *   } catch (error) {
 *     if (!(error instanceof PayloadTooLargeError)) throw error;
 *     return { statusCode: 413, body: `at most ${error.limit} bytes, got ${error.byteLength}` };
 *   }
 * });
 * ```
 */
export class PayloadTooLargeError extends Error {
  /** Always `'PayloadTooLargeError'`: survives serialization and bundling, where `instanceof` may not. */
  override readonly name = 'PayloadTooLargeError';
  /** The connection the message was for; `undefined` for a broadcast, refused before any send. */
  readonly connectionId: string | undefined;
  /** The message's size in bytes, as it would have gone on the wire (UTF-8 for text and JSON). */
  readonly byteLength: number;
  /** API Gateway's limit: `MAX_PAYLOAD_BYTES` (131,072). */
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
 * Any other failure of the management API, after the retries. The `cause` is what the transport
 * threw: the SDK's error with the `'sdk'` transport, a {@link ManagementApiResponseError} (same
 * `name`, `$fault` and `$metadata` shape) with `'direct'`, a network error (`code` such as
 * `ECONNRESET`) with either, or an {@link UnexpectedAnswerError} for a success it cannot read.
 *
 * @example
 * ```ts
 * import { connections, ManagementApiError } from 'aws-framework';
 *
 * const ws = connections({ endpoint: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod' });
 * try {
 *   await ws.send('conn-1', { type: 'hello' });
 * } catch (error) {
 *   if (error instanceof ManagementApiError && error.errorType === 'ForbiddenException') {
 *     console.error('the function may not call execute-api:ManageConnections', error.cause);
 *   } else throw error;
 * }
 * ```
 */
export class ManagementApiError extends Error {
  /** Always `'ManagementApiError'`: survives serialization and bundling, where `instanceof` may not. */
  override readonly name = 'ManagementApiError';
  /** The connection the request was for. */
  readonly connectionId: string;
  /** Which request failed: PostToConnection (`send`), DeleteConnection or GetConnection (`info`). */
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
 *
 * @example
 * ```ts
 * import { connections, ManagementApiError, UnexpectedAnswerError } from 'aws-framework';
 *
 * const ws = connections({ endpoint: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod' });
 * const info = await ws.info('conn-1').catch((error: unknown) => {
 *   if (error instanceof ManagementApiError && error.cause instanceof UnexpectedAnswerError) return undefined;
 *   throw error;
 * });
 * ```
 */
export class UnexpectedAnswerError extends Error {
  /** Always `'UnexpectedAnswerError'`: survives serialization and bundling, where `instanceof` may not. */
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
 *
 * @example
 * ```ts
 * import { connections, ManagementApiError, ManagementApiResponseError } from 'aws-framework';
 *
 * const ws = connections({ endpoint: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod', transport: 'direct' });
 * await ws.send('conn-1', 'hi').catch((error: unknown) => {
 *   if (error instanceof ManagementApiError && error.cause instanceof ManagementApiResponseError) {
 *     console.error(error.cause.name, error.cause.$metadata.requestId); // e.g. ForbiddenException
 *   }
 *   throw error;
 * });
 * ```
 */
export class ManagementApiResponseError extends Error {
  /** `client` for a 4xx answer, `server` for a 5xx one, as the SDK's exceptions say. */
  readonly $fault: 'client' | 'server';
  /** As the SDK's `$metadata`: the answer's status, its `x-amzn-RequestId`, and the attempts made. */
  $metadata: {
    /** The HTTP status API Gateway answered. */
    httpStatusCode: number;
    /** The `x-amzn-RequestId` header, for AWS support; `undefined` when the answer had none. */
    requestId: string | undefined;
    /** Requests made for this answer: 1 as built; the retry loop raises it as it retries. */
    attempts: number;
  };

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
