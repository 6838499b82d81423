type MiddyReadContext = {
  getRemainingTimeInMillis?: unknown;
  lambdaContext?: { getRemainingTimeInMillis?: unknown } | null;
};

/**
 * Middy's `requestStart` hook for our factories. Middy's core reads
 * `context.getRemainingTimeInMillis` (or `context.lambdaContext.getRemainingTimeInMillis`) before
 * any middleware runs and outside its error handling, so a `null` or primitive context, or one whose
 * properties throw when read, would reject the invocation instead of reaching our error middleware:
 * such a context is replaced with an empty object, as Middy does for a missing one. When that
 * function is not one, or throws, Middy calls it after the handler started and leaves the
 * handler's promise unobserved (an unhandled rejection): the context is then seen through an
 * object that hides it.
 */
export function guardContext(request: { context: unknown }): void {
  const { context } = request;
  if ((typeof context !== 'object' || context === null) && typeof context !== 'function') {
    request.context = {};
    return;
  }
  let remaining: unknown;
  try {
    const read = context as MiddyReadContext;
    remaining = read.getRemainingTimeInMillis || read.lambdaContext?.getRemainingTimeInMillis;
  } catch {
    request.context = {};
    return;
  }
  if (!remaining) return;
  try {
    if (typeof remaining === 'function') {
      remaining();
      return;
    }
  } catch {
    // Hidden below.
  }
  request.context = Object.create(context as object, {
    getRemainingTimeInMillis: { value: undefined, writable: true },
    lambdaContext: { value: undefined, writable: true },
  });
}
