export { type ContractDefinition, defineContract } from './defineContract.js';
export { isEventFrame, isReplyFrame, MAX_REQUEST_ID_LENGTH } from './frames.js';
export type {
  ActionFrame,
  ActionInput,
  ActionName,
  ActionOutput,
  Contract,
  EventFrame,
  EventInput,
  EventName,
  EventPayload,
  ReplyError,
  ReplyFrame,
  ReplyInput,
  ReplyOutput,
  ReplySchemas,
  Schema,
  SchemaMap,
  ValidationIssue,
  ValidationResult,
} from './types.js';
export { validate } from './validate.js';
