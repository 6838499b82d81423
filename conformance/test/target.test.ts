// Reading the target from the environment: local by default, a deployed stage with both variables.
import { describe, expect, it } from 'vitest';
import { readTargetConfig } from '../target.js';

const STAGE = 'abc123defg.execute-api.eu-west-1.amazonaws.com/prod';

describe('readTargetConfig', () => {
  it('is local mode with no variables, or only empty ones', () => {
    expect(readTargetConfig({})).toEqual({ mode: 'local' });
    expect(readTargetConfig({ CONFORMANCE_URL: '', CONFORMANCE_ENDPOINT: '' })).toEqual({ mode: 'local' });
  });

  it('is aws mode with the URL and endpoint, the region read from the execute-api host', () => {
    expect(
      readTargetConfig({
        CONFORMANCE_URL: `wss://${STAGE}`,
        CONFORMANCE_ENDPOINT: `https://${STAGE}/`,
        CONFORMANCE_URL_NO_DEFAULT: 'wss://zyx987.execute-api.eu-west-1.amazonaws.com/prod',
        AWS_REGION: 'us-east-2',
      }),
    ).toEqual({
      mode: 'aws',
      url: `wss://${STAGE}`,
      endpoint: `https://${STAGE}`,
      noDefaultUrl: 'wss://zyx987.execute-api.eu-west-1.amazonaws.com/prod',
      region: 'eu-west-1',
    });
  });

  it('leaves the API without $default unset when its variable is', () => {
    const config = readTargetConfig({
      CONFORMANCE_URL: `wss://${STAGE}`,
      CONFORMANCE_ENDPOINT: `https://${STAGE}`,
    });
    expect(config).toMatchObject({ mode: 'aws', noDefaultUrl: undefined });
  });

  it('takes the region from AWS_REGION for a custom domain, and refuses to guess without it', () => {
    const custom = {
      CONFORMANCE_URL: 'wss://ws.example.com',
      CONFORMANCE_ENDPOINT: 'https://api.example.com/prod',
    };
    expect(readTargetConfig({ ...custom, AWS_REGION: 'ap-south-1' })).toMatchObject({ region: 'ap-south-1' });
    expect(() => readTargetConfig(custom)).toThrow(/names no region.*AWS_REGION/);
  });

  it('accepts ws:// and http://, for a local gateway standing in for a stage', () => {
    expect(
      readTargetConfig({
        CONFORMANCE_URL: 'ws://127.0.0.1:3001/local',
        CONFORMANCE_ENDPOINT: 'http://127.0.0.1:3001/local',
      }),
    ).toEqual({
      mode: 'aws',
      url: 'ws://127.0.0.1:3001/local',
      endpoint: 'http://127.0.0.1:3001/local',
      noDefaultUrl: undefined,
      region: 'us-east-1',
    });
  });

  const invalid: Array<[string, Record<string, string>, RegExp]> = [
    ['the URL without the endpoint', { CONFORMANCE_URL: `wss://${STAGE}` }, /CONFORMANCE_ENDPOINT is not/],
    ['the endpoint without the URL', { CONFORMANCE_ENDPOINT: `https://${STAGE}` }, /CONFORMANCE_URL is not/],
    [
      'only the URL of the API without $default',
      { CONFORMANCE_URL_NO_DEFAULT: `wss://${STAGE}` },
      /CONFORMANCE_URL_NO_DEFAULT needs/,
    ],
    [
      'an https:// URL',
      { CONFORMANCE_URL: `https://${STAGE}`, CONFORMANCE_ENDPOINT: `https://${STAGE}` },
      /CONFORMANCE_URL must start with wss:\/\/ or ws:\/\//,
    ],
    [
      'a wss:// endpoint',
      { CONFORMANCE_URL: `wss://${STAGE}`, CONFORMANCE_ENDPOINT: `wss://${STAGE}` },
      /CONFORMANCE_ENDPOINT must start with https:\/\/ or http:\/\//,
    ],
    [
      'a URL that is not one',
      { CONFORMANCE_URL: 'abc123defg', CONFORMANCE_ENDPOINT: `https://${STAGE}` },
      /CONFORMANCE_URL is not a URL/,
    ],
    [
      'an https:// URL for the API without $default',
      {
        CONFORMANCE_URL: `wss://${STAGE}`,
        CONFORMANCE_ENDPOINT: `https://${STAGE}`,
        CONFORMANCE_URL_NO_DEFAULT: `https://${STAGE}`,
      },
      /CONFORMANCE_URL_NO_DEFAULT must start with wss:\/\//,
    ],
  ];
  it.each(invalid)('is an error naming the variable for %s', (_, env, message) => {
    expect(() => readTargetConfig(env)).toThrow(message);
  });
});
