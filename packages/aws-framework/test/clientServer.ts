// The API the client's tests talk to: the test contract served by routes(contract, handlers), which
// answers requests with reply frames through the management API (context.send), as on AWS.
import type { Context } from 'aws-lambda';
import { ROUTE_KEYS, routes, type WebSocketEvent, webSocketLambda } from '../src/index.js';
import { testContract } from './clientContract.js';
import type { ServerLog } from './clientGateway.js';

export { testContract };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `echo` replies with its payload, `slowEcho` too after `ms`, `shout` emits a `shouted` event,
 * `note` replies nothing (null to a request), `fail` is refused 422 by its schema unless its text
 * has 3 characters. A `$connect` with `?refuse` is refused 401. Every event the gateway delivers is
 * logged as it was delivered.
 */
export function testHandler(log: ServerLog) {
  const handler = webSocketLambda(
    routes(testContract, {
      $connect: async (event) =>
        event.queryStringParameters?.refuse === undefined ? undefined : { statusCode: 401 },
      // Declared so that the gateway delivers $disconnect, which the tests read.
      $disconnect: async () => {},
      echo: async (event) => event.body,
      slowEcho: async (event) => {
        await sleep(event.body.ms);
        return { text: event.body.text };
      },
      shout: async (event, context) => {
        await context.emit(context.connectionId, 'shouted', { text: event.body.text.toUpperCase() });
      },
      note: async () => {},
      fail: async () => {},
    }),
  );
  const logged = (event: WebSocketEvent<unknown>, context: Context) => {
    // A copy: the handler parses the body in place.
    log.events.push(structuredClone(event));
    return handler(event, context);
  };
  // The gateway reads the API's routes off the handler, as it would the routes(...) handler itself.
  return Object.assign(logged, { [ROUTE_KEYS]: handler[ROUTE_KEYS] });
}
