// The chat page: plain DOM, no framework. Everything another user typed is put in the page with
// textContent, never innerHTML, so a message such as <img src=x onerror=...> shows as text.

const $ = (id) => document.getElementById(id);

/**
 * Signs in as `name`: the page's server (`pnpm start`) answers `POST /token` with a short-lived
 * token naming that person, and the gateway's WebSocket URL. The name others see is the one in the
 * token, checked by the gateway's authorizer; nothing the page sends later can change it.
 */
async function signIn(name) {
  const response = await fetch('token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(answer.message ?? `sign-in failed (${response.status})`);
    // A refusal (a name outside the rules) stays one; anything else may pass (a restart).
    error.final = response.status >= 400 && response.status < 500;
    throw error;
  }
  return answer;
}

let socket;
let wanted = false;
let retries = 0;
let reconnectTimer;
let attempts = 0;

function show(kind, text, from) {
  const item = document.createElement('li');
  item.className = kind;
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

function setConnected(connected) {
  $('status').textContent = connected
    ? `connected to ${$('room').value}`
    : wanted
      ? 'reconnecting…'
      : 'disconnected';
  $('message').disabled = !connected;
  $('send').querySelector('button').disabled = !connected;
}

function reconnectLater() {
  // After a drop (idle timeout, deploy, network), backing off up to 10 s.
  const delay = Math.min(10_000, 500 * 2 ** retries++) * (0.5 + Math.random() / 2);
  reconnectTimer = setTimeout(() => void connect(), delay);
}

async function connect() {
  clearTimeout(reconnectTimer);
  socket?.close();
  socket = undefined;
  const attempt = ++attempts;
  const name = $('name').value;
  const room = $('room').value;
  let signedIn;
  try {
    // A fresh token for every connection: one that expired while connected cannot reconnect.
    signedIn = await signIn(name);
  } catch (error) {
    if (attempt !== attempts) return;
    show('error', error.message);
    if (error.final) wanted = false;
    setConnected(false);
    if (wanted) reconnectLater();
    return;
  }
  // Joined again, or left, while signing in: that newer click decides.
  if (attempt !== attempts || !wanted) return;
  const query = new URLSearchParams({ room, token: signedIn.token });
  const current = new WebSocket(`${signedIn.url}?${query}`);
  socket = current;
  current.addEventListener('open', () => {
    retries = 0;
    setConnected(true);
    show('notice', `joined ${room} as ${name.trim()}`);
  });
  current.addEventListener('message', (event) => {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      show('notice', String(event.data));
      return;
    }
    if (typeof frame.error === 'string') show('error', frame.error);
    else if (typeof frame.help === 'string') show('notice', frame.help);
    else if (typeof frame.from === 'string' && typeof frame.message === 'string')
      show('message', frame.message, frame.from);
    // API Gateway's own error frames ({"message":"Internal server error","connectionId",...}).
    else if (typeof frame.message === 'string') show('error', frame.message);
  });
  current.addEventListener('close', () => {
    if (socket !== current) return;
    setConnected(false);
    if (wanted) reconnectLater();
  });
}

$('join').addEventListener('submit', (event) => {
  event.preventDefault();
  wanted = true;
  retries = 0;
  void connect();
});

$('send').addEventListener('submit', (event) => {
  event.preventDefault();
  const message = $('message').value;
  if (!message.trim() || socket?.readyState !== WebSocket.OPEN) return;
  socket.send(JSON.stringify({ action: 'sendMessage', message }));
  $('message').value = '';
});
