/** What GetConnection tells about a live connection. */
export interface ConnectionInfo {
  /** When the connection was opened. */
  connectedAt: Date;
  /** When the connection was last active, as API Gateway reports it. */
  lastActiveAt: Date;
  /** The client's IP address, as API Gateway saw it. */
  sourceIp: string | undefined;
  /** The `User-Agent` of the handshake, when the client sent one. */
  userAgent: string | undefined;
}

/** A message ready for many requests: its bytes, and for the direct transport their SHA-256 once. */
export interface PreparedPayload {
  bytes: Uint8Array;
  sha256?: string;
}

/**
 * One endpoint's management API. Failures are thrown as the transport met them (an SDK-shaped
 * error with `name` and `$metadata.httpStatusCode`, or a network error); callers translate them.
 */
export interface ManagementTransport {
  prepare(bytes: Uint8Array): PreparedPayload;
  post(connectionId: string, payload: PreparedPayload, signal?: AbortSignal): Promise<void>;
  remove(connectionId: string): Promise<void>;
  info(connectionId: string): Promise<ConnectionInfo>;
  /** Lets the transport keep at least this many requests in flight (sockets). */
  reserve(inFlight: number): void;
}

/**
 * `retries: 'sdk'` retries throttling, 5xx and dropped connections as the SDK's standard mode does
 * (3 attempts); `'none'` makes one attempt per call, for a broadcast, which retries itself and must
 * see every 429 to pace itself.
 */
export type RetryMode = 'sdk' | 'none';
