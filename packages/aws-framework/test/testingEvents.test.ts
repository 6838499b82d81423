import { createConnectEvent, createDisconnectEvent, createMessageEvent } from 'aws-framework/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.useRealTimers();
});

// API Gateway's IDs, e.g. "JC1dgf9yoAMCK-g=": 15 base64url characters and a trailing '='.
const AWS_ID = /^[A-Za-z0-9_-]{15}=$/;

const builders = [
  ['createConnectEvent', () => createConnectEvent()],
  ['createMessageEvent', () => createMessageEvent({ action: 'sendMessage' })],
  ['createDisconnectEvent', () => createDisconnectEvent()],
] as const;

describe('the event builders of aws-framework/testing', () => {
  it.each(builders)('%s makes connection and request IDs shaped like API Gateway’s', (_, build) => {
    for (let i = 0; i < 200; i++) {
      const { requestContext } = build();
      expect(requestContext.connectionId).toMatch(AWS_ID);
      expect(requestContext.requestId).toMatch(AWS_ID);
      expect(requestContext.extendedRequestId).toBe(requestContext.requestId);
    }
  });

  it('makes message IDs shaped like API Gateway’s', () => {
    for (let i = 0; i < 200; i++) {
      expect(createMessageEvent('hi').requestContext.messageId).toMatch(AWS_ID);
    }
  });

  it('makes a new connection ID and request ID for each event', () => {
    const a = createMessageEvent('hi').requestContext;
    const b = createMessageEvent('hi').requestContext;

    expect(a.connectionId).not.toBe(b.connectionId);
    expect(a.requestId).not.toBe(b.requestId);
  });

  it('keeps extendedRequestId equal to an overridden requestId unless it is overridden too', () => {
    const followed = createMessageEvent('hi', { requestContext: { requestId: 'FSDbRGQ8IAMFXpA=' } });
    const separate = createMessageEvent('hi', {
      requestContext: { requestId: 'FSDbRGQ8IAMFXpA=', extendedRequestId: 'other' },
    });

    expect(followed.requestContext.extendedRequestId).toBe('FSDbRGQ8IAMFXpA=');
    expect(separate.requestContext.extendedRequestId).toBe('other');
  });

  it.each([
    [Date.UTC(2015, 3, 9, 12, 34, 56), '09/Apr/2015:12:34:56 +0000'],
    [Date.UTC(2026, 0, 1, 0, 0, 0), '01/Jan/2026:00:00:00 +0000'],
    [Date.UTC(2026, 11, 31, 23, 59, 59, 999), '31/Dec/2026:23:59:59 +0000'],
    [Date.UTC(2026, 8, 5, 7, 8, 9), '05/Sep/2026:07:08:09 +0000'],
  ])('formats requestTime as API Gateway does (epoch %i -> %s)', (epochMs, requestTime) => {
    vi.useFakeTimers({ now: epochMs });

    const { requestContext } = createMessageEvent('hi');

    expect(requestContext.requestTime).toBe(requestTime);
    expect(requestContext.requestTimeEpoch).toBe(epochMs);
  });
});

describe('createConnectEvent', () => {
  const ADDED_BY_API_GATEWAY = [
    'X-Amzn-Trace-Id',
    'X-Forwarded-For',
    'X-Forwarded-Port',
    'X-Forwarded-Proto',
  ];

  it('carries the client’s headers and those API Gateway adds, in headers and multiValueHeaders', () => {
    const event = createConnectEvent();
    const { headers, multiValueHeaders, requestContext } = event;

    expect(Object.keys(headers ?? {}).sort()).toEqual(
      [
        'Host',
        'Sec-WebSocket-Extensions',
        'Sec-WebSocket-Key',
        'Sec-WebSocket-Version',
        'User-Agent',
        ...ADDED_BY_API_GATEWAY,
      ].sort(),
    );
    expect(headers).toMatchObject({
      Host: requestContext.domainName,
      'Sec-WebSocket-Version': '13',
      'User-Agent': requestContext.identity.userAgent,
      'X-Forwarded-For': requestContext.identity.sourceIp,
      'X-Forwarded-Port': '443',
      'X-Forwarded-Proto': 'https',
    });
    expect(multiValueHeaders).toStrictEqual(
      Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, [value]])),
    );
  });

  it('carries an X-Amzn-Trace-Id whose root holds the request’s epoch seconds in hex', () => {
    const { headers, requestContext } = createConnectEvent();
    const match = /^Root=1-([0-9a-f]{8})-[0-9a-f]{24}$/.exec(headers?.['X-Amzn-Trace-Id'] ?? '');

    expect(match).not.toBeNull();
    expect(Number.parseInt(match?.[1] ?? '', 16)).toBe(Math.floor(requestContext.requestTimeEpoch / 1000));
  });

  it('writes its headers from the overridden request context', () => {
    const { headers, multiValueHeaders } = createConnectEvent({
      requestContext: {
        domainName: 'localhost:3001',
        requestTimeEpoch: 1_000_000_000_000,
        identity: { sourceIp: '198.51.100.7', userAgent: 'probe/1' },
      },
    });

    expect(headers).toMatchObject({
      Host: 'localhost:3001',
      'User-Agent': 'probe/1',
      'X-Forwarded-For': '198.51.100.7',
      'X-Amzn-Trace-Id': expect.stringMatching(/^Root=1-3b9aca00-/),
    });
    expect(multiValueHeaders?.['X-Forwarded-For']).toEqual(['198.51.100.7']);
  });

  it('replaces the headers wholesale when they are overridden', () => {
    const event = createConnectEvent({ headers: { Authorization: 'Bearer t' } });

    expect(event.headers).toStrictEqual({ Authorization: 'Bearer t' });
  });
});

describe('createDisconnectEvent', () => {
  it('carries the headers API Gateway sends on a disconnect, in headers and multiValueHeaders', () => {
    const { headers, multiValueHeaders, requestContext } = createDisconnectEvent();

    expect(headers).toStrictEqual({
      Host: requestContext.domainName,
      'x-api-key': '',
      'X-Forwarded-For': '',
      'x-restapi': '',
    });
    expect(multiValueHeaders).toStrictEqual({
      Host: [requestContext.domainName],
      'x-api-key': [''],
      'X-Forwarded-For': [''],
      'x-restapi': [''],
    });
  });

  it('defaults to a client’s normal close: code 1000 and an empty reason', () => {
    const { requestContext } = createDisconnectEvent();

    expect(requestContext.disconnectStatusCode).toBe(1000);
    expect(requestContext.disconnectReason).toBe('');
  });

  it('takes the close code and reason a test passes, keeping the rest', () => {
    const { requestContext, headers } = createDisconnectEvent({
      requestContext: { disconnectStatusCode: 1001, disconnectReason: 'Going away', connectionId: 'abc=' },
    });

    expect(requestContext.disconnectStatusCode).toBe(1001);
    expect(requestContext.disconnectReason).toBe('Going away');
    expect(requestContext.connectionId).toBe('abc=');
    expect(requestContext.eventType).toBe('DISCONNECT');
    expect(headers?.Host).toBe(requestContext.domainName);
  });
});
