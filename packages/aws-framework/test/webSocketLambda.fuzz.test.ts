import { webSocketLambda } from 'aws-framework';
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

// What the function and the logger do in the current run; the handlers are built once, as in Lambda.
let behaviour: Behaviour = () => undefined;
let logger: () => void = () => {};

const parsed = webSocketLambda((event, context) => behaviour(event, context) as never, {
  logger: () => logger(),
});
const raw = webSocketLambda((event, context) => behaviour(event, context) as never, {
  jsonBody: false,
  logger: () => logger(),
});

describe('webSocketLambda, property-tested', () => {
  it.each([
    ['with JSON bodies', parsed],
    ['with jsonBody: false', raw],
  ])(
    '%s: any event, context and function resolve to a valid result that shows no error text',
    async (_, handler) => {
      await fc.assert(
        fc.asyncProperty(eventArb, contextArb, behaviourArb, loggerArb, async (event, context, fn, log) => {
          behaviour = fn;
          logger = log;
          expectValidResult(await handler(materialize(event), materialize(context) as never));
        }),
        FUZZ_PARAMETERS,
      );
    },
  );
});
