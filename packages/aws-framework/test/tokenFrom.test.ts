import { type TokenFromOptions, tokenFrom } from 'aws-framework';
import { createAuthorizerEvent, createConnectEvent } from 'aws-framework/testing';
import { describe, expect, it } from 'vitest';

describe('tokenFrom', () => {
  it('reads a query string parameter', () => {
    const event = createAuthorizerEvent({ queryStringParameters: { token: 'q-token' } });

    expect(tokenFrom(event, { query: 'token' })).toBe('q-token');
  });

  it('reads a header by name, whatever its case, stripping a Bearer prefix in any case', () => {
    for (const [name, value] of [
      ['Authorization', 'Bearer h-token'],
      ['authorization', 'bearer h-token'],
      ['AUTHORIZATION', 'BEARER   h-token'],
      ['Authorization', 'h-token'],
    ]) {
      const event = createAuthorizerEvent({ headers: { [name as string]: value } });
      expect(tokenFrom(event, { header: 'Authorization' })).toBe('h-token');
    }
  });

  it('reads a custom header as is', () => {
    const event = createAuthorizerEvent({ headers: { 'X-Api-Token': 'abc' } });

    expect(tokenFrom(event, { header: 'x-api-token' })).toBe('abc');
  });

  it('reads the entry after the marker in Sec-WebSocket-Protocol, trimmed', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln';
    const event = createAuthorizerEvent({
      headers: { 'Sec-WebSocket-Protocol': `chat,  access_token , ${jwt}` },
    });

    expect(tokenFrom(event, { protocol: 'access_token' })).toBe(jwt);
  });

  it('reads the protocol list across repeated Sec-WebSocket-Protocol headers', () => {
    const event = createAuthorizerEvent({
      headers: { 'sec-websocket-protocol': 'access_token' },
      multiValueHeaders: { 'sec-websocket-protocol': ['access_token', 'p-token'] },
    });

    expect(tokenFrom(event, { protocol: 'access_token' })).toBe('p-token');
  });

  it('tries query, then header, then protocol', () => {
    const all = createAuthorizerEvent({
      queryStringParameters: { token: 'from-query' },
      headers: {
        Authorization: 'Bearer from-header',
        'Sec-WebSocket-Protocol': 'access_token, from-protocol',
      },
    });
    const sources: TokenFromOptions = { query: 'token', header: 'Authorization', protocol: 'access_token' };

    expect(tokenFrom(all, sources)).toBe('from-query');
    expect(tokenFrom({ ...all, queryStringParameters: {} }, sources)).toBe('from-header');
    expect(
      tokenFrom(
        {
          ...all,
          queryStringParameters: null,
          multiValueHeaders: {},
          headers: { 'Sec-WebSocket-Protocol': 'access_token, from-protocol' },
        },
        sources,
      ),
    ).toBe('from-protocol');
  });

  it('counts empty values as missing and moves on', () => {
    const event = createAuthorizerEvent({
      queryStringParameters: { token: '' },
      headers: { Authorization: 'Bearer ', 'Sec-WebSocket-Protocol': 'access_token, p-token' },
    });

    expect(tokenFrom(event, { query: 'token', header: 'Authorization', protocol: 'access_token' })).toBe(
      'p-token',
    );
    expect(tokenFrom(event, { query: 'token', header: 'Authorization' })).toBeUndefined();
  });

  it('answers undefined when there is no token', () => {
    const sources = { query: 'token', header: 'Authorization', protocol: 'access_token' };

    expect(tokenFrom(createAuthorizerEvent(), sources)).toBeUndefined();
    // The marker is the last protocol: nothing follows it.
    expect(
      tokenFrom(
        createAuthorizerEvent({ headers: { 'Sec-WebSocket-Protocol': 'chat, access_token' } }),
        sources,
      ),
    ).toBeUndefined();
    expect(
      tokenFrom(createAuthorizerEvent({ headers: { 'Sec-WebSocket-Protocol': 'chat, other' } }), sources),
    ).toBeUndefined();
    // No query string at all, as on a $connect event.
    expect(tokenFrom(createConnectEvent(), sources)).toBeUndefined();
    expect(tokenFrom({}, sources)).toBeUndefined();
  });

  it('never finds what Object.prototype has', () => {
    const event = createAuthorizerEvent();

    expect(tokenFrom(event, { query: 'constructor' })).toBeUndefined();
    expect(tokenFrom(event, { query: 'toString', header: '__proto__' })).toBeUndefined();
  });

  it('reads a $connect integration event too', () => {
    const event = createConnectEvent({ queryStringParameters: { token: 't' } });

    expect(tokenFrom(event, { query: 'token' })).toBe('t');
  });

  it.each([
    ['no source', {}],
    ['an unknown source', { cookie: 'session' }],
    ['an empty name', { query: '' }],
    ['a name that is not a string', { header: 42 }],
  ])('throws a TypeError for %s', (_, sources) => {
    expect(() => tokenFrom(createAuthorizerEvent(), sources as TokenFromOptions)).toThrow(TypeError);
  });
});
