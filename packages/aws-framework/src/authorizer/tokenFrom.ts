import { type OptionSchema, validateOptions } from '../options/validateOptions.js';

/**
 * Where `tokenFrom` looks, tried in this order: query, header, protocol. Name at least one; each
 * given must be a non-empty string.
 */
export interface TokenFromOptions {
  /**
   * A query string parameter's name, e.g. `'token'` for `wss://.../prod?token=...`.
   * @default undefined (the query string is not read)
   */
  query?: string;
  /**
   * A header's name, looked up case-insensitively; a `Bearer ` prefix (any case) is stripped.
   * @default undefined (no header is read)
   */
  header?: string;
  /**
   * The marker in `Sec-WebSocket-Protocol` after which the token comes: browsers cannot set
   * headers on a WebSocket, so they send `new WebSocket(url, ['access_token', token])`.
   * @default undefined (`Sec-WebSocket-Protocol` is not read)
   */
  protocol?: string;
}

/** The parts of an event `tokenFrom` reads: a `$connect` or authorizer event has them all. */
export interface TokenEvent {
  /** Header name to value; read when `multiValueHeaders` has no value for the header. */
  headers?: Record<string, string | undefined> | null;
  /** Header name to every value sent; read first (its first value for `header`). */
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  /** Query string parameter name to value. */
  queryStringParameters?: Record<string, string | undefined> | null;
}

const SOURCES_SCHEMA: OptionSchema = {
  query: 'non-empty string',
  header: 'non-empty string',
  protocol: 'non-empty string',
};

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The values of a header, however its name is cased, from `multiValueHeaders` when present. */
function headerValues(event: TokenEvent, name: string): string[] {
  const lower = name.toLowerCase();
  const values: string[] = [];
  for (const [key, value] of Object.entries(event.multiValueHeaders ?? {})) {
    if (key.toLowerCase() === lower && Array.isArray(value)) {
      values.push(...value.filter((item) => typeof item === 'string'));
    }
  }
  if (values.length > 0) return values;
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === lower && typeof value === 'string') values.push(value);
  }
  return values;
}

function fromQuery(event: TokenEvent, name: string): string | undefined {
  const query = event.queryStringParameters;
  // An own property only: a parameter named "constructor" must not find Object.prototype's.
  return query && Object.hasOwn(query, name) ? nonEmpty(query[name]) : undefined;
}

function fromHeader(event: TokenEvent, name: string): string | undefined {
  const value = headerValues(event, name)[0];
  return value === undefined ? undefined : nonEmpty(value.replace(/^bearer(?:\s+|$)/i, '').trim());
}

function fromProtocol(event: TokenEvent, marker: string): string | undefined {
  const offered = headerValues(event, 'Sec-WebSocket-Protocol')
    .flatMap((value) => value.split(','))
    .map((entry) => entry.trim());
  const at = offered.indexOf(marker);
  return at === -1 ? undefined : nonEmpty(offered[at + 1]);
}

/**
 * Reads a bearer token from a `$connect` (or authorizer) event: a query string parameter, a
 * header, or the entry after a marker in `Sec-WebSocket-Protocol`, tried in that order. Empty
 * values count as missing; `undefined` when none has one.
 *
 * A browser that offers protocols expects the `$connect` response to pick one: answer with
 * `headers: { 'Sec-WebSocket-Protocol': marker }` (never the token itself), or it drops the
 * connection.
 *
 * @example
 * ```typescript
 * import { tokenFrom, type WebSocketAuthorizerEvent } from 'aws-framework';
 *
 * declare const event: WebSocketAuthorizerEvent;
 *
 * // wss://...?token=T, or Authorization: Bearer T, or new WebSocket(url, ['access_token', T])
 * const token = tokenFrom(event, { query: 'token', header: 'Authorization', protocol: 'access_token' });
 * ```
 * @throws {@link OptionsError} when `sources` is not an object, has a key other than `query`,
 * `header` and `protocol`, or one of them is not a non-empty string.
 * @throws {@link !TypeError} when `sources` names none of `query`, `header` and `protocol`.
 */
export function tokenFrom(event: TokenEvent, sources: TokenFromOptions): string | undefined {
  validateOptions('tokenFrom', SOURCES_SCHEMA, sources);
  if (sources.query === undefined && sources.header === undefined && sources.protocol === undefined) {
    throw new TypeError('tokenFrom: name at least one source: query, header or protocol');
  }
  if (typeof event !== 'object' || event === null) return undefined;
  return (
    (sources.query === undefined ? undefined : fromQuery(event, sources.query)) ??
    (sources.header === undefined ? undefined : fromHeader(event, sources.header)) ??
    (sources.protocol === undefined ? undefined : fromProtocol(event, sources.protocol))
  );
}
