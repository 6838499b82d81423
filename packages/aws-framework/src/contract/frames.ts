import type { EventFrame, ReplyFrame } from './types.js';

/** The longest request `id` an action frame may carry. */
export const MAX_REQUEST_ID_LENGTH = 64;

/** A request `id` as the wire format allows it: a non-empty string of at most 64 characters. */
export function isRequestId(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && value.length <= MAX_REQUEST_ID_LENGTH;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether a parsed server message is an event frame, `{ event, payload }`. Only the shape is
 * checked; the payload is checked with `validate` against the event's schema.
 *
 * @example
 * ```typescript
 * import { isEventFrame } from 'aws-framework/contract';
 *
 * declare const data: string; // a message the server sent
 *
 * const message: unknown = JSON.parse(data);
 * if (isEventFrame(message)) console.log(message.event, message.payload);
 * ```
 */
export function isEventFrame(value: unknown): value is EventFrame {
  return isRecord(value) && typeof value.event === 'string';
}

/**
 * Whether a parsed server message is a reply frame: `{ reply, ok: true, payload }` or
 * `{ reply, ok: false, error: { status, message, issues? } }`.
 *
 * @example
 * ```typescript
 * import { isReplyFrame, type ReplyFrame } from 'aws-framework/contract';
 *
 * declare const data: string; // a message the server sent
 * declare const pending: Map<string, (frame: ReplyFrame) => void>; // request ID to its resolver
 *
 * const message: unknown = JSON.parse(data);
 * if (isReplyFrame(message)) pending.get(message.reply)?.(message);
 * ```
 */
export function isReplyFrame(value: unknown): value is ReplyFrame {
  if (!isRecord(value) || typeof value.reply !== 'string') return false;
  if (value.ok === true) return true;
  if (value.ok !== false || !isRecord(value.error)) return false;
  const { status, message, issues } = value.error;
  return (
    typeof status === 'number' &&
    typeof message === 'string' &&
    (issues === undefined || Array.isArray(issues))
  );
}
