import {
  defineContract,
  isEventFrame,
  isReplyFrame,
  MAX_REQUEST_ID_LENGTH,
  validate,
} from 'aws-framework/contract';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/** A hand-written Standard Schema, to control exactly what `validate` returns. */
function schemaReturning(result: unknown, options: { async?: boolean; asFunction?: boolean } = {}) {
  const props = {
    version: 1 as const,
    vendor: 'test',
    validate: () => (options.async ? Promise.resolve(result) : result),
  };
  const schema = options.asFunction
    ? Object.assign(() => {}, { '~standard': props })
    : { '~standard': props };
  return schema as { '~standard': typeof props & { validate: (value: unknown) => never } };
}

describe('defineContract', () => {
  it('returns the actions, events and replies frozen, the schemas themselves', () => {
    const join = z.object({ room: z.string() });
    const message = v.object({ text: v.string() });
    const contract = defineContract({ actions: { join }, events: { message }, replies: { join } });
    expect(contract.actions.join).toBe(join);
    expect(contract.events.message).toBe(message);
    expect(contract.replies.join).toBe(join);
    expect(Object.isFrozen(contract)).toBe(true);
    expect(Object.isFrozen(contract.actions)).toBe(true);
  });

  it('defaults events and replies to none', () => {
    const contract = defineContract({ actions: { join: z.string() } });
    expect(contract.events).toEqual({});
    expect(contract.replies).toEqual({});
  });

  it.each(['$connect', '$disconnect', '$default', '$join', ''])(
    'refuses the action name %j with a TypeError: actions are custom route keys',
    (name) => {
      expect(() => defineContract({ actions: { [name]: z.string() } })).toThrow(
        new TypeError(
          `defineContract: action "${name}" is not a custom route key: a name that is not empty and does not start with $`,
        ),
      );
    },
  );

  it('refuses a value that is not a Standard Schema, naming it', () => {
    expect(() => defineContract({ actions: { join: { parse() {} } } as never })).toThrow(
      /actions "join" must be a Standard Schema/,
    );
    expect(() => defineContract({ actions: {}, events: { message: null } as never })).toThrow(
      /events "message" must be a Standard Schema/,
    );
  });

  it('refuses a reply for no action, an unknown key and a definition that is not an object', () => {
    expect(() =>
      defineContract({ actions: { join: z.string() }, replies: { leave: z.string() } as never }),
    ).toThrow('defineContract: reply "leave" is for no action of the contract');
    expect(() => defineContract({ actions: {}, event: {} } as never)).toThrow(/unknown key "event"/);
    expect(() => defineContract(undefined as never)).toThrow(TypeError);
    expect(() => defineContract({} as never)).toThrow(/actions must be an object/);
  });

  it('accepts schemas that are functions, as arktype types are', () => {
    const type = schemaReturning({ value: 1 }, { asFunction: true });
    expect(defineContract({ actions: { join: type } }).actions.join).toBe(type);
  });
});

describe('validate', () => {
  it('returns the schema output synchronously for a synchronous schema (zod, valibot)', () => {
    const trimmed = z.object({ room: z.string().trim() });
    expect(validate(trimmed, { room: '  lobby ' })).toEqual({ value: { room: 'lobby' } });
    const counted = v.object({
      text: v.pipe(
        v.string(),
        v.transform((s) => s.length),
      ),
    });
    expect(validate(counted, { text: 'abc' })).toEqual({ value: { text: 3 } });
  });

  it('returns issues with paths of strings and numbers (zod)', () => {
    const result = validate(z.object({ items: z.array(z.object({ name: z.string() })) }), {
      items: [{ name: 'a' }, { name: 1 }],
    });
    expect(result).toEqual({ issues: [{ path: ['items', 1, 'name'], message: expect.any(String) }] });
  });

  it('returns issues with paths of strings and numbers (valibot, whose segments are { key } objects)', () => {
    const result = validate(v.object({ items: v.array(v.object({ name: v.string() })) }), {
      items: [{ name: 1 }],
    });
    expect(result).toEqual({ issues: [{ path: ['items', 0, 'name'], message: expect.any(String) }] });
  });

  it('normalises { key } segments, symbols and a missing path', () => {
    const schema = schemaReturning({
      issues: [
        { message: 'a', path: [{ key: 'x' }, { key: 2 }, Symbol('s'), 'y'] },
        { message: 'whole payload' },
      ],
    });
    expect(validate(schema, null)).toEqual({
      issues: [
        { path: ['x', 2, 's', 'y'], message: 'a' },
        { path: [], message: 'whole payload' },
      ],
    });
  });

  it('returns a promise for an asynchronous schema, valid or not', async () => {
    const schema = z.object({ room: z.string() }).refine(async (value) => value.room !== 'closed', {
      message: 'closed',
      path: ['room'],
    });
    const valid = validate(schema, { room: 'lobby' });
    expect(valid).toBeInstanceOf(Promise);
    await expect(valid).resolves.toEqual({ value: { room: 'lobby' } });
    await expect(validate(schema, { room: 'closed' })).resolves.toEqual({
      issues: [{ path: ['room'], message: 'closed' }],
    });
    const asyncValibot = v.pipeAsync(
      v.string(),
      v.checkAsync(async (s) => s.length > 2, 'too short'),
    );
    await expect(validate(asyncValibot, 'ab')).resolves.toEqual({
      issues: [{ path: [], message: 'too short' }],
    });
  });
});

describe('frame guards', () => {
  it('recognises event frames', () => {
    expect(isEventFrame({ event: 'message', payload: { text: 'hi' } })).toBe(true);
    expect(isEventFrame({ event: 'message' })).toBe(true);
    for (const other of [null, 'x', [], { event: 1 }, { reply: 'r1', ok: true, payload: 1 }]) {
      expect(isEventFrame(other)).toBe(false);
    }
  });

  it('recognises reply frames, successful or not, and nothing else', () => {
    expect(isReplyFrame({ reply: 'r1', ok: true, payload: null })).toBe(true);
    expect(isReplyFrame({ reply: 'r1', ok: false, error: { status: 403, message: 'no' } })).toBe(true);
    expect(
      isReplyFrame({
        reply: 'r1',
        ok: false,
        error: { status: 422, message: 'Invalid message', issues: [{ path: [], message: 'x' }] },
      }),
    ).toBe(true);
    for (const other of [
      null,
      { reply: 1, ok: true },
      { reply: 'r1' },
      { reply: 'r1', ok: false },
      { reply: 'r1', ok: false, error: { status: '500', message: 'x' } },
      { reply: 'r1', ok: false, error: { status: 500, message: 'x', issues: 'x' } },
      { message: 'Internal server error', connectionId: 'a=', requestId: 'b=' },
      { event: 'message', payload: 1 },
    ]) {
      expect(isReplyFrame(other)).toBe(false);
    }
  });

  it('allows request ids of up to 64 characters', () => {
    expect(MAX_REQUEST_ID_LENGTH).toBe(64);
  });
});
