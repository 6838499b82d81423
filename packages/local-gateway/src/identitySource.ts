/** One identity source of a WebSocket authorizer: a request header or a query string parameter. */
export interface IdentitySource {
  from: 'header' | 'querystring';
  name: string;
  /** As written, for messages. */
  expression: string;
}

const EXPRESSION = /^route\.request\.(header|querystring)\.(.+)$/;

/**
 * Parses `route.request.header.Authorization` or `route.request.querystring.token`, the two forms a
 * WebSocket API's REQUEST authorizer takes from the request (stage variables and context are not
 * emulated, so they are refused rather than ignored).
 */
export function parseIdentitySource(expression: unknown, where: string): IdentitySource {
  const match = typeof expression === 'string' ? EXPRESSION.exec(expression) : null;
  if (!match) {
    throw new TypeError(
      `${where}: identity source ${JSON.stringify(expression)} must be route.request.header.NAME or route.request.querystring.NAME`,
    );
  }
  return {
    from: match[1] as IdentitySource['from'],
    name: match[2] as string,
    expression: expression as string,
  };
}

/**
 * The first identity source the request lacks (absent or empty): API Gateway then answers 401
 * without invoking the authorizer. Header names match in any letter case, query names exactly.
 */
export function missingIdentitySource(
  sources: readonly IdentitySource[],
  rawHeaders: readonly string[],
  query: URLSearchParams,
): IdentitySource | undefined {
  return sources.find((source) => {
    if (source.from === 'querystring') return !query.get(source.name);
    const wanted = source.name.toLowerCase();
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      if ((rawHeaders[i] as string).toLowerCase() === wanted && rawHeaders[i + 1] !== '') return false;
    }
    return true;
  });
}
