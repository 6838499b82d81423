import { inspect } from 'node:util';
import { currentInvocation } from './invoke.js';

function describe(reason: unknown): string {
  if (reason instanceof Error) return `${reason.name}: ${reason.message}`;
  return typeof reason === 'string' ? reason : inspect(reason, { breakLength: Number.POSITIVE_INFINITY });
}

/**
 * Keeps a handler's forgotten promise (`context.send(gone)` without `await`) from ending the
 * process, whose default since Node 15 is to exit on an unhandled rejection: it logs one line,
 * naming the invocation whose handler made the promise. For the CLI only; a library must not
 * change how its host process treats rejections. Returns the function that removes the listener.
 */
export function logUnhandledRejections(log: (line: string) => void): () => void {
  const listener = (reason: unknown) => {
    const invocation = currentInvocation();
    log(
      invocation
        ? `unhandled rejection in a handler (${invocation.routeKey} ${invocation.connectionId}): ${describe(reason)}`
        : `unhandled rejection: ${describe(reason)}`,
    );
  };
  process.on('unhandledRejection', listener);
  return () => process.off('unhandledRejection', listener);
}
