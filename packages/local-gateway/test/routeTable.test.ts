import { describe, expect, it } from 'vitest';
import { gatewayLog } from '../src/gatewayLog.js';
import { type LambdaHandler, type LocalGatewayOptions, ROUTE_KEYS, resolveOptions } from '../src/options.js';
import { createRouteTable } from '../src/routeTable.js';
import { swappableHandler } from '../src/swappableHandler.js';

/** A handler as aws-framework's routes({...}) builds it: carrying its table's keys. */
const withKeys = (keys: string[]): LambdaHandler =>
  Object.assign(() => undefined, { [ROUTE_KEYS]: keys }) as LambdaHandler;

function table(options: LocalGatewayOptions) {
  const lines: string[] = [];
  const routes = createRouteTable(
    resolveOptions(options),
    gatewayLog({ info: (line) => lines.push(line), error: (line) => lines.push(`error: ${line}`) }),
  );
  return { routes, lines };
}

describe('route table, routes mode', () => {
  const $connect = () => undefined;
  const send = () => undefined;

  it('declares exactly the routes given, each integrated with its own handler', () => {
    const { routes } = table({ routes: { $connect, send } });
    expect(routes.isDeclared('send')).toBe(true);
    expect(routes.isDeclared('other')).toBe(false);
    expect(routes.isDeclared('$default')).toBe(false);
    expect(routes.handlerFor('$connect')).toBe($connect);
    expect(routes.handlerFor('send')).toBe(send);
    expect(routes.handlerFor('$disconnect')).toBeUndefined();
  });

  it('declares mock routes without a handler', () => {
    const { routes } = table({ routes: { send }, mockRoutes: ['ping'] });
    expect(routes.isDeclared('ping')).toBe(true);
    expect(routes.isMock('ping')).toBe(true);
    expect(routes.isMock('send')).toBe(false);
    expect(routes.handlerFor('ping')).toBeUndefined();
  });

  it('logs nothing about declarations and refuses setRouteKeys', () => {
    const { routes, lines } = table({ routes: { send } });
    routes.logDeclared();
    expect(lines).toEqual([]);
    expect(() => routes.setRouteKeys(['a'])).toThrow(/handler/);
  });
});

describe('route table, handler mode', () => {
  it('without a declaration every key is a route of the handler, and the log says so', () => {
    const handler = () => undefined;
    const { routes, lines } = table({ handler });
    expect(routes.isDeclared('anything')).toBe(true);
    expect(routes.handlerFor('anything')).toBe(handler);
    routes.logDeclared();
    expect(lines).toEqual([expect.stringMatching(/^every action is treated as a declared route/)]);
  });

  it('routeKeys declares those keys, with $connect, $disconnect and $default on the handler as well', () => {
    const handler = () => undefined;
    const { routes, lines } = table({ handler, routeKeys: ['send'] });
    expect(routes.isDeclared('send')).toBe(true);
    expect(routes.isDeclared('typo')).toBe(false);
    expect(routes.handlerFor('typo')).toBeUndefined();
    for (const key of ['$connect', '$disconnect', '$default']) expect(routes.handlerFor(key)).toBe(handler);
    routes.logDeclared();
    expect(lines).toEqual(['declared routes (routeKeys): send']);
  });

  it("a routes({...}) handler declares exactly its table's keys: no $default, no $disconnect", () => {
    const { routes, lines } = table({ handler: withKeys(['$connect', 'join']) });
    expect(routes.isDeclared('join')).toBe(true);
    expect(routes.handlerFor('$connect')).toBeDefined();
    expect(routes.handlerFor('$disconnect')).toBeUndefined();
    expect(routes.isDeclared('$default')).toBe(false);
    routes.logDeclared();
    expect(lines).toEqual(['declared routes (from the handler): $connect, join']);
  });

  it("follows a swapped handler's keys on the next use, and logs the change once", () => {
    const swappable = swappableHandler(withKeys(['a']));
    const { routes, lines } = table({ handler: swappable.handler });
    routes.logDeclared();
    expect(routes.isDeclared('b')).toBe(false);
    swappable.swap(withKeys(['b']));
    expect(routes.isDeclared('b')).toBe(true);
    expect(routes.isDeclared('a')).toBe(false);
    swappable.swap(() => undefined);
    expect(routes.isDeclared('anything')).toBe(true);
    expect(lines).toEqual([
      'declared routes (from the handler): a',
      'declared routes (from the handler): b',
      expect.stringMatching(/^every action is treated as a declared route/),
    ]);
  });

  it('setRouteKeys wins over the handler, logs, checks its keys, and undefined goes back', () => {
    const { routes, lines } = table({ handler: withKeys(['a']) });
    routes.setRouteKeys(['b']);
    expect(routes.isDeclared('b')).toBe(true);
    expect(routes.isDeclared('a')).toBe(false);
    routes.setRouteKeys(undefined);
    expect(routes.isDeclared('a')).toBe(true);
    expect(lines).toEqual(['declared routes (routeKeys): b', 'declared routes (from the handler): a']);
    expect(() => routes.setRouteKeys(['$conect'])).toThrow(TypeError);
  });

  it('a mock route is declared whatever the declaration says, and has no handler', () => {
    const { routes } = table({ handler: () => undefined, routeKeys: ['send'], mockRoutes: ['ping'] });
    expect(routes.isDeclared('ping')).toBe(true);
    expect(routes.handlerFor('ping')).toBeUndefined();
  });
});
