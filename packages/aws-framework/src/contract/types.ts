import type { StandardSchemaV1 } from '@standard-schema/spec';

/** Any Standard Schema v1 (zod 4, valibot, arktype, ...): https://standardschema.dev. */
export type Schema<Input = unknown, Output = Input> = StandardSchemaV1<Input, Output>;

/** Name to schema: a contract's `actions`, `events` or `replies`. */
export type SchemaMap = Readonly<Record<string, Schema>>;

/** The reply schemas a contract may declare: some of its actions, each to the schema of its reply. */
export type ReplySchemas<TActions extends SchemaMap> = { readonly [A in keyof TActions]?: Schema };

/**
 * What `defineContract` returns: the messages a client may send (`actions`, route key to the
 * schema of its payload), the events the server may push (`events`, name to the schema of its
 * payload), and the replies some actions answer a request with (`replies`, action to schema).
 */
export interface Contract<
  TActions extends SchemaMap = SchemaMap,
  TEvents extends SchemaMap = SchemaMap,
  TReplies extends ReplySchemas<TActions> = ReplySchemas<TActions>,
> {
  /** Route key a client may send to the schema of its payload. */
  readonly actions: TActions;
  /** Event name the server may push to the schema of its payload (`{}` when none was given). */
  readonly events: TEvents;
  /** Action to the schema of the payload its request is answered with (`{}` when none was given). */
  readonly replies: TReplies;
}

/** The route keys a client may send: `'join' | 'say'`. */
export type ActionName<C extends Contract> = Extract<keyof C['actions'], string>;

/** What a client passes as an action's payload: its schema's input type. */
export type ActionInput<C extends Contract, A extends ActionName<C>> = StandardSchemaV1.InferInput<
  C['actions'][A]
>;

/** What the server's handler gets in `event.body` once the payload is validated: its schema's output type. */
export type ActionOutput<C extends Contract, A extends ActionName<C>> = StandardSchemaV1.InferOutput<
  C['actions'][A]
>;

/** The events the server may push: `'message' | 'joined'`. */
export type EventName<C extends Contract> = Extract<keyof C['events'], string>;

/** What the server passes to `context.emit` for an event: its schema's input type. */
export type EventInput<C extends Contract, E extends EventName<C>> = StandardSchemaV1.InferInput<
  C['events'][E]
>;

/** What a client receives for an event once it is validated: its schema's output type. */
export type EventPayload<C extends Contract, E extends EventName<C>> = StandardSchemaV1.InferOutput<
  C['events'][E]
>;

/**
 * What the server's handler for action `A` returns as its reply: the input type of `A`'s reply
 * schema, or `unknown` when the contract declares none.
 */
export type ReplyInput<C extends Contract, A extends ActionName<C>> = A extends keyof C['replies']
  ? C['replies'][A] extends Schema
    ? StandardSchemaV1.InferInput<C['replies'][A]>
    : unknown
  : unknown;

/**
 * What a client's request for action `A` resolves to: the output type of `A`'s reply schema, or
 * `unknown` when the contract declares none.
 */
export type ReplyOutput<C extends Contract, A extends ActionName<C>> = A extends keyof C['replies']
  ? C['replies'][A] extends Schema
    ? StandardSchemaV1.InferOutput<C['replies'][A]>
    : unknown
  : unknown;

/**
 * One validation problem, as both sides present it: `path` leads from the payload to the value
 * at fault (`['items', 0, 'name']`; `[]` is the payload itself).
 */
export interface ValidationIssue {
  /** Property names and array indexes from the payload to the value at fault. */
  path: (string | number)[];
  /** What is wrong, in the schema library's words. */
  message: string;
}

/** What `validate` resolves to: the schema's output, or the issues found. */
export type ValidationResult<T> =
  | {
      /** The schema's output for the value (with its transforms and defaults, if it has any). */
      value: T;
      /** Absent when the value is valid: test `result.issues` to tell the two apart. */
      issues?: undefined;
    }
  | {
      /** What is wrong, at least one issue. */
      issues: ValidationIssue[];
      /** Absent when the value is invalid. */
      value?: undefined;
    };

/**
 * Client to server. `payload` absent on the wire is read as `undefined`; `id`, when present, asks
 * for a reply frame (a non-empty string of at most `MAX_REQUEST_ID_LENGTH` characters, unique per
 * connection).
 */
export interface ActionFrame<A extends string = string, P = unknown> {
  /** The route key, where the default route selection expression `$request.body.action` finds it. */
  action: A;
  /** The action's payload, validated against the action's schema on the server. */
  payload: P;
  /** The request's ID, echoed as the reply frame's `reply`; absent for a fire-and-forget action. */
  id?: string;
}

/** Server to client: an event pushed with `context.emit`. */
export interface EventFrame<E extends string = string, P = unknown> {
  /** The event's name, a key of the contract's `events`. */
  event: E;
  /** The event's payload, as the server's `context.emit` was given it. */
  payload: P;
}

/** Why a request failed: a 4xx status and its message, or 500 `'Internal server error'`. */
export interface ReplyError {
  /**
   * 400 for an unknown action, 422 for an invalid frame or payload, a 4xx the handler threw, or 500
   * for anything else.
   */
  status: number;
  /** The 4xx's message, or `'Internal server error'`: a server error's own text never leaves it. */
  message: string;
  /** On 422 `'Invalid message'`: what is wrong with the payload. */
  issues?: ValidationIssue[];
}

/**
 * Server to client: the answer to an action frame that carried an `id`. `payload` is the
 * handler's return value (`null` when it returned nothing).
 */
export type ReplyFrame<P = unknown> =
  | {
      /** The `id` of the action frame this answers. */
      reply: string;
      /** `true`: the handler returned. */
      ok: true;
      /** The handler's return value (`null` when it returned nothing). */
      payload: P;
    }
  | {
      /** The `id` of the action frame this answers. */
      reply: string;
      /** `false`: the request failed. */
      ok: false;
      /** Why it failed. */
      error: ReplyError;
    };
