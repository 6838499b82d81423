import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { routes, type WebSocketHandlerFn, webSocketLambda } from 'aws-framework';
import { defineContract } from 'aws-framework/contract';
import fc from 'fast-check';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { z } from 'zod';
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

// What every route and the logger do in the current run; the handlers are built once, as in Lambda.
let behaviour: Behaviour = () => undefined;
let logger: () => void = () => {};
const route = (event: unknown, context: unknown) => behaviour(event, context) as never;

// The management API for replies: answers 200, 410 (gone) or 500 in turn, at once.
let server: Server;
let endpoint = '';
let answered = 0;

beforeAll(async () => {
  for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
    vi.stubEnv(key, undefined);
  }
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const status = [200, 410, 500][answered++ % 3] as number;
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/local`;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const chat = defineContract({
  actions: {
    join: z.object({ room: z.string().trim().min(1) }),
    say: v.object({ text: v.pipe(v.string(), v.maxLength(10)) }),
  },
  events: { joined: v.object({ room: v.string() }) },
  replies: { join: z.object({ members: z.number() }) },
});

function lambda(fn: WebSocketHandlerFn) {
  // The endpoint is read per invocation, once the server listens.
  return (event: unknown, context: unknown) =>
    webSocketLambda(fn, { endpoint, logger: () => logger() })(event, context as never);
}

const cases: [string, () => (event: unknown, context: unknown) => Promise<unknown>][] = [
  [
    'routes(table) with $default',
    () => lambda(routes({ $connect: route, sendMessage: route, $default: route })),
  ],
  ['routes(table) without $default', () => lambda(routes({ $disconnect: route, sendMessage: route }))],
  [
    'routes(contract, handlers), replies through the management API',
    () => lambda(routes(chat, { join: route, say: route, $connect: route }, { validateEvents: true })),
  ],
  [
    "routes(contract, handlers), replies: 'routeResponse'",
    () => lambda(routes(chat, { join: route, $default: route }, { replies: 'routeResponse' })),
  ],
];

describe('routes, property-tested', () => {
  it.each(cases)(
    '%s: any event, context and route resolve to a valid result that shows no error text',
    async (_, make) => {
      const handler = make();
      await fc.assert(
        fc.asyncProperty(eventArb, contextArb, behaviourArb, loggerArb, async (event, context, fn, log) => {
          behaviour = fn;
          logger = log;
          expectValidResult(await handler(materialize(event), materialize(context)));
        }),
        FUZZ_PARAMETERS,
      );
    },
  );
});
