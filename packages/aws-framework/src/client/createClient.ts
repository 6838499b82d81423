import type {
  ActionInput,
  ActionName,
  Contract,
  EventName,
  EventPayload,
  ReplyOutput,
} from '../contract/index.js';
import { backoff } from './backoff.js';
import { type ClientOptions, duration, resolveClientOptions } from './clientOptions.js';
import { ClientError, ClientRequestError } from './errors.js';

/**
 * Where a client is: `connecting` until the first connection opens; `open` (again for every new
 * connection, whose server-side state, such as rooms joined, starts empty); `reconnecting` after a
 * close the client did not ask for; `closed` after `close()` or when it gave up, for good.
 */
export type ClientStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * Called on every status change; `error` says why for `reconnecting` (`connection-lost`) and for
 * `closed` when the client gave up (`refused`, or `connection-lost` with `reconnect: false`).
 * A listener that throws stops neither the other listeners nor the client: its error is rethrown
 * on a timer, where the page's error reporting sees it.
 */
export type StatusListener = (status: ClientStatus, error?: ClientError) => void;

/** What one `request` may change of the client's options. */
export interface RequestOptions {
  /**
   * Overrides the client's `requestTimeoutMs` for this request, in milliseconds: a positive number
   * up to 2^31 - 1, else the request rejects with an {@link OptionsError}. Counted from the call,
   * time queued included.
   *
   * @default the client's `requestTimeoutMs` (30000 unless set)
   */
  timeoutMs?: number;
}

/**
 * What `createClient` returns: a connection typed by the contract that stays up on its own.
 * Sends and requests made while it is not open wait in a queue, sent in order once it is.
 *
 * @typeParam C - The contract: it types the actions' payloads, the replies and the events.
 */
export interface Client<C extends Contract> {
  /** The status now; `onStatus` tells each change. */
  readonly status: ClientStatus;
  /**
   * Sends `{"action", "payload"}`, now when the connection is open, else in order once it is. Fire
   * and forget: nothing tells whether the server ran it; use `request` for an answer.
   *
   * Nothing is validated here: the server's `routes(contract, handlers)` checks the payload.
   *
   * @param action - An action of the contract: its route key.
   * @param payload - The action's payload, typed by its schema's input.
   * @throws {@link ClientError} `frame-too-large` when the frame is over API Gateway's 32 KB frame
   * limit, `queue-full` when the connection is not open and `queueLimit` frames already wait,
   * `closed` after `close()` or once the client gave up.
   * @throws {@link !TypeError} when `action` is not an action of the contract.
   */
  send<A extends ActionName<C>>(action: A, payload: ActionInput<C, A>): void;
  /**
   * Sends `{"action", "payload", "id"}` and resolves with the reply's payload (typed by the
   * contract's `replies`, not checked against them: the server checks). Never re-sent: a request
   * whose connection drops before its reply rejects, since the server may have run it; retry it
   * yourself when the action is idempotent.
   *
   * @param action - An action of the contract: its route key.
   * @param payload - The action's payload, typed by its schema's input.
   * @param options - This request's timeout.
   * @returns The reply's payload (`null` when the handler returned nothing).
   * @throws {@link ClientRequestError} (the promise rejects) when the server answers an error: its
   * `status`, `message` and, for a refused payload (422), `issues`.
   * @throws {@link ClientError} (the promise rejects) `timeout`, `connection-lost`,
   * `frame-too-large`, `queue-full` or `closed`; see its `code`.
   * @throws {@link !TypeError} (the promise rejects) when `action` is not an action of the contract.
   * @throws {@link OptionsError} (the promise rejects) when `options.timeoutMs` is not a positive
   * number up to 2^31 - 1.
   */
  request<A extends ActionName<C>>(
    action: A,
    payload: ActionInput<C, A>,
    options?: RequestOptions,
  ): Promise<ReplyOutput<C, A>>;
  /**
   * Calls `listener` with the payload of every `event` frame named `event`, typed by the contract's
   * schema for it (not checked: the JSON the server sent). A listener that throws stops neither the
   * others nor the client.
   *
   * @param event - An event of the contract.
   * @param listener - Called with each payload.
   * @returns The unsubscribe function.
   */
  on<E extends EventName<C>>(event: E, listener: (payload: EventPayload<C, E>) => void): () => void;
  /**
   * Calls `listener` on every status change.
   *
   * @param listener - Called with the new status and, for `reconnecting` or a client that gave up,
   * the error that caused it.
   * @returns The unsubscribe function.
   */
  onStatus(listener: StatusListener): () => void;
  /**
   * Closes the connection (1000) and stops, for good; queued frames are dropped and waiting
   * requests rejected with a `closed` {@link ClientError}. Does nothing on a client already closed.
   */
  close(): void;
}

/** API Gateway closes a connection (1009) on a frame over 32 KB, and a browser sends a message as one frame. */
const MAX_FRAME_BYTES = 32_768;
const PING = '{"action":"ping"}';

interface Waiting {
  resolve(payload: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
  /** The connection it was sent on; none while queued. */
  socket?: WebSocket;
}

/** Runs a listener so that one that throws neither stops the others nor the client. */
function call<A extends unknown[]>(listener: (...args: A) => void, ...args: A): void {
  try {
    listener(...args);
  } catch (error) {
    setTimeout(() => {
      throw error;
    });
  }
}

/**
 * A WebSocket client for an API described by a contract, on the global `WebSocket` (browsers,
 * Node.js >= 22), with no dependencies. It connects at once, reconnects after any close it did not
 * ask for (exponential backoff, full jitter), switches to a fresh connection before API Gateway's
 * 2-hour limit, sends a heartbeat when idle, queues sends while disconnected, and matches replies
 * to requests.
 *
 * It imports only types from the contract and uses the contract object for its action names
 * alone, so a page bundles the client, the contract and its schemas, nothing of the server.
 *
 * @example
 * ```ts
 * import { createClient } from 'aws-framework/client';
 * import { defineContract } from 'aws-framework/contract';
 * import { z } from 'zod';
 *
 * const chat = defineContract({
 *   actions: { join: z.object({ room: z.string() }), say: z.object({ text: z.string() }) },
 *   events: { message: z.object({ from: z.string(), text: z.string() }) },
 *   replies: { join: z.object({ members: z.number() }) },
 * });
 * declare function getToken(): Promise<string>;
 *
 * const client = createClient(chat, {
 *   // Called before every connection, so each one gets a fresh short-lived token.
 *   url: async () => `wss://chat.example.com/prod?token=${await getToken()}`,
 * });
 * client.on('message', ({ from, text }) => console.log(`${from}: ${text}`));
 * client.onStatus(async (status) => {
 *   // Every new connection starts in no room: join again, before anything queued is sent.
 *   if (status !== 'open') return;
 *   const { members } = await client.request('join', { room: 'red' });
 *   console.log(`${members} in the room`);
 * });
 * client.send('say', { text: 'hello' }); // queued until the connection is open
 * ```
 * @param contract - The contract from `defineContract`: its actions are what may be sent.
 * @param options - The URL, and the timings and limits; see {@link ClientOptions}.
 * @returns The client, already connecting.
 * @throws {@link OptionsError} when `options` is not an object, an option is unknown or has the
 * wrong type, `url` is missing, a limit is not a positive number, or a duration is over
 * 2^31 - 1 ms.
 * @throws {@link !TypeError} when `contract` is not a contract from `defineContract`.
 */
export function createClient<C extends Contract>(contract: C, options: ClientOptions): Client<C> {
  const o = resolveClientOptions(options);
  const actions = (contract as { actions?: object } | null)?.actions;
  if (typeof actions !== 'object' || actions === null) {
    throw new TypeError('createClient: contract must be a contract from defineContract({ actions, events })');
  }
  let status: ClientStatus = 'connecting';
  /** The open connection sends go to. */
  let current: WebSocket | undefined;
  /** Whether a connection is being made (the url function or the handshake). */
  let dialing = false;
  /** Every socket not yet closed: the current one, one dialing, one draining after a switch. */
  const sockets = new Set<WebSocket>();
  /** Handshakes in a row that failed without opening; reset by an open. */
  let failures = 0;
  let lastSentAt = 0;
  let heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  let renewTimer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let lastId = 0;
  const queue: { frame: string; id: string | undefined }[] = [];
  const waiting = new Map<string, Waiting>();
  const listeners = new Map<string, Set<(payload: never) => void>>();
  const statusListeners = new Set<StatusListener>();

  // A function, so that TypeScript does not narrow `status` across an await.
  const isClosed = () => status === 'closed';
  /**
   * The connection sends can go to now (readyState OPEN). Not one that is closing: its close event
   * has yet to come, and a WebSocket drops what is sent meanwhile without a word.
   */
  const ready = () => (current?.readyState === 1 ? current : undefined);

  function setStatus(next: ClientStatus, error?: ClientError): void {
    if (next === status && next !== 'open') return;
    status = next;
    for (const listener of [...statusListeners]) call(listener, next, error);
  }

  function subscribe<L>(set: Set<L>, listener: L): () => void {
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  async function dial(): Promise<void> {
    if (dialing || status === 'closed') return;
    dialing = true;
    let socket: WebSocket;
    try {
      const url = await o.url();
      if (isClosed()) return;
      socket = new WebSocket(url, o.protocols);
    } catch (cause) {
      dialing = false;
      return handshakeFailed(cause);
    }
    sockets.add(socket);
    let opened = false;
    socket.onopen = function clientSocketOpen() {
      opened = true;
      dialing = false;
      adopt(socket);
    };
    socket.onmessage = function clientSocketMessage(message) {
      receive(message.data);
    };
    socket.onclose = function clientSocketClose({ code, reason }) {
      sockets.delete(socket);
      if (opened) return closed(socket, code, reason);
      dialing = false;
      handshakeFailed();
    };
  }

  function handshakeFailed(cause?: unknown): void {
    // A failed switch-over leaves the open connection serving until API Gateway closes it.
    if (status === 'closed' || current) return;
    if (++failures >= o.refusedAfter) {
      stop(
        new ClientError(
          'refused',
          `${failures} handshake${failures > 1 ? 's' : ''} in a row failed without opening: refused by $connect (401, 403) or out of reach`,
          { cause },
        ),
      );
      return;
    }
    retryTimer = setTimeout(dial, backoff(failures - 1, o.initialDelayMs, o.maxDelayMs));
  }

  /** Makes a newly opened socket the one sends go to; the previous one drains. */
  function adopt(socket: WebSocket): void {
    if (status === 'closed') {
      socket.close(1000);
      return;
    }
    const previous = current;
    current = socket;
    failures = 0;
    lastSentAt = Date.now();
    clearTimeout(renewTimer);
    renewTimer = setTimeout(dial, (o.maxConnectionMs * 23) / 24);
    if (o.heartbeatMs) {
      clearTimeout(heartbeatTimer);
      heartbeatTimer = setTimeout(heartbeat, o.heartbeatMs);
    }
    if (previous) closeIfDrained(previous);
    // Before the queue: what `open` listeners send (joining a room again) goes first.
    setStatus('open');
    while (current === socket && queue.length > 0) {
      const { frame, id } = queue.shift() as { frame: string; id: string | undefined };
      transmit(socket, frame, id);
    }
  }

  function heartbeat(): void {
    const wait = lastSentAt + (o.heartbeatMs as number) - Date.now();
    const socket = ready();
    if (wait <= 0 && socket) transmit(socket, PING);
    heartbeatTimer = setTimeout(heartbeat, wait > 0 ? wait : (o.heartbeatMs as number));
  }

  function closed(socket: WebSocket, code: number, reason: string): void {
    const error = new ClientError(
      'connection-lost',
      `the connection closed (${code}${reason ? ` ${reason}` : ''})`,
    );
    for (const [id, request] of waiting) if (request.socket === socket) settle(id, error);
    if (socket !== current) return;
    current = undefined;
    clearTimeout(heartbeatTimer);
    clearTimeout(renewTimer);
    if (status === 'closed') return;
    if (!o.reconnect) stop(error);
    else {
      setStatus('reconnecting', error);
      if (!dialing) retryTimer = setTimeout(dial, backoff(0, o.initialDelayMs, o.maxDelayMs));
    }
  }

  /** Closes a socket sends no longer go to once no request sent on it waits for its reply. */
  function closeIfDrained(socket: WebSocket): void {
    for (const request of waiting.values()) if (request.socket === socket) return;
    socket.close(1000);
  }

  function stop(error?: ClientError): void {
    clearTimeout(heartbeatTimer);
    clearTimeout(renewTimer);
    clearTimeout(retryTimer);
    current = undefined;
    setStatus('closed', error);
    for (const socket of sockets) socket.close(1000);
    queue.length = 0;
    const reason = error ?? new ClientError('closed', 'the client was closed');
    for (const id of waiting.keys()) settle(id, reason);
  }

  function transmit(socket: WebSocket, frame: string, id?: string): void {
    socket.send(frame);
    lastSentAt = Date.now();
    const request = id === undefined ? undefined : waiting.get(id);
    if (request) request.socket = socket;
  }

  function settle(id: string, error: Error | undefined, payload?: unknown): void {
    const request = waiting.get(id);
    if (!request) return;
    waiting.delete(id);
    clearTimeout(request.timer);
    const queued = queue.findIndex((entry) => entry.id === id);
    if (queued >= 0) queue.splice(queued, 1);
    if (error) request.reject(error);
    else request.resolve(payload);
    if (request.socket && request.socket !== current) closeIfDrained(request.socket);
  }

  function receive(data: unknown): void {
    let frame: unknown;
    try {
      frame = JSON.parse(data as string);
    } catch {
      return;
    }
    if (typeof frame !== 'object' || frame === null) return;
    const { reply, ok, payload, error, event } = frame as Record<string, unknown>;
    if (typeof reply === 'string') {
      const {
        status = 500,
        message = 'Request failed',
        issues,
      } = (error ?? {}) as Partial<ClientRequestError>;
      settle(reply, ok === true ? undefined : new ClientRequestError(status, message, issues), payload);
    } else if (typeof event === 'string') {
      for (const listener of [...(listeners.get(event) ?? [])]) call(listener, payload as never);
    }
  }

  /** The frame for an action, refused here when API Gateway would refuse it. */
  function encode(action: string, payload: unknown, id?: string): string {
    if (status === 'closed') throw new ClientError('closed', 'the client is closed');
    if (!Object.hasOwn(actions as object, action)) {
      throw new TypeError(`createClient: "${action}" is not an action of the contract`);
    }
    const frame = JSON.stringify({ action, payload, id });
    // Only a frame of more than a third of the limit in UTF-16 units can be over it in UTF-8 bytes.
    if (frame.length > MAX_FRAME_BYTES / 3 && new TextEncoder().encode(frame).length > MAX_FRAME_BYTES) {
      throw new ClientError(
        'frame-too-large',
        `"${action}" is over API Gateway's 32 KB frame limit (${MAX_FRAME_BYTES} bytes), which would close the connection (1009)`,
      );
    }
    if (!ready() && queue.length >= o.queueLimit) {
      throw new ClientError(
        'queue-full',
        `${o.queueLimit} frames already wait for the connection (queueLimit)`,
      );
    }
    return frame;
  }

  function dispatch(frame: string, id?: string): void {
    const socket = ready();
    if (socket) transmit(socket, frame, id);
    else queue.push({ frame, id });
  }

  void dial();

  return {
    get status() {
      return status;
    },
    send(action, payload) {
      dispatch(encode(action, payload));
    },
    request(action, payload, options) {
      return new Promise((resolve, reject) => {
        const timeoutMs = duration('timeoutMs', options?.timeoutMs, o.requestTimeoutMs);
        const id = String(++lastId);
        const frame = encode(action, payload, id);
        const timer = setTimeout(
          () => settle(id, new ClientError('timeout', `no reply to "${action}" within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiting.set(id, { resolve, reject, timer });
        dispatch(frame, id);
      });
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      return subscribe(set, listener as (payload: never) => void);
    },
    onStatus(listener) {
      return subscribe(statusListeners, listener);
    },
    close() {
      if (status !== 'closed') stop();
    },
  };
}
