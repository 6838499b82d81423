import { createAuthorizerEvent } from 'aws-framework/testing';
import { describe, expect, it } from 'vitest';

const AWS_ID = /^[A-Za-z0-9_-]{15}=$/;

describe('createAuthorizerEvent', () => {
  it('builds the REQUEST event API Gateway gives a WebSocket authorizer on $connect', () => {
    const event = createAuthorizerEvent();

    expect(event.type).toBe('REQUEST');
    expect(event.methodArn).toBe('arn:aws:execute-api:eu-west-1:123456789012:abc123defg/prod/$connect');
    expect(event.requestContext).toMatchObject({
      routeKey: '$connect',
      eventType: 'CONNECT',
      messageDirection: 'IN',
      stage: 'prod',
      apiId: 'abc123defg',
      domainName: 'abc123defg.execute-api.eu-west-1.amazonaws.com',
      identity: { sourceIp: '203.0.113.10' },
    });
    expect(event.requestContext.connectionId).toMatch(AWS_ID);
    expect(event.requestContext.extendedRequestId).toBe(event.requestContext.requestId);
    expect(event.headers).toMatchObject({
      Host: 'abc123defg.execute-api.eu-west-1.amazonaws.com',
      'Sec-WebSocket-Version': '13',
      'X-Forwarded-For': '203.0.113.10',
      'X-Forwarded-Proto': 'https',
    });
    expect(event.multiValueHeaders.Host).toEqual([event.headers.Host]);
    expect(event.queryStringParameters).toEqual({});
    expect(event.multiValueQueryStringParameters).toEqual({});
    expect(event.stageVariables).toEqual({});
    expect(event).not.toHaveProperty('body');
  });

  it('writes the method ARN and headers from the final request context', () => {
    const event = createAuthorizerEvent({
      requestContext: { apiId: 'zyx987wvut', stage: 'dev', identity: { sourceIp: '198.51.100.7' } },
    });

    expect(event.methodArn).toBe('arn:aws:execute-api:eu-west-1:123456789012:zyx987wvut/dev/$connect');
    expect(event.headers['X-Forwarded-For']).toBe('198.51.100.7');
    expect(event.requestContext.identity.userAgent).toBeTruthy();
  });

  it('derives the multi-value query and headers from overridden single values', () => {
    const event = createAuthorizerEvent({
      queryStringParameters: { token: 'abc', room: 'lobby' },
      headers: { Authorization: 'Bearer abc' },
    });

    expect(event.multiValueQueryStringParameters).toEqual({ token: ['abc'], room: ['lobby'] });
    expect(event.headers).toEqual({ Authorization: 'Bearer abc' });
    expect(event.multiValueHeaders).toEqual({ Authorization: ['Bearer abc'] });
  });

  it('takes an explicit methodArn and multi-value fields as given', () => {
    const event = createAuthorizerEvent({
      methodArn: 'arn:aws:execute-api:us-east-1:111111111111:api/stage/$connect',
      queryStringParameters: { a: '2' },
      multiValueQueryStringParameters: { a: ['1', '2'] },
    });

    expect(event.methodArn).toBe('arn:aws:execute-api:us-east-1:111111111111:api/stage/$connect');
    expect(event.multiValueQueryStringParameters).toEqual({ a: ['1', '2'] });
  });

  it('makes a new connection and request for each event', () => {
    const a = createAuthorizerEvent();
    const b = createAuthorizerEvent();

    expect(a.requestContext.connectionId).not.toBe(b.requestContext.connectionId);
    expect(a.requestContext.requestId).not.toBe(b.requestContext.requestId);
  });
});
