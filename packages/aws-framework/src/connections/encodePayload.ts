import { PayloadTooLargeError } from './errors.js';

/** API Gateway's limit for one WebSocket message, in bytes (128 KB). */
export const MAX_PAYLOAD_BYTES = 131_072;

const utf8 = new TextEncoder();

/**
 * The bytes PostToConnection carries. SDK v3 takes `Data` as a byte blob, so strings and JSON are
 * encoded here rather than left to the SDK's string handling.
 */
export function encodePayload(data: unknown): Uint8Array {
  if (typeof data === 'string') return utf8.encode(data);
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  const json = JSON.stringify(data);
  if (json === undefined) {
    throw new TypeError(`Cannot send ${typeof data}: it has no JSON form`);
  }
  return utf8.encode(json);
}

/** Encodes and checks the size, so an oversized message fails before any request is made. */
export function encodeForConnection(connectionId: string, data: unknown): Uint8Array {
  const bytes = encodePayload(data);
  if (bytes.byteLength > MAX_PAYLOAD_BYTES) {
    throw new PayloadTooLargeError(connectionId, bytes.byteLength, MAX_PAYLOAD_BYTES);
  }
  return bytes;
}
