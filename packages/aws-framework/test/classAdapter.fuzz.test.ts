import { WebSocketLambda, type WebSocketResponse } from 'aws-framework';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  type Behaviour,
  behaviourArb,
  contextArb,
  eventArb,
  expectValidResult,
  FUZZ_PARAMETERS,
  loggerArb,
  materialize,
} from './fuzzArbitraries.js';

// What processWebSocket and the logger do in the current run; the instance is built once, as in Lambda.
let behaviour: Behaviour = () => undefined;
let logger: () => void = () => {};

class Fuzzed extends WebSocketLambda {
  protected async processWebSocket(event: APIGatewayProxyEvent): Promise<WebSocketResponse> {
    // Exercises the adapter's own helpers on the hostile event too.
    this.getConnectionId(event);
    this.getRouteKey(event);
    return behaviour(event, {}) as WebSocketResponse;
  }
}

const { handler } = new Fuzzed({ logger: () => logger() });

describe('WebSocketLambda (class adapter), property-tested', () => {
  it('any event, context and processWebSocket resolve to a valid result that shows no error text', async () => {
    await fc.assert(
      fc.asyncProperty(eventArb, contextArb, behaviourArb, loggerArb, async (event, context, fn, log) => {
        behaviour = fn;
        logger = log;
        expectValidResult(await handler(materialize(event) as never, materialize(context) as never));
      }),
      FUZZ_PARAMETERS,
    );
  });
});
