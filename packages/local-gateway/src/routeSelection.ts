// Only opening and closing a connection run these; a message naming them is just an unknown route.
const LIFECYCLE_ROUTES = new Set(['', '$connect', '$disconnect']);

/**
 * The route key API Gateway would pick: the value at `path` in the JSON body. A body that is not
 * JSON, has no string there, or names a route the API lacks goes to `$default`.
 */
export function selectRouteKey(
  body: string | undefined,
  path: readonly string[],
  isKnownRoute: (key: string) => boolean,
): string {
  if (body === undefined) return '$default';
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return '$default';
  }
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return '$default';
    value = (value as Record<string, unknown>)[segment];
  }
  if (typeof value !== 'string' || LIFECYCLE_ROUTES.has(value) || !isKnownRoute(value)) return '$default';
  return value;
}
