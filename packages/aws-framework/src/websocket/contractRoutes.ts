import { ConnectionGoneError } from '../connections/errors.js';
import { isStandardSchema } from '../contract/defineContract.js';
import { isRequestId, MAX_REQUEST_ID_LENGTH } from '../contract/frames.js';
import type { ReplyError, ReplyFrame, Schema, ValidationIssue } from '../contract/types.js';
import { normalizeIssues } from '../contract/validate.js';
import { type OptionSchema, validateOptions } from '../options/validateOptions.js';
import { LIFECYCLE_KEYS, ROUTE_KEYS } from './routeKeys.js';
import type {
  ContractContext,
  ContractRoutesOptions,
  EmitFn,
  WebSocketContext,
  WebSocketEvent,
  WebSocketHandlerFn,
  WebSocketResponse,
} from './types.js';
import { clientErrorOf, FailedWithResponseError, INTERNAL_ERROR_MESSAGE } from './webSocketErrors.js';

const OWNER = 'routes(contract, handlers)';

const OPTIONS_SCHEMA: OptionSchema = {
  replies: 'reply delivery',
  validateEvents: 'boolean',
};

/** The 422 message for a payload its schema refuses; issue paths start at the payload. */
export const INVALID_MESSAGE = 'Invalid message';
/** The 422 message for a body that is not an action frame for the route; issue paths start at the frame. */
export const INVALID_FRAME = 'Invalid action frame';
const UNKNOWN_ROUTE = 'Unknown route key';

// The handlers, loosely typed: their types were checked where routes() was called.
type Context = ContractContext<never, unknown>;
type LooseHandler = (event: WebSocketEvent<unknown, unknown>, context: Context) => unknown;

interface Action {
  payload: Schema;
  reply: Schema | undefined;
  handler: LooseHandler;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function schemaMapOf(contract: Record<string, unknown>, part: string): Map<string, Schema> {
  const value = contract[part] ?? (part === 'actions' ? undefined : {});
  if (!isRecord(value)) {
    throw new TypeError(
      `${OWNER}: contract.${part} must be an object; make the contract with defineContract`,
    );
  }
  const map = new Map<string, Schema>();
  for (const [name, schema] of Object.entries(value)) {
    if (!isStandardSchema(schema)) {
      throw new TypeError(`${OWNER}: contract.${part} "${name}" is not a Standard Schema`);
    }
    map.set(name, schema);
  }
  return map;
}

function pathText(path: ValidationIssue['path']): string {
  return path.length === 0 ? '(payload)' : path.join('.');
}

/** `frame.action`, `frame.id`: where a body fails to be the route's action frame, if it does. */
function frameIssuesOf(body: unknown, routeKey: string): ValidationIssue[] | undefined {
  if (!isRecord(body)) {
    return [{ path: [], message: 'Expected an object {"action", "payload", "id"?}' }];
  }
  const issues: ValidationIssue[] = [];
  if (body.action !== routeKey) issues.push({ path: ['action'], message: `Expected "${routeKey}"` });
  if (body.id !== undefined && !isRequestId(body.id)) {
    issues.push({
      path: ['id'],
      message: `Expected a non-empty string of at most ${MAX_REQUEST_ID_LENGTH} characters`,
    });
  }
  return issues.length === 0 ? undefined : issues;
}

function requestIdOf(body: unknown): string | undefined {
  return isRecord(body) && isRequestId(body.id) ? body.id : undefined;
}

/**
 * With `jsonBody: false` the body arrives as the raw text. A string that is not JSON is left as it
 * is, to be refused as no action frame, as is a JSON string parsed by webSocketLambda.
 */
function parsedBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

function errorFrame(id: string, error: ReplyError): ReplyFrame<never> {
  return { reply: id, ok: false, error };
}

/**
 * A reply through the management API. A requester that has gone needs no answer, and a 500
 * logged for it would be noise; any other failure to send fails the invocation, as in a handler.
 */
async function deliver(context: WebSocketContext<unknown>, frame: ReplyFrame): Promise<void> {
  try {
    await context.send(context.connectionId, frame);
  } catch (error) {
    if (!(error instanceof ConnectionGoneError)) throw error;
  }
}

/** `routes(contract, handlers, options)`: see the overload's documentation in routes.ts. */
export function contractRoutes<TAuthorizer>(
  contract: unknown,
  handlers: unknown,
  options: ContractRoutesOptions = {},
): WebSocketHandlerFn<unknown, TAuthorizer> {
  validateOptions(`${OWNER} options`, OPTIONS_SCHEMA, options);
  if (!isRecord(contract)) {
    throw new TypeError(`${OWNER}: contract must be what defineContract returns`);
  }
  const actionSchemas = schemaMapOf(contract, 'actions');
  const eventSchemas = schemaMapOf(contract, 'events');
  const replySchemas = schemaMapOf(contract, 'replies');
  if (!isRecord(handlers)) {
    throw new TypeError(`${OWNER}: handlers must be an object of action or lifecycle route key to function`);
  }
  const byRouteResponse = options.replies === 'routeResponse';
  const validateEvents = options.validateEvents === true;

  // Maps, not the objects: a route key such as "__proto__" or "toString" must never reach
  // something inherited from Object.prototype.
  const actions = new Map<string, Action>();
  const lifecycle = new Map<string, LooseHandler>();
  const keys: string[] = [];
  for (const [key, handler] of Object.entries(handlers)) {
    if (handler === undefined) continue;
    if (typeof handler !== 'function') {
      throw new TypeError(`${OWNER}: handler "${key}" must be a function`);
    }
    if (key.startsWith('$')) {
      if (!LIFECYCLE_KEYS.has(key)) {
        throw new TypeError(
          `${OWNER}: unknown route key "${key}": only $connect, $disconnect and $default may start with $`,
        );
      }
      lifecycle.set(key, handler as LooseHandler);
    } else {
      const payload = actionSchemas.get(key);
      if (!payload) throw new TypeError(`${OWNER}: "${key}" is not an action of the contract`);
      actions.set(key, { payload, reply: replySchemas.get(key), handler: handler as LooseHandler });
    }
    keys.push(key);
  }
  const fallback = lifecycle.get('$default');

  /** Throws a TypeError listing the issues when `value` does not pass `schema`; for outgoing messages. */
  async function checkOutgoing(schema: Schema, value: unknown, what: string): Promise<void> {
    let result = schema['~standard'].validate(value);
    if (result instanceof Promise) result = await result;
    if (!result.issues) return;
    const issues = normalizeIssues(result.issues);
    const listed = issues.map((issue) => `${pathText(issue.path)}: ${issue.message}`).join('; ');
    throw new TypeError(`${what}: ${listed}`);
  }

  function emitFor(context: WebSocketContext<unknown>): EmitFn<never> {
    return async function emitEvent(connectionId: string, event: string, payload: unknown) {
      const schema = eventSchemas.get(event);
      if (!schema) throw new TypeError(`context.emit: "${event}" is not an event of the contract`);
      if (validateEvents) await checkOutgoing(schema, payload, `context.emit: invalid "${event}" payload`);
      return context.send(connectionId, { event, payload });
    } as EmitFn<never>;
  }

  /** An error answer: the result as routes() answers today, and the error frame to a request. */
  async function answerError(
    context: Context,
    id: string | undefined,
    error: ReplyError,
  ): Promise<WebSocketResponse> {
    const body = error.issues ? { message: error.message, issues: error.issues } : { message: error.message };
    if (id === undefined) return { statusCode: error.status, body };
    const frame = errorFrame(id, error);
    if (byRouteResponse) return { statusCode: error.status, body: frame };
    await deliver(context, frame);
    return { statusCode: error.status, body };
  }

  /** A handler threw: a 4xx is answered with its status and message, anything else 500 and logged. */
  async function answerThrown(
    context: Context,
    id: string | undefined,
    thrown: unknown,
  ): Promise<WebSocketResponse> {
    if (id === undefined) throw thrown;
    const clientError = clientErrorOf(thrown);
    if (clientError) {
      const frame = errorFrame(id, { status: clientError.statusCode, message: clientError.message });
      if (byRouteResponse) return { statusCode: clientError.statusCode, body: frame };
      await deliver(context, frame);
      // webSocketErrors answers it as any thrown 4xx.
      throw thrown;
    }
    const frame = errorFrame(id, { status: 500, message: INTERNAL_ERROR_MESSAGE });
    if (byRouteResponse) {
      throw new FailedWithResponseError(thrown, { statusCode: 500, body: JSON.stringify(frame) });
    }
    try {
      await deliver(context, frame);
    } catch {
      // The handler's error is the one to log.
    }
    throw thrown;
  }

  async function runAction(
    action: Action,
    event: WebSocketEvent<unknown, unknown>,
    context: Context,
  ): Promise<WebSocketResponse> {
    const body = parsedBody(event.body);
    const id = requestIdOf(body);
    const frameIssues = frameIssuesOf(body, context.routeKey);
    if (frameIssues)
      return answerError(context, id, { status: 422, message: INVALID_FRAME, issues: frameIssues });

    let checked = action.payload['~standard'].validate((body as { payload?: unknown }).payload);
    if (checked instanceof Promise) checked = await checked;
    if (checked.issues) {
      return answerError(context, id, {
        status: 422,
        message: INVALID_MESSAGE,
        issues: normalizeIssues(checked.issues),
      });
    }
    event.body = checked.value;

    let payload: unknown;
    try {
      payload = (await action.handler(event, context)) ?? null;
      if (id !== undefined && validateEvents && action.reply) {
        await checkOutgoing(action.reply, payload, `invalid reply to "${context.routeKey}"`);
      }
    } catch (thrown) {
      return answerThrown(context, id, thrown);
    }
    if (id === undefined) return { statusCode: 200 };
    const frame: ReplyFrame = { reply: id, ok: true, payload };
    if (byRouteResponse) return { statusCode: 200, body: frame };
    await deliver(context, frame);
    return { statusCode: 200 };
  }

  function answerUnknownRoute(event: WebSocketEvent<unknown, unknown>, context: Context) {
    const id = requestIdOf(parsedBody(event.body));
    if (id === undefined) return { statusCode: 400, body: { message: UNKNOWN_ROUTE } };
    return answerError(context, id, { status: 400, message: UNKNOWN_ROUTE });
  }

  const dispatchContractRoute = function dispatchContractRoute(
    event: WebSocketEvent<unknown, unknown>,
    context: Context,
  ) {
    context.emit = emitFor(context);
    const action = actions.get(context.routeKey);
    if (action) return runAction(action, event, context);
    const route = lifecycle.get(context.routeKey);
    if (route) return route(event, context);
    // As routes(table): AWS accepts a connection and ends a disconnect itself when the API has no
    // such route, and never sends either to $default, which is for messages only.
    if (context.routeKey === '$connect' || context.routeKey === '$disconnect') return { statusCode: 200 };
    if (fallback) return fallback(event, context);
    return answerUnknownRoute(event, context);
  };
  Object.defineProperty(dispatchContractRoute, ROUTE_KEYS, { value: Object.freeze(keys) });
  return dispatchContractRoute as unknown as WebSocketHandlerFn<unknown, TAuthorizer>;
}
