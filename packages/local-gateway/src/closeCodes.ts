/** Why the gateway closed a connection: the code and reason its `$disconnect` reports. */
export interface GatewayClose {
  statusCode: number;
  reason: string;
}

/** Reasons for the codes a client may close with itself, where it gives none. */
export const CLOSE_REASONS: Readonly<Record<number, string>> = {
  1000: 'Connection Closed Normally',
  1001: 'Going away',
  1005: 'Client-side close frame status not set',
  1006: 'Connection closed abnormally',
};

/** The closes the gateway makes itself. */
export const GATEWAY_CLOSES = {
  /** A DeleteConnection through the management API. */
  deleted: { statusCode: 1000, reason: 'Connection Closed Normally' },
  idle: { statusCode: 1001, reason: 'Going away' },
  maxDuration: { statusCode: 1001, reason: 'Going away' },
  shutdown: { statusCode: 1001, reason: 'Going away' },
  binaryFrame: { statusCode: 1003, reason: 'Binary frames are not supported' },
  frameTooBig: { statusCode: 1009, reason: 'Frame size exceeds the maximum of 32768 bytes' },
  messageTooBig: { statusCode: 1009, reason: 'Message too big' },
  invalidUtf8: { statusCode: 1007, reason: 'Invalid frame payload data' },
  protocolError: { statusCode: 1002, reason: 'Protocol error' },
} as const satisfies Record<string, GatewayClose>;

/**
 * The close `ws` makes when a client breaks the protocol, from its error's code: `ws` closes the
 * socket with that status itself, and `$disconnect` must report what the gateway sent, not the
 * 1006 the socket ends with.
 */
export function closeForProtocolError(errorCode: string | undefined): GatewayClose | undefined {
  if (!errorCode?.startsWith('WS_ERR_')) return undefined;
  switch (errorCode) {
    case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
    case 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH':
      return GATEWAY_CLOSES.messageTooBig;
    case 'WS_ERR_INVALID_UTF8':
      return GATEWAY_CLOSES.invalidUtf8;
    case 'WS_ERR_TOO_MANY_BUFFERED_PARTS':
      return { statusCode: 1008, reason: 'Policy violation' };
    default:
      return GATEWAY_CLOSES.protocolError;
  }
}
