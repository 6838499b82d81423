// The client in Chromium: a page bundled with esbuild (the client and the test contract), served
// from a temporary folder by the local gateway, talking to the gateway's WebSocket API.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, type Chromium, type ChromiumPage, launchChromium } from './clientChromium.js';
import { deleteConnection, type Gateway, ServerLog, startGateway, WAIT_MS } from './clientGateway.js';
import { testHandler } from './clientServer.js';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) {
  throw new Error(
    `client.browser.test.ts: ${CHROMIUM} is missing; CI must install Debian's chromium package`,
  );
}
if (!haveChromium) console.warn(`client.browser.test.ts: skipped, ${CHROMIUM} not found`);

const source = (file: string) => JSON.stringify(fileURLToPath(new URL(file, import.meta.url)));

// The page's script: the client on the window, with what it saw recorded for the test to read.
const PAGE_ENTRY = `
import { createClient } from ${source('../src/client/index.ts')};
import { testContract } from ${source('./clientContract.ts')};

window.connect = (url) => {
  const seen = { statuses: [], shouted: [] };
  const client = createClient(testContract, { url, reconnect: { initialDelayMs: 100 } });
  client.onStatus((status, error) => seen.statuses.push(error ? status + ': ' + error.code : status));
  client.on('shouted', ({ text }) => seen.shouted.push(text));
  return { client, seen };
};
window.until = (check, what) =>
  new Promise((resolve, reject) => {
    const deadline = Date.now() + ${WAIT_MS};
    const poll = () => {
      if (check()) resolve(true);
      else if (Date.now() > deadline) reject(new Error('timed out waiting for ' + what));
      else setTimeout(poll, 10);
    };
    poll();
  });
`;

describe.skipIf(!haveChromium)('the client in Chromium', () => {
  let folder: string;
  let gateway: Gateway;
  let chromium: Chromium;
  let page: ChromiumPage;
  const log = new ServerLog();

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'client-page-'));
    await writeFile(path.join(folder, 'entry.js'), PAGE_ENTRY);
    await esbuild.build({
      entryPoints: [path.join(folder, 'entry.js')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'chrome120',
      outfile: path.join(folder, 'page.js'),
      logLevel: 'silent',
    });
    await writeFile(
      path.join(folder, 'index.html'),
      '<!doctype html><title>client</title><script type="module" src="page.js"></script>',
    );
    gateway = await startGateway({ handler: testHandler(log), staticDir: folder });
    chromium = await launchChromium();
    page = await chromium.open(`http://127.0.0.1:${gateway.port}/index.html`);
    await page.evaluate(`until(() => typeof window.connect === 'function', 'the page script')`);
  }, 20_000);

  afterAll(async () => {
    await page?.evaluate('window.first?.client.close(); window.refused?.client.close()').catch(() => {});
    await chromium?.close();
    await gateway?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  }, 15_000);

  it('connects and answers a request with its reply', async () => {
    await page.evaluate(`window.first = connect(${JSON.stringify(gateway.url)})`);
    await expect(page.evaluate(`first.client.request('echo', { text: 'from chromium' })`)).resolves.toEqual({
      text: 'from chromium',
    });
    expect(await page.evaluate('first.seen.statuses')).toEqual(['open']);
  });

  it('delivers an event to its listener', async () => {
    await page.evaluate(`first.client.send('shout', { text: 'hello' })`);
    await page.evaluate(`until(() => first.seen.shouted.length === 1, 'the shouted event')`);
    expect(await page.evaluate('first.seen.shouted')).toEqual(['HELLO']);
  });

  it('reconnects after a management API DELETE and serves on', async () => {
    const [connectionId] = log.connectionIds();
    await deleteConnection(gateway, connectionId as string);
    await page.evaluate(`until(() => first.seen.statuses.length === 3, 'reconnecting, then open')`);
    expect(await page.evaluate('first.seen.statuses')).toEqual([
      'open',
      'reconnecting: connection-lost',
      'open',
    ]);
    await expect(page.evaluate(`first.client.request('echo', { text: 'again' })`)).resolves.toEqual({
      text: 'again',
    });
    const ids = log.connectionIds();
    expect(ids).toHaveLength(2);
    expect(log.actions().at(-1)?.connectionId).toBe(ids[1]);
  });

  it('refuses a frame over 32 KB before sending it, and the connection stays open', async () => {
    const refused = await page.evaluate(`(() => {
      try {
        first.client.send('note', { text: 'a'.repeat(40000) });
      } catch (error) {
        return [error.name, error.code, error.message];
      }
    })()`);
    expect(refused).toEqual([
      'ClientError',
      'frame-too-large',
      '"note" is over API Gateway\'s 32 KB frame limit (32768 bytes), which would close the connection (1009)',
    ]);
    await expect(page.evaluate(`first.client.request('echo', { text: 'still' })`)).resolves.toEqual({
      text: 'still',
    });
    expect(await page.evaluate('first.client.status')).toBe('open');
  });

  it('stops after a few handshakes refused by $connect (401), reporting refused', async () => {
    const before = log.connectionIds().length;
    await page.evaluate(`window.refused = connect(${JSON.stringify(`${gateway.url}?refuse`)})`);
    await page.evaluate(`until(() => refused.client.status === 'closed', 'the client to give up')`);
    expect(await page.evaluate('refused.seen.statuses')).toEqual(['closed: refused']);
    // A browser makes one handshake per attempt (Node's WebSocket repeats one answered 401).
    expect(log.connectionIds().length - before).toBe(4);
    expect(page.errors).toEqual([]);
  });
});
