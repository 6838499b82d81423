import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export interface LambdaContextOptions extends Partial<Context> {
  /** The invocation's time budget, from which `getRemainingTimeInMillis` counts down. Default 29,000. */
  timeoutMs?: number;
}

/** A Lambda context like the runtime's, with `getRemainingTimeInMillis` counting down for real. */
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
