import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createConnectEvent, createLambdaContext, createMessageEvent } from 'aws-framework/testing';
import { describe, expect, it } from 'vitest';
import { handler } from '../src/handler.js';

describe('echo example', () => {
  it('echoes the text through the route response', async () => {
    const result = await handler(createMessageEvent({ action: 'echo', text: 'hi' }), createLambdaContext());
    expect(result).toEqual({ statusCode: 200, body: '{"echo":"hi"}' });
  });

  it('accepts a $connect', async () => {
    expect(await handler(createConnectEvent(), createLambdaContext())).toEqual({ statusCode: 200 });
  });

  it('tells the client what it accepts when the action is unknown', async () => {
    const result = await handler(createMessageEvent({ action: 'dance' }), createLambdaContext());
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body ?? '')).toEqual({ message: expect.stringContaining('"action":"echo"') });
  });

  it('runs the sample events end to end and prints every result', async () => {
    const script = fileURLToPath(new URL('../src/runSampleEvents.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../../node_modules/tsx/dist/cli.mjs', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [tsx, script], { timeout: 30_000 });
    expect(stdout).toContain('echo            -> {"statusCode":200,"body":"{\\"echo\\":\\"hello\\"}"}');
    expect(stdout).toMatch(/pushed: POST \/local\/@connections\/Ls5cXfD2IAMCJ8g%3D \{"shout":"HELLO"\}/);
    expect(stdout).toContain('not JSON        -> {"statusCode":422');
  });
});
