// The chat page: plain DOM, no framework, bundled by esbuild when the page's server starts
// (startChatPage). `createClient` keeps the connection: a fresh token for each (re)connection,
// reconnecting with backoff after a drop, a heartbeat while idle, and giving up on a connection
// that is refused. Everything another user typed is put in the page with textContent, never
// innerHTML, so a message such as <img src=x onerror=...> shows as text.
import { type Client, ClientError, ClientRequestError, createClient } from 'aws-framework/client';
import { type ChatContract, chatContract } from '../src/contract.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** A sign-in the page's server refused (a name outside the rules): trying again will not help. */
class SignInRefused extends Error {}

/**
 * Signs in as `name`: the page's server (`pnpm start`) answers `POST /token` with a short-lived
 * token naming that person, and the gateway's WebSocket URL. The name others see is the one in the
 * token, checked by the gateway's authorizer; nothing the page sends later can change it.
 */
async function signIn(name: string): Promise<{ token: string; url: string }> {
  const response = await fetch('token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const answer = (await response.json().catch(() => ({}))) as {
    token?: string;
    url?: string;
    message?: string;
  };
  if (!response.ok || !answer.token || !answer.url) {
    const message = answer.message ?? `sign-in failed (${response.status})`;
    throw response.status >= 400 && response.status < 500 ? new SignInRefused(message) : new Error(message);
  }
  return { token: answer.token, url: answer.url };
}

let client: Client<ChatContract> | undefined;

function show(kind: 'message' | 'notice' | 'error', text: string, from?: string, at?: number): void {
  const item = document.createElement('li');
  item.className = kind;
  if (at !== undefined) {
    const time = document.createElement('time');
    time.dateTime = new Date(at).toISOString();
    time.textContent = new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    item.append(time);
  }
  if (from !== undefined) {
    const author = document.createElement('span');
    author.className = 'from';
    author.textContent = from;
    item.append(author);
  }
  item.append(document.createTextNode(text));
  $('messages').append(item);
  item.scrollIntoView({ block: 'end' });
}

function showMembers(names: string[]): void {
  $('members').replaceChildren(
    ...names.map((name) => {
      const item = document.createElement('li');
      item.textContent = name;
      return item;
    }),
  );
}

function setStatus(text: string, connected: boolean): void {
  $('status').textContent = text;
  $<HTMLInputElement>('message').disabled = !connected;
  $<HTMLButtonElement>('send-button').disabled = !connected;
}

/** Joins `room` as `name`, leaving any room joined before. */
function join(name: string, room: string): void {
  client?.close();
  const current = createClient(chatContract, {
    // Called before every connection: a token that expired while connected never blocks a reconnect.
    url: async () => {
      try {
        const { token, url } = await signIn(name);
        return `${url}?${new URLSearchParams({ room, token })}`;
      } catch (error) {
        if (error instanceof SignInRefused && client === current) {
          show('error', error.message);
          current.close();
        }
        throw error;
      }
    },
    // A refused connection (401 from the authorizer, 400 from $connect) fails before it opens;
    // three in a row and the page says so instead of trying forever.
    reconnect: { initialDelayMs: 250, maxDelayMs: 10_000, refusedAfter: 3 },
  });
  client = current;
  setStatus('connecting…', false);
  showMembers([]);

  current.onStatus((status, error) => {
    if (client !== current) return;
    if (status === 'open') {
      setStatus(`connected to ${room}`, true);
      show('notice', `joined ${room} as ${name}`);
      // Every connection starts afresh: say hello (the others are told), and learn who is here.
      current.request('hello', {}).then(
        ({ names }) => client === current && showMembers(names),
        (failed: Error) => show('error', failed.message),
      );
    } else if (status === 'reconnecting') {
      setStatus('reconnecting…', false);
      showMembers([]);
    } else if (status === 'closed') {
      const refused = error instanceof ClientError && error.code === 'refused';
      setStatus(refused ? 'refused' : 'disconnected', false);
      if (refused) show('error', `the chat refused the connection: ${error.message}`);
      showMembers([]);
    }
  });
  current.on('message', ({ from, text, at }) => show('message', text, from, at));
  current.on('joined', ({ name: who, names }) => {
    show('notice', `${who} joined`);
    showMembers(names);
  });
  current.on('left', ({ name: who, names }) => {
    show('notice', `${who} left`);
    showMembers(names);
  });
  current.on('help', ({ usage }) => show('notice', usage));
}

$('join').addEventListener('submit', (event) => {
  event.preventDefault();
  join($<HTMLInputElement>('name').value.trim(), $<HTMLInputElement>('room').value);
});

$('send').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $<HTMLInputElement>('message');
  const text = input.value;
  if (!text.trim() || client?.status !== 'open') return;
  input.value = '';
  client.request('sendMessage', { text }).catch((error: Error) => {
    const issues = error instanceof ClientRequestError && error.issues ? error.issues : [];
    show('error', issues.length > 0 ? issues.map((issue) => issue.message).join('; ') : error.message);
  });
});
