import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { LambdaHandler } from './options.js';

const TIMED_OUT = Symbol('timed out');

export type InvocationOutcome =
  | { ok: true; result: unknown; ms: number }
  | { ok: false; error: unknown; timedOut: boolean; ms: number };

/** Which invocation some code runs on behalf of, for log lines that happen outside the gateway's flow. */
export interface InvocationLabel {
  routeKey: string;
  connectionId: string;
}

/** The callback Lambda's `nodejs22.x` runtime passes as a handler's third argument. */
export type LambdaCallback = (error?: unknown, result?: unknown) => void;

type CallbackHandler = (event: unknown, context: unknown, callback: LambdaCallback) => unknown;

const invocations = new AsyncLocalStorage<InvocationLabel>();

/**
 * The invocation whose handler started the current asynchronous flow, if any.
 *
 * Inside a `process.on('unhandledRejection')` listener this is the invocation in which the promise
 * was created: Node runs the listener in the async context captured at the promise's creation
 * (nodejs/node#46262), checked on Node 20 and 24 for a rejection made synchronously, after an
 * `await` and inside a timer.
 */
export function currentInvocation(): InvocationLabel | undefined {
  return invocations.getStore();
}

function lambdaContext(functionName: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

function labelOf(event: unknown): InvocationLabel {
  const requestContext = (event as { requestContext?: { routeKey?: unknown; connectionId?: unknown } })
    ?.requestContext;
  return {
    routeKey: String(requestContext?.routeKey ?? '?'),
    connectionId: String(requestContext?.connectionId ?? '?'),
  };
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === 'object' || typeof value === 'function') &&
  value !== null &&
  typeof (value as { then?: unknown }).then === 'function';

/**
 * Settles with the handler's result the way Lambda's `nodejs22.x` runtime does: the first of the
 * callback or the returned promise wins and later calls are ignored (Runtime.js
 * `handleOnceNonStreaming` and CallbackContext.js `onlyAllowFirstCall` in
 * aws/aws-lambda-nodejs-runtime-interface-client); a promise settling only once gives the same.
 * Unlike Lambda, `callback(null, result)` answers at once rather than when the event loop empties,
 * since the gateway's event loop never does. A synchronous handler that declares no callback keeps
 * answering with its return value.
 */
function handlerResult(handler: LambdaHandler, event: unknown, context: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const callback: LambdaCallback = (error, result) => {
      // As CallbackContext.js: any error other than undefined or null fails the invocation.
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    const returned = (handler as CallbackHandler)(event, context, callback);
    if (isThenable(returned)) returned.then(resolve, reject);
    else if (handler.length < 3) resolve(returned);
  });
}

/**
 * Calls a handler as Lambda would: a fresh context per call, the integration timeout enforced, and
 * the callback of Node.js 22's runtime as third argument. Never throws: a throw, a rejection, an
 * error passed to the callback or an overrun is an outcome, so one bad handler cannot take the
 * gateway down for everyone else.
 */
export async function invoke(
  handler: LambdaHandler,
  event: unknown,
  functionName: string,
  timeoutMs: number,
): Promise<InvocationOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  try {
    const result = await Promise.race([
      invocations.run(labelOf(event), () =>
        handlerResult(handler, event, lambdaContext(functionName, timeoutMs)),
      ),
      timeout,
    ]);
    if (result === TIMED_OUT) {
      return {
        ok: false,
        error: new Error(`Timed out after ${timeoutMs} ms`),
        timedOut: true,
        ms: elapsed(),
      };
    }
    return { ok: true, result, ms: elapsed() };
  } catch (error) {
    return { ok: false, error, timedOut: false, ms: elapsed() };
  } finally {
    clearTimeout(timer);
  }
}

/** The status a Lambda result stands for: its `statusCode`, or 200 for a result without one. */
export function statusOf(result: unknown): number {
  const statusCode = (result as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof statusCode === 'number' ? statusCode : 200;
}
