import { randomBytes } from 'node:crypto';

// Shaped like API Gateway's: connection IDs such as "L0SM9cOFvHcCIhw=" (base64, so "+" and "/"
// occur and must be URL-encoded in management API paths), request IDs such as "FSDbRGQ8IAMFXpA=".
export const newConnectionId = (): string => randomBytes(11).toString('base64');
export const newRequestId = (): string => randomBytes(11).toString('base64');
export const newMessageId = (): string => randomBytes(11).toString('base64');
export const newApiId = (): string => randomBytes(8).toString('hex').slice(0, 10);
