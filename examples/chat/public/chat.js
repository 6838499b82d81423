// The chat page: plain DOM, no framework. Everything another user typed is put in the page with
// textContent, never innerHTML, so a message such as <img src=x onerror=...> shows as text.

const $ = (id) => document.getElementById(id);
const socketUrl = (name, room) => {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const query = new URLSearchParams({ name, room });
  return `${scheme}://${location.host}/${window.CHAT_STAGE ?? 'local'}?${query}`;
};

let socket;
let wanted = false;
let retries = 0;
let reconnectTimer;

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

function connect() {
  clearTimeout(reconnectTimer);
  socket?.close();
  const current = new WebSocket(socketUrl($('name').value, $('room').value));
  socket = current;
  current.addEventListener('open', () => {
    retries = 0;
    setConnected(true);
    show('notice', `joined ${$('room').value} as ${$('name').value}`);
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
    if (!wanted) return;
    // Reconnect after a drop (idle timeout, deploy, network), backing off up to 10 s.
    const delay = Math.min(10_000, 500 * 2 ** retries++) * (0.5 + Math.random() / 2);
    reconnectTimer = setTimeout(connect, delay);
  });
}

$('join').addEventListener('submit', (event) => {
  event.preventDefault();
  wanted = true;
  retries = 0;
  connect();
});

$('send').addEventListener('submit', (event) => {
  event.preventDefault();
  const message = $('message').value;
  if (!message.trim() || socket?.readyState !== WebSocket.OPEN) return;
  socket.send(JSON.stringify({ action: 'sendMessage', message }));
  $('message').value = '';
});
