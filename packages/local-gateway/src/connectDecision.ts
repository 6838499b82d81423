import type { InvocationOutcome } from './invoke.js';

/** What the `$connect` integration's outcome makes of the handshake. */
export type ConnectDecision =
  | { accept: true; protocol: string | undefined }
  | { accept: false; status: number; body: string };

const INTERNAL_ERROR = JSON.stringify({ message: 'Internal server error' });

/**
 * The status a Lambda result stands for, as API Gateway reads a proxy result: no result, or one
 * without `statusCode`, is 200; an integer is itself; a string of digits is read as its number.
 * Anything else (NaN, 200.5, `true`, an object) is a malformed result: `undefined`.
 */
export function resultStatus(result: unknown): number | undefined {
  if (result === undefined || result === null) return 200;
  if (typeof result !== 'object') return undefined;
  const statusCode = (result as { statusCode?: unknown }).statusCode;
  if (statusCode === undefined) return 200;
  if (typeof statusCode === 'number') return Number.isInteger(statusCode) ? statusCode : undefined;
  if (typeof statusCode === 'string' && /^[0-9]{3}$/.test(statusCode)) return Number(statusCode);
  return undefined;
}

/** The `Sec-WebSocket-Protocol` header of a `$connect` result, in any letter case. */
function selectedProtocol(result: unknown): string | undefined {
  const headers = (result as { headers?: unknown } | null | undefined)?.headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'sec-websocket-protocol' && typeof value === 'string' && value !== '') {
      return value;
    }
  }
  return undefined;
}

/**
 * A 2xx accepts, with the subprotocol the result's headers name (none otherwise, so a client that
 * offered protocols fails its handshake, as browsers do against AWS); another valid status refuses
 * the upgrade with it. A handler that fails is 502, one that overruns the integration timeout 504,
 * and a malformed result (a status that is not a whole number from 200 to 599) is 502, as API
 * Gateway answers integration failures.
 */
export function connectDecision(outcome: InvocationOutcome): ConnectDecision {
  if (!outcome.ok) {
    return outcome.timedOut
      ? { accept: false, status: 504, body: JSON.stringify({ message: 'Endpoint request timed out' }) }
      : { accept: false, status: 502, body: INTERNAL_ERROR };
  }
  const status = resultStatus(outcome.result);
  if (status === undefined || status < 200 || status > 599) {
    return { accept: false, status: 502, body: INTERNAL_ERROR };
  }
  if (status >= 200 && status <= 299) return { accept: true, protocol: selectedProtocol(outcome.result) };
  const body = (outcome.result as { body?: unknown }).body;
  return { accept: false, status, body: typeof body === 'string' ? body : '' };
}
