import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Schema, ValidationIssue, ValidationResult } from './types.js';

function segmentOf(segment: PropertyKey | StandardSchemaV1.PathSegment): string | number {
  const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
  if (typeof key === 'number') return key;
  if (typeof key === 'symbol') return key.description ?? key.toString();
  return String(key);
}

/**
 * Standard Schema issues as JSON can carry them: path segments may be `{ key }` objects or
 * symbols there, and are plain strings and numbers here.
 */
export function normalizeIssues(issues: ReadonlyArray<StandardSchemaV1.Issue>): ValidationIssue[] {
  return issues.map((issue) => ({
    path: issue.path ? issue.path.map(segmentOf) : [],
    message: typeof issue.message === 'string' ? issue.message : String(issue.message),
  }));
}

function resultOf<T>(result: StandardSchemaV1.Result<T>): ValidationResult<T> {
  return result.issues ? { issues: normalizeIssues(result.issues) } : { value: result.value };
}

/**
 * Validates `value` against any Standard Schema, returning `{ value }` (the schema's output) or
 * `{ issues }` with each issue's path as strings and numbers. Synchronous when the schema is (most
 * are), a promise when it validates asynchronously; `await` covers both.
 *
 * @example
 * ```typescript
 * import { validate } from 'aws-framework/contract';
 * import { z } from 'zod';
 *
 * const result = await validate(z.object({ room: z.string() }), { room: 42 });
 * if (result.issues) console.log(result.issues); // [{ path: ['room'], message: 'Invalid input: ...' }]
 * else result.value.room; // string
 * ```
 */
export function validate<S extends Schema>(
  schema: S,
  value: unknown,
):
  | ValidationResult<StandardSchemaV1.InferOutput<S>>
  | Promise<ValidationResult<StandardSchemaV1.InferOutput<S>>> {
  const result = schema['~standard'].validate(value) as
    | StandardSchemaV1.Result<StandardSchemaV1.InferOutput<S>>
    | Promise<StandardSchemaV1.Result<StandardSchemaV1.InferOutput<S>>>;
  return result instanceof Promise ? result.then(resultOf) : resultOf(result);
}
