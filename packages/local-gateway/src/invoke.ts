import { randomUUID } from 'node:crypto';
import type { LambdaHandler } from './options.js';

const TIMED_OUT = Symbol('timed out');

export type InvocationOutcome =
  | { ok: true; result: unknown; ms: number }
  | { ok: false; error: unknown; timedOut: boolean; ms: number };

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

/**
 * Calls a handler as Lambda would: a fresh context per call, the integration timeout enforced.
 * Never throws: a throw, a rejection or an overrun is an outcome, so one bad handler cannot take
 * the gateway down for everyone else.
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
      Promise.resolve().then(() => handler(event, lambdaContext(functionName, timeoutMs))),
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
