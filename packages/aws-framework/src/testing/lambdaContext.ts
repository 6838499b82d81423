import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/**
 * What `createLambdaContext` takes: any field of the Lambda `Context` to set (`functionName`,
 * `awsRequestId`...), and the time budget.
 */
export interface LambdaContextOptions extends Partial<Context> {
  /**
   * The invocation's time budget in milliseconds, from which `getRemainingTimeInMillis` counts
   * down (API Gateway's integration timeout is 29 s).
   * @default 29000
   */
  timeoutMs?: number;
}

/**
 * A Lambda context like the runtime's, with `getRemainingTimeInMillis` counting down for real from
 * `timeoutMs`, a fresh `awsRequestId`, and `functionName` (default `websocket-handler`) in the
 * function ARN and log group. The deprecated `done`, `succeed` and `fail` throw when called: a
 * handler returns or throws instead. Other fields of the options replace the built ones.
 *
 * @example
 * ```ts
 * import type { WebSocketLambdaHandler } from 'aws-framework';
 * import { createLambdaContext, createMessageEvent } from 'aws-framework/testing';
 *
 * declare const handler: WebSocketLambdaHandler; // your handler, imported from its module
 *
 * // A handler that checks its remaining time sees 100 ms, counting down.
 * await handler(createMessageEvent({ action: 'slow' }), createLambdaContext({ timeoutMs: 100 }));
 * ```
 */
export function createLambdaContext(options: LambdaContextOptions = {}): Context {
  const { timeoutMs = 29_000, ...overrides } = options;
  const deadline = Date.now() + timeoutMs;
  const functionName = overrides.functionName ?? 'websocket-handler';
  const fail = () => {
    throw new Error('context.done/succeed/fail are deprecated: return or throw from the handler');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `2026/01/01/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: fail,
    fail,
    succeed: fail,
    ...overrides,
  };
}
