import type { Contract, ReplySchemas, Schema, SchemaMap } from './types.js';

/** What `defineContract` takes. */
export interface ContractDefinition<
  TActions extends SchemaMap,
  TEvents extends SchemaMap,
  TReplies extends ReplySchemas<TActions>,
> {
  /** Route key a client may send to the schema of its payload. Not `$connect` or any `$` key. */
  actions: TActions;
  /** Event name the server may push to the schema of its payload. Default: none. */
  events?: TEvents;
  /** Action to the schema of the payload its request is answered with. Default: none (replies untyped). */
  replies?: TReplies;
}

function fail(message: string): never {
  throw new TypeError(`defineContract: ${message}`);
}

/** Whether `value` implements Standard Schema v1 (an object or, as arktype's types are, a function). */
export function isStandardSchema(value: unknown): value is Schema {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as { '~standard'?: unknown })['~standard'];
  return (
    typeof props === 'object' &&
    props !== null &&
    (props as { version?: unknown }).version === 1 &&
    typeof (props as { validate?: unknown }).validate === 'function'
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function schemasOf(part: string, value: unknown): Readonly<Record<string, Schema>> {
  if (!isPlainObject(value)) fail(`${part} must be an object of name to schema`);
  const copy: Record<string, Schema> = {};
  for (const [name, schema] of Object.entries(value)) {
    if (!isStandardSchema(schema)) {
      fail(`${part} "${name}" must be a Standard Schema (zod 4, valibot, arktype, ...)`);
    }
    copy[name] = schema;
  }
  return Object.freeze(copy);
}

/**
 * Declares the messages of a WebSocket API once, for the Lambda and its clients alike: `actions`
 * maps each route key a client may send to the schema of its payload, `events` each event the
 * server may push to the schema of its payload, and the optional `replies` some actions to the
 * schema of the payload their request is answered with (typing the client's request result).
 * Schemas are any Standard Schema v1 implementation. Browser-safe: nothing of the server is
 * imported.
 *
 * Action names are custom route keys: a non-empty name not starting with `$` (`$connect` and the
 * rest are lifecycle routes, untyped); anything else, a value that is not a Standard Schema, or a
 * reply for no action throws a `TypeError`.
 *
 * @example
 * ```typescript
 * import { defineContract } from 'aws-framework/contract';
 * import { z } from 'zod';
 *
 * export const chat = defineContract({
 *   actions: { join: z.object({ room: z.string() }), say: z.object({ text: z.string().max(500) }) },
 *   events: { message: z.object({ from: z.string(), text: z.string() }) },
 *   replies: { join: z.object({ members: z.number() }) },
 * });
 * ```
 * @throws {@link !TypeError} when the definition is not an object, has a key other than `actions`,
 * `events` and `replies`, one of those is not an object of Standard Schemas, an action name is
 * empty or starts with `$`, or a reply names no action.
 */
export function defineContract<
  TActions extends SchemaMap,
  TEvents extends SchemaMap = Record<never, never>,
  TReplies extends ReplySchemas<TActions> = Record<never, never>,
>(
  definition: ContractDefinition<
    TActions,
    TEvents,
    TReplies & Record<Exclude<keyof TReplies, keyof TActions>, never>
  >,
): Contract<TActions, TEvents, TReplies> {
  if (!isPlainObject(definition)) fail('the definition must be an object { actions, events?, replies? }');
  for (const key of Object.keys(definition)) {
    if (key !== 'actions' && key !== 'events' && key !== 'replies') {
      fail(`unknown key "${key}": expected actions, events and replies`);
    }
  }
  const actions = schemasOf('actions', definition.actions);
  for (const name of Object.keys(actions)) {
    if (name === '' || name.startsWith('$')) {
      fail(`action "${name}" is not a custom route key: a name that is not empty and does not start with $`);
    }
  }
  const events = schemasOf('events', definition.events ?? {});
  const replies = schemasOf('replies', definition.replies ?? {});
  for (const name of Object.keys(replies)) {
    if (!Object.hasOwn(actions, name)) fail(`reply "${name}" is for no action of the contract`);
  }
  return Object.freeze({ actions, events, replies }) as unknown as Contract<TActions, TEvents, TReplies>;
}
