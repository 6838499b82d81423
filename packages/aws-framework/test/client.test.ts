import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoff } from '../src/client/backoff.js';
import { ClientError, ClientRequestError, createClient, OptionsError } from '../src/client/index.js';
import { testContract } from './clientServer.js';

// Nothing listens here: a client made in these tests fails its handshakes and is closed at once.
const url = 'ws://127.0.0.1:9/nowhere';

describe('backoff', () => {
  it('waits a random time from 0 up to initialDelayMs doubled per attempt (full jitter)', () => {
    expect(backoff(0, 500, 30_000, () => 0)).toBe(0);
    expect(backoff(0, 500, 30_000, () => 0.999)).toBe(499);
    expect(backoff(1, 500, 30_000, () => 0.5)).toBe(500);
    expect(backoff(3, 500, 30_000, () => 0.5)).toBe(2_000);
  });

  it('caps the wait at maxDelayMs however many attempts failed', () => {
    expect(backoff(10, 500, 30_000, () => 0.999)).toBe(29_970);
    expect(backoff(1_000, 500, 30_000, () => 0.999)).toBe(29_970);
  });
});

describe('createClient options', () => {
  const make = (options: Record<string, unknown>) => () =>
    // biome-ignore lint/suspicious/noExplicitAny: options a caller without types could pass
    createClient(testContract, { url, ...options } as any).close();

  it('throws a TypeError naming an unknown option, here and under reconnect', () => {
    expect(make({ heartbeat: 1 })).toThrow(
      expect.objectContaining({ name: 'OptionsError', message: 'createClient: unknown option "heartbeat"' }),
    );
    expect(make({ reconnect: { delay: 1 } })).toThrow(
      expect.objectContaining({
        name: 'OptionsError',
        message: 'createClient: unknown option "reconnect.delay"',
      }),
    );
    expect(make({ heartbeat: 1 })).toThrow(TypeError);
  });

  it('throws a TypeError for a limit that is not a positive number', () => {
    expect(make({ requestTimeoutMs: 0 })).toThrow(
      new OptionsError(
        'createClient',
        'requestTimeoutMs',
        'createClient: option "requestTimeoutMs" must be a positive number, got 0',
      ),
    );
    expect(make({ heartbeatMs: -1 })).toThrow('option "heartbeatMs" must be a positive number, got -1');
    expect(make({ reconnect: { maxDelayMs: Number.NaN } })).toThrow(
      'option "reconnect.maxDelayMs" must be a positive number',
    );
    expect(make({ queueLimit: '5' })).toThrow('createClient: option "queueLimit" must be a number');
    expect(make({ queueLimit: 0 })).toThrow('option "queueLimit" must be a positive number, got 0');
  });

  it('throws a TypeError for a missing url or a contract that is not one', () => {
    expect(make({ url: undefined })).toThrow(
      new OptionsError(
        'createClient',
        'url',
        'createClient: option "url" is required: a string or a function returning one',
      ),
    );
    expect(make({ url: 42 })).toThrow(
      expect.objectContaining({
        name: 'OptionsError',
        option: 'url',
        message: 'createClient: option "url" must be a string or a function',
      }),
    );
    // biome-ignore lint/suspicious/noExplicitAny: a caller without types
    expect(() => createClient({} as any, { url })).toThrow(
      'createClient: contract must be a contract from defineContract({ actions, events })',
    );
  });

  it('throws a TypeError for a duration longer than timers run (2^31 - 1 ms), which would fire at once', () => {
    expect(make({ heartbeatMs: Number.POSITIVE_INFINITY })).toThrow(
      new OptionsError(
        'createClient',
        'heartbeatMs',
        'createClient: option "heartbeatMs" must be at most 2147483647 ms, got Infinity',
      ),
    );
    expect(make({ maxConnectionMs: 2 ** 31 })).toThrow(
      'option "maxConnectionMs" must be at most 2147483647 ms',
    );
  });

  it("rejects a request whose timeoutMs is not a timer's duration, with a TypeError", async () => {
    const client = createClient(testContract, { url, reconnect: false });
    await expect(client.request('echo', { text: 'x' }, { timeoutMs: 0 })).rejects.toThrow(
      new OptionsError(
        'createClient',
        'timeoutMs',
        'createClient: option "timeoutMs" must be a positive number, got 0',
      ),
    );
    client.close();
  });

  it('accepts heartbeatMs: false, reconnect: false and refusedAfter: Infinity', () => {
    expect(make({ heartbeatMs: false, reconnect: false })).not.toThrow();
    expect(make({ reconnect: { refusedAfter: Number.POSITIVE_INFINITY } })).not.toThrow();
  });

  it('throws a TypeError for an action the contract does not have', () => {
    const client = createClient(testContract, { url });
    // biome-ignore lint/suspicious/noExplicitAny: a caller without types
    expect(() => client.send('nope' as any, {})).toThrow(
      new TypeError('createClient: "nope" is not an action of the contract'),
    );
    // biome-ignore lint/suspicious/noExplicitAny: a caller without types
    expect(() => client.send('toString' as any, {})).toThrow('"toString" is not an action of the contract');
    client.close();
  });
});

/** A WebSocket whose every move the test makes: opening, closing, and what was sent. */
class FakeWebSocket {
  static made: FakeWebSocket[] = [];
  readyState = 0;
  readonly sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;

  constructor(readonly url: string) {
    FakeWebSocket.made.push(this);
  }

  send(data: string): void {
    // As a browser does: a socket that is closing drops what is sent, without an error.
    if (this.readyState === 1) this.sent.push(data);
  }

  close(): void {
    this.readyState = 2;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }

  closedByServer(code = 1001): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

describe('createClient on a scripted WebSocket', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    FakeWebSocket.made = [];
  });

  it('queues what is sent while the connection is closing, and sends it on the next one', async () => {
    vi.stubGlobal('WebSocket', FakeWebSocket);
    const client = createClient(testContract, { url, reconnect: { initialDelayMs: 1 } });
    await vi.waitUntil(() => FakeWebSocket.made.length === 1);
    const first = FakeWebSocket.made[0] as FakeWebSocket;
    first.open();
    // The server's close frame has come, its close event not yet.
    first.readyState = 2;
    client.send('note', { text: 'in between' });
    expect(first.sent).toEqual([]);

    first.closedByServer();
    await vi.waitUntil(() => FakeWebSocket.made.length === 2);
    const second = FakeWebSocket.made[1] as FakeWebSocket;
    second.open();
    expect(second.sent).toEqual(['{"action":"note","payload":{"text":"in between"}}']);
    client.close();
  });
});

describe('the client errors', () => {
  it('ClientError carries a code and a cause; ClientRequestError a status and issues', () => {
    const cause = new Error('why');
    const error = new ClientError('refused', 'refused', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'ClientError', code: 'refused', cause });
    const reply = new ClientRequestError(422, 'Invalid message', [{ path: ['text'], message: 'Required' }]);
    expect(reply).toMatchObject({ name: 'ClientRequestError', status: 422, message: 'Invalid message' });
    expect(reply.issues).toEqual([{ path: ['text'], message: 'Required' }]);
  });
});

describe('the published aws-framework/client', () => {
  it('exports createClient and its two errors from the built entry point', async () => {
    const exampleDir = fileURLToPath(new URL('../../../examples/echo/', import.meta.url));
    const script =
      "const m = await import('aws-framework/client'); console.log(JSON.stringify(Object.keys(m).sort()));";
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: exampleDir,
    });
    expect(JSON.parse(stdout)).toEqual(['ClientError', 'ClientRequestError', 'OptionsError', 'createClient']);
  });

  it('bundles from its own folder only: no dependency, nothing of the server', async () => {
    const result = await esbuild.build({
      entryPoints: [fileURLToPath(new URL('../src/client/index.ts', import.meta.url))],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.length).toBeGreaterThan(0);
    for (const input of inputs)
      expect(input).toMatch(
        /packages\/aws-framework\/src\/(client\/[^/]+|options\/(OptionsError|validateOptions))\.ts$/,
      );
  });
});
