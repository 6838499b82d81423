// The chat page in a real browser: Debian's chromium driven by playwright-core, pages in browser
// contexts of their own (so separate users) on the local chat as `pnpm start` runs it: the page,
// bundled from page/chat.ts, and its sign-in on one port, the local gateway with the chat's
// $connect authorizer, its routes and the MOCK heartbeat route on another.
import { existsSync } from 'node:fs';
import { MemoryConnectionStore } from 'aws-framework';
import { type Browser, type BrowserContext, chromium, type Dialog, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, startLocalGateway } from '../../../packages/local-gateway/src/index.js';
import { CHAT_ROUTES, HEARTBEAT_ROUTE } from '../src/contract.js';
import { createChatAuthorizer } from '../src/createChatAuthorizer.js';
import { createChatHandler } from '../src/createChatHandler.js';
import { CHAT_IDENTITY_SOURCE } from '../src/issueChatToken.js';
import { type ChatPage, startChatPage } from '../src/startChatPage.js';
import { connectionIdsNamed, sleep, WAIT_MS, waitUntil, withTimeout } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const XSS = '<img src=x onerror=alert(1)>';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) {
  throw new Error(`browser.test.ts: ${CHROMIUM} is missing; CI must install Debian's chromium package`);
}
if (!haveChromium) console.warn(`browser.test.ts: skipped, ${CHROMIUM} not found (apt-get install chromium)`);

describe.skipIf(!haveChromium)('the chat page in chromium', () => {
  let browser: Browser;
  let gateway: LocalGateway;
  let chatPage: ChatPage;
  /** The same page, but its sign-in signs with a secret the gateway's authorizer does not know. */
  let refusedPage: ChatPage;
  const store = new MemoryConnectionStore();
  const contexts: BrowserContext[] = [];
  const dialogs: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // As serve.ts wires them: the sign-in and the authorizer share one development secret.
    const secret = 'the browser test development secret, 32+ bytes';
    gateway = await startLocalGateway({
      handler: createChatHandler(store),
      authorizer: { handler: createChatAuthorizer({ secret }), identitySource: CHAT_IDENTITY_SOURCE },
      routeKeys: CHAT_ROUTES.filter((key) => !key.startsWith('$')),
      mockRoutes: [HEARTBEAT_ROUTE],
      port: 0,
      logger: false,
    });
    chatPage = await startChatPage({ webSocketUrl: gateway.url, secret, port: 0 });
    refusedPage = await startChatPage({
      webSocketUrl: gateway.url,
      secret: 'a secret the gateway does not know, 32+ bytes',
      port: 0,
    });
    browser = await withTimeout(
      chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      }),
      10_000,
      'chromium to launch',
    );
  }, 30_000);

  afterAll(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await chatPage?.close();
    await refusedPage?.close();
    await gateway?.close();
  }, 15_000);

  const pageUrl = () => chatPage.url;

  async function openPage(label: string, url = pageUrl()): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on('dialog', (dialog: Dialog) => {
      dialogs.push(`${label}: ${dialog.type()} ${dialog.message()}`);
      void dialog.dismiss().catch(() => {});
    });
    page.on('pageerror', (error) => pageErrors.push(`${label}: ${error.message}`));
    await page.goto(url);
    return page;
  }

  /** Waits until `selector`'s text on `page` is exactly `text`. */
  async function waitForText(page: Page, selector: string, text: string, ms = WAIT_MS): Promise<void> {
    await expect
      .poll(() => page.textContent(selector), {
        timeout: ms,
        interval: 50,
        message: `${selector} to read "${text}"`,
      })
      .toBe(text);
  }

  async function joinAs(page: Page, name: string, room: string): Promise<void> {
    await page.fill('#name', name);
    await page.fill('#room', room);
    await page.click('#join button[type=submit]');
    await waitForText(page, '#status', `connected to ${room}`);
  }

  async function say(page: Page, message: string): Promise<void> {
    await page.fill('#message', message);
    await page.click('#send button[type=submit]');
  }

  /** The names in `page`'s member list. */
  function membersOf(page: Page): Promise<string[]> {
    return page.$$eval('#members li', (items) => items.map((li) => li.textContent ?? ''));
  }

  /** Waits until `page`'s member list is exactly `names`. */
  async function waitForMembers(page: Page, names: string[], ms = WAIT_MS): Promise<void> {
    await expect
      .poll(() => membersOf(page), { timeout: ms, interval: 50, message: `the member list to be ${names}` })
      .toEqual(names);
  }

  /** Waits until `page` shows the notice `text`, `count` times. */
  async function waitForNotice(page: Page, text: string, count = 1): Promise<void> {
    await expect
      .poll(() => page.locator('#messages li.notice', { hasText: text }).count(), {
        timeout: WAIT_MS,
        interval: 50,
        message: `the notice "${text}" ${count} time(s)`,
      })
      .toBe(count);
  }

  /** The chat lines shown on `page`, as [from, message]. */
  function linesOf(page: Page): Promise<[string | null, string | null][]> {
    return page.$$eval('#messages li.message', (items) =>
      items.map((li): [string | null, string | null] => [
        li.querySelector('.from')?.textContent ?? null,
        li.lastChild?.textContent ?? null,
      ]),
    );
  }

  /** Waits until a chat line `message` from `from` is shown on `page`. */
  async function waitForLine(page: Page, from: string, message: string): Promise<void> {
    await expect
      .poll(() => linesOf(page), {
        timeout: WAIT_MS,
        interval: 50,
        message: `"${from}: ${message}" on the page`,
      })
      .toContainEqual([from, message]);
  }

  let alicePage: Page;
  let bobPage: Page;

  it('lets two pages join a room and chat, showing the sender and who is in the room', async () => {
    alicePage = await openPage('alice');
    bobPage = await openPage('bob');
    expect(await alicePage.title()).toBe('aws-framework chat');
    expect(await alicePage.textContent('#status')).toBe('disconnected');
    expect(await alicePage.isDisabled('#message')).toBe(true);

    await joinAs(alicePage, 'alice', 'red');
    await waitForMembers(alicePage, ['alice']);
    await joinAs(bobPage, 'bob', 'red');
    expect(await bobPage.isEnabled('#message')).toBe(true);
    // bob asked who is here once connected; alice was told bob joined.
    await waitForMembers(bobPage, ['alice', 'bob']);
    await waitForMembers(alicePage, ['alice', 'bob']);
    await waitForNotice(alicePage, 'bob joined');

    await say(alicePage, 'hello bob');
    await waitForLine(bobPage, 'alice', 'hello bob');
    await waitForLine(alicePage, 'alice', 'hello bob');
    expect(await alicePage.inputValue('#message')).toBe('');

    await say(bobPage, 'hi alice');
    await waitForLine(alicePage, 'bob', 'hi alice');
  });

  it('shows a message with HTML in it as text, never as HTML', async () => {
    await say(alicePage, XSS);
    await waitForLine(bobPage, 'alice', XSS);
    await waitForLine(alicePage, 'alice', XSS);
    // Were it parsed as HTML, the image would fail to load and its onerror would alert: give it time.
    await sleep(300);
    for (const page of [alicePage, bobPage]) {
      expect(await page.textContent('#messages')).toContain(XSS);
      expect(await page.locator('#messages img').count()).toBe(0);
      expect((await linesOf(page)).at(-1)).toEqual(['alice', XSS]);
    }
    expect(dialogs).toEqual([]);
    await bobPage.screenshot({ path: '/tmp/chat-browser.png', fullPage: true });

    // The control: the same text put in as HTML does fire a dialog here, so the check above can fail.
    const context = await browser.newContext();
    contexts.push(context);
    const control = await context.newPage();
    await control.goto(pageUrl());
    const dialog = control.waitForEvent('dialog', { timeout: WAIT_MS });
    await control
      .locator('#messages')
      .evaluate((list, html) => list.insertAdjacentHTML('beforeend', html), XSS);
    const fired = await dialog;
    expect(fired.message()).toBe('1');
    await fired.dismiss();
    await context.close();
  });

  it('updates the member list when a tab in the room closes, and tells who left', async () => {
    const carolPage = await openPage('carol');
    await joinAs(carolPage, 'carol', 'red');
    await waitForMembers(carolPage, ['alice', 'bob', 'carol']);
    await waitForMembers(alicePage, ['alice', 'bob', 'carol']);
    await waitForMembers(bobPage, ['alice', 'bob', 'carol']);

    // Closing the tab closes its WebSocket; the gateway runs $disconnect, which tells the room.
    await carolPage.close();
    await waitForMembers(alicePage, ['alice', 'bob']);
    await waitForMembers(bobPage, ['alice', 'bob']);
    await waitForNotice(alicePage, 'carol left');
    await waitForNotice(bobPage, 'carol left');
    expect(await connectionIdsNamed(store, 'carol')).toEqual([]);
  });

  it('reconnects on its own after the connection is dropped', async () => {
    const [bobId] = await connectionIdsNamed(store, 'bob');
    expect(bobId).toBeDefined();
    // Every status the page shows from now on (a string, run in the page: this file has no DOM types).
    await bobPage.evaluate(`{
      const status = document.getElementById('status');
      window.statusLog = [];
      new MutationObserver(() => window.statusLog.push(status.textContent))
        .observe(status, { childList: true, characterData: true, subtree: true });
    }`);
    const response = await fetch(`${gateway.endpoint}/@connections/${encodeURIComponent(bobId as string)}`, {
      method: 'DELETE',
      signal: AbortSignal.timeout(WAIT_MS),
    });
    expect(response.status).toBe(204);

    // Dropped: the old connection leaves the store, then the page connects again by itself.
    await waitUntil(
      async () => (await store.get(bobId as string)) === undefined,
      "bob's old connection to go",
    );
    await waitForText(bobPage, '#status', 'connected to red', 8_000);
    expect(await bobPage.evaluate('window.statusLog')).toEqual(['reconnecting…', 'connected to red']);
    // alice saw bob leave and come back; bob's list is asked for again on the new connection.
    await waitForNotice(alicePage, 'bob left');
    await waitForNotice(alicePage, 'bob joined', 2);
    await waitForMembers(alicePage, ['alice', 'bob']);
    await waitForMembers(bobPage, ['alice', 'bob']);
    const newIds = await connectionIdsNamed(store, 'bob');
    expect(newIds).toHaveLength(1);
    expect(newIds[0]).not.toBe(bobId);
    expect(await bobPage.locator('#messages li.notice', { hasText: 'joined red as bob' }).count()).toBe(2);

    await say(alicePage, 'welcome back');
    await waitForLine(bobPage, 'alice', 'welcome back');
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 15_000);

  it('shows a connection the authorizer refuses as refused, and stops trying', async () => {
    const page = await openPage('mallory', refusedPage.url);
    await page.evaluate(`{
      const status = document.getElementById('status');
      window.statusLog = [];
      new MutationObserver(() => window.statusLog.push(status.textContent))
        .observe(status, { childList: true, characterData: true, subtree: true });
    }`);
    await page.fill('#name', 'mallory');
    await page.fill('#room', 'red');
    await page.click('#join button[type=submit]');
    // Each token is refused 401; after three handshakes in a row that never opened, the page gives up.
    await waitForText(page, '#status', 'refused', 8_000);
    expect(await page.evaluate('window.statusLog')).toEqual(['connecting…', 'refused']);
    expect(await page.locator('#messages li.error', { hasText: 'refused' }).count()).toBe(1);
    expect(await page.isDisabled('#message')).toBe(true);
    expect(await membersOf(page)).toEqual([]);
    expect(await connectionIdsNamed(store, 'mallory')).toEqual([]);
    // Stopped for good: still refused a while later, no further attempts.
    await sleep(1_000);
    expect(await page.textContent('#status')).toBe('refused');
    expect(pageErrors).toEqual([]);
  }, 15_000);

  it('shows a sign-in the server refuses as an error, without connecting', async () => {
    const page = await openPage('blank');
    await page.fill('#name', '   ');
    await page.click('#join button[type=submit]');
    await waitForText(page, '#status', 'disconnected');
    await expect
      .poll(() => page.locator('#messages li.error').allTextContents(), { timeout: WAIT_MS, interval: 50 })
      .toEqual(['name is required: a non-empty string']);
    expect(pageErrors).toEqual([]);
  });
});
