// Opening a connection: what $connect sees, how it refuses, subprotocols, and the HTTP face of
// the WebSocket URL.
import { describe, expect, it } from 'vitest';
import { ID, RefusedError, rejectionOf, useTarget, withQuery } from './support.js';

const conformance = useTarget();

describe('$connect', () => {
  it('sees the query string and the request headers (it accepts only when the named header came)', async () => {
    const url = withQuery(conformance.target.url, { header: 'X-Conformance-Check', value: 'v-42' });
    const client = await conformance.open(url, { headers: { 'X-Conformance-Check': 'v-42' } });
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });

  it('refuses with the 400 it returned when the header it looks for is missing or differs', async () => {
    const url = withQuery(conformance.target.url, { header: 'X-Conformance-Check', value: 'v-42' });
    const missing = await rejectionOf<RefusedError>(conformance.open(url), 'a handshake without the header');
    expect(missing).toBeInstanceOf(RefusedError);
    expect(missing.status).toBe(400);
    const differs = await rejectionOf<RefusedError>(
      conformance.open(url, { headers: { 'X-Conformance-Check': 'other' } }),
      'a handshake with another value',
    );
    expect(differs.status).toBe(400);
  });

  it.each([401, 403])('refuses the upgrade with the %i its result carries', async (status) => {
    const url = withQuery(conformance.target.url, { refuse: String(status) });
    const refusal = await rejectionOf<RefusedError>(
      conformance.open(url),
      `a handshake refused with ${status}`,
    );
    expect(refusal).toBeInstanceOf(RefusedError);
    expect(refusal.status).toBe(status);
  });

  it('refuses the upgrade with 502 when the $connect Lambda throws', async () => {
    const url = withQuery(conformance.target.url, { throw: '1' });
    const refusal = await rejectionOf<RefusedError>(
      conformance.open(url),
      'a handshake whose $connect throws',
    );
    expect(refusal).toBeInstanceOf(RefusedError);
    expect(refusal.status).toBe(502);
  });

  it('gives the connection an ID of 15 URL-safe characters and =', async () => {
    const client = await conformance.open(conformance.target.url);
    expect(await client.connectionId()).toMatch(ID);
  });

  it('gives every connection its own ID', async () => {
    const a = await conformance.open(conformance.target.url);
    const b = await conformance.open(conformance.target.url);
    expect(await a.connectionId()).not.toBe(await b.connectionId());
  });
});

describe('subprotocols', () => {
  it('selects the subprotocol the $connect result names in Sec-WebSocket-Protocol', async () => {
    const url = withQuery(conformance.target.url, { protocol: 'conformance.v2' });
    const client = await conformance.open(url, { protocols: ['conformance.v1', 'conformance.v2'] });
    expect(client.ws.protocol).toBe('conformance.v2');
  });

  it('selects none when the $connect result names none, so a client that offered some fails the handshake', async () => {
    const error = await rejectionOf<Error>(
      conformance.open(conformance.target.url, { protocols: ['conformance.v1', 'conformance.v2'] }),
      'a handshake offering subprotocols that $connect does not select',
    );
    expect(error).not.toBeInstanceOf(RefusedError);
    // `ws` aborts the handshake itself, as browsers do, when the 101 answer names no offered protocol.
    expect(error.message).toMatch(/Server sent no subprotocol/);
  });

  it('sends no Sec-WebSocket-Protocol when the client offered none', async () => {
    const client = await conformance.open(conformance.target.url);
    expect(client.ws.protocol).toBe('');
  });
});

describe('the WebSocket URL over plain HTTP', () => {
  it('answers 426 Upgrade Required to a GET without an upgrade', async () => {
    const url = new URL(conformance.target.url);
    url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    expect(response.status).toBe(426);
  });
});
