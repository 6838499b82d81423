// Headless Chromium driven over the DevTools protocol with Node's own WebSocket: enough to open a
// page and evaluate expressions in it, with no browser-automation dependency.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const CHROMIUM = '/usr/bin/chromium';

export interface ChromiumPage {
  /** Evaluates `expression` in the page, awaiting a promise, and returns its value as JSON. */
  evaluate<T = unknown>(expression: string): Promise<T>;
  /** Uncaught exceptions the page threw. */
  readonly errors: string[];
}

export interface Chromium {
  open(url: string): Promise<ChromiumPage>;
  close(): Promise<void>;
}

interface DevToolsMessage {
  id?: number;
  method?: string;
  sessionId?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

function devToolsUrl(child: ChildProcess, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`chromium did not start within ${ms} ms: ${output}`)),
      ms,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`chromium exited (${code}): ${output}`)));
  });
}

export async function launchChromium(ms = 10_000): Promise<Chromium> {
  const profile = await mkdtemp(path.join(tmpdir(), 'client-chromium-'));
  const child = spawn(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const socket = new WebSocket(await devToolsUrl(child, ms));
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error('could not reach the DevTools endpoint'));
  });
  let lastId = 0;
  const calls = new Map<
    number,
    { resolve(result: Record<string, unknown>): void; reject(error: Error): void }
  >();
  const sessions = new Map<string, (message: DevToolsMessage) => void>();
  socket.onmessage = ({ data }) => {
    const message = JSON.parse(String(data)) as DevToolsMessage;
    const call = message.id === undefined ? undefined : calls.get(message.id);
    if (call) {
      calls.delete(message.id as number);
      if (message.error) call.reject(new Error(message.error.message));
      else call.resolve(message.result ?? {});
    } else if (message.sessionId) sessions.get(message.sessionId)?.(message);
  };
  const command = (method: string, params: Record<string, unknown> = {}, sessionId?: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = ++lastId;
      calls.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params, sessionId }));
    });

  return {
    async open(url) {
      const { targetId } = await command('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = (await command('Target.attachToTarget', { targetId, flatten: true })) as {
        sessionId: string;
      };
      const errors: string[] = [];
      const loaded: (() => void)[] = [];
      sessions.set(sessionId, (message) => {
        if (message.method === 'Runtime.exceptionThrown') {
          const details = message.params?.exceptionDetails as {
            exception?: { description?: string };
            text: string;
          };
          errors.push(details.exception?.description ?? details.text);
        }
        if (message.method === 'Page.loadEventFired') for (const resolve of loaded.splice(0)) resolve();
      });
      await command('Runtime.enable', {}, sessionId);
      await command('Page.enable', {}, sessionId);
      const load = new Promise<void>((resolve) => loaded.push(resolve));
      await command('Page.navigate', { url }, sessionId);
      await load;
      return {
        errors,
        async evaluate<T>(expression: string): Promise<T> {
          const { result, exceptionDetails } = (await command(
            'Runtime.evaluate',
            { expression, awaitPromise: true, returnByValue: true },
            sessionId,
          )) as {
            result: { value?: T };
            exceptionDetails?: { exception?: { description?: string }; text: string };
          };
          if (exceptionDetails) {
            throw new Error(
              `in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`,
            );
          }
          return result.value as T;
        },
      };
    },
    async close() {
      await command('Browser.close').catch(() => {});
      socket.close();
      if (child.exitCode === null) {
        await new Promise((resolve) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve(undefined);
          }, 3_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve(undefined);
          });
        });
      }
      await rm(profile, { recursive: true, force: true });
    },
  };
}
