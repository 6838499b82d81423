import {
  connections,
  OptionsError,
  routes,
  WebSocketLambda,
  webSocketAuthorizer,
  webSocketLambda,
} from 'aws-framework';
import { createClient } from 'aws-framework/client';
import { defineContract } from 'aws-framework/contract';
import { DynamoDbConnectionStore } from 'aws-framework/dynamodb';
import { jwtAuthorizer } from 'aws-framework/jwt';
import { describe, expect, it } from 'vitest';
import { tokenFrom } from '../src/authorizer/tokenFrom.js';

/**
 * Every entry point that takes options, each given an unknown key and a value of the wrong type:
 * both throw a TypeError naming the option, at construction.
 */

// The local gateway must not import aws-framework at run time, so it keeps its own equivalent
// check (packages/local-gateway/src/options.ts); it is in this table through its source, loaded by
// path because it sits outside this package's rootDir.
const localGatewaySource = '../../local-gateway/src/options.js';
const { resolveOptions: localGatewayOptions } = (await import(localGatewaySource)) as {
  resolveOptions: (options: Record<string, unknown>) => unknown;
};

const endpoint = 'https://abc.execute-api.eu-west-1.amazonaws.com/prod';
const noop = async () => {};
const contract = defineContract({ actions: {} });
const event = { headers: {}, queryStringParameters: {} };

class Probe extends WebSocketLambda {
  protected async processWebSocket() {
    return { statusCode: 200 };
  }
}

type Build = (options: Record<string, unknown>) => unknown;

const ENTRY_POINTS: {
  name: string;
  build: Build;
  wrongType: [string, unknown];
  ours?: false;
  /** A known gap: unknown keys pass today (see the issue); `it.fails` flags the day they do not. */
  unknownKeysPass?: true;
}[] = [
  { name: 'webSocketLambda', build: (o) => webSocketLambda(noop, o), wrongType: ['jsonBody', 'yes'] },
  { name: 'WebSocketLambda (class)', build: (o) => new Probe(o), wrongType: ['transport', 'http'] },
  {
    name: 'routes(contract, handlers, options)',
    build: (o) => routes(contract, {}, o),
    wrongType: ['replies', 1],
  },
  { name: 'connections', build: (o) => connections({ endpoint, ...o }), wrongType: ['transport', 'http'] },
  {
    name: 'webSocketAuthorizer',
    build: (o) => webSocketAuthorizer(() => false, o),
    wrongType: ['logger', 1],
  },
  {
    name: 'tokenFrom',
    build: (o) => tokenFrom(event as never, { query: 'token', ...o }),
    wrongType: ['header', 1],
  },
  {
    name: 'jwtAuthorizer',
    build: (o) => jwtAuthorizer({ issuer: 'https://issuer.example', clientId: 'c', ...o } as never),
    wrongType: ['clockToleranceSeconds', 'soon'],
  },
  {
    name: 'DynamoDbConnectionStore',
    build: (o) => new DynamoDbConnectionStore({ tableName: 't', ...o }),
    wrongType: ['clientConfig', 'eu-west-1'],
  },
  {
    name: 'createClient',
    build: (o) => createClient(contract, { url: 'ws://localhost:1', ...o }),
    wrongType: ['queueLimit', 'many'],
  },
  {
    name: 'startLocalGateway (its own helper)',
    build: (o) => localGatewayOptions({ handler: noop, ...o }),
    wrongType: ['port', 'eighty'],
    ours: false,
  },
];

describe.each(ENTRY_POINTS)(
  '$name options',
  ({ build, wrongType: [option, value], ours, unknownKeysPass }) => {
    (unknownKeysPass ? it.fails : it)('an unknown key throws a TypeError naming it', () => {
      expect(() => build({ bogusOption: 1 })).toThrow(TypeError);
      expect(() => build({ bogusOption: 1 })).toThrow(/bogusOption/);
      if (ours !== false) expect(() => build({ bogusOption: 1 })).toThrow(OptionsError);
    });

    it(`a wrong-typed value (${option}) throws a TypeError naming it`, () => {
      expect(() => build({ [option]: value })).toThrow(TypeError);
      expect(() => build({ [option]: value })).toThrow(new RegExp(option));
      if (ours !== false)
        expect(() => build({ [option]: value })).toThrow(expect.objectContaining({ option }));
    });
  },
);

// Nested option objects go through the same helper, their keys named with the path.
describe.each([
  {
    name: 'createClient reconnect',
    build: (o: Record<string, unknown>) => createClient(contract, { url: 'ws://localhost:1', reconnect: o }),
    owner: 'createClient',
    path: 'reconnect',
    wrongType: ['maxDelayMs', 'long'],
  },
  {
    name: 'jwtAuthorizer (a union-typed option)',
    build: (o: Record<string, unknown>) =>
      jwtAuthorizer({
        issuer: 'https://issuer.example',
        clientId: 'c',
        tokenFrom: { query: 't' },
        ...o,
      } as never),
    owner: 'jwtAuthorizer',
    path: undefined,
    wrongType: ['audience', 42],
  },
])('$name', ({ build, owner, path, wrongType: [option, value] }) => {
  const named = path ? `${path}.${option}` : option;
  it('an unknown key throws an OptionsError naming its path', () => {
    expect(() => build({ bogusOption: 1 })).toThrow(
      expect.objectContaining({
        name: 'OptionsError',
        owner,
        option: path ? `${path}.bogusOption` : 'bogusOption',
      }),
    );
  });
  it(`a wrong-typed value throws an OptionsError naming ${named}`, () => {
    expect(() => build({ [option as string]: value })).toThrow(
      expect.objectContaining({ name: 'OptionsError', owner, option: named }),
    );
  });
});

describe('connections().broadcast options', () => {
  const ws = connections({ endpoint });
  it('an unknown key rejects with a TypeError naming it', async () => {
    await expect(ws.broadcast([], 'x', { bogusOption: 1 } as never)).rejects.toThrow(/bogusOption/);
  });
  it('a wrong-typed value rejects with a TypeError naming it', async () => {
    await expect(ws.broadcast([], 'x', { concurrency: 'many' } as never)).rejects.toThrow(/concurrency/);
  });
  it('retry is checked by the same helper: unknown keys and wrong types name retry.*', async () => {
    await expect(ws.broadcast([], 'x', { retry: { tries: 2 } } as never)).rejects.toThrow(
      expect.objectContaining({ name: 'OptionsError', owner: 'broadcast', option: 'retry.tries' }),
    );
    await expect(ws.broadcast([], 'x', { retry: { attempts: '2' } } as never)).rejects.toThrow(
      expect.objectContaining({ name: 'OptionsError', option: 'retry.attempts' }),
    );
    await expect(ws.broadcast([], 'x', { retry: { attempts: 0 } })).rejects.toThrow(
      expect.objectContaining({ name: 'OptionsError', option: 'retry.attempts' }),
    );
  });
});
