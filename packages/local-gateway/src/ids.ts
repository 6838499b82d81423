import { randomBytes } from 'node:crypto';

// Every message event carries three IDs, and one randomBytes call each (~3 µs apiece) made up
// about a third of the gateway's CPU per message under load (bench/suites/localGateway.ts). Slicing
// them from a larger random block makes the same IDs from the same source, each byte used once.
const POOL_BYTES = 4_096;
let pool = Buffer.alloc(0);
let used = 0;

function randomBase64(bytes: number): string {
  if (used + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  const id = pool.toString('base64', used, used + bytes);
  used += bytes;
  return id;
}

// Shaped like API Gateway's: connection IDs such as "L0SM9cOFvHcCIhw=" (base64, so "+" and "/"
// occur and must be URL-encoded in management API paths), request IDs such as "FSDbRGQ8IAMFXpA=".
export const newConnectionId = (): string => randomBase64(11);
export const newRequestId = (): string => randomBase64(11);
export const newMessageId = (): string => randomBase64(11);
export const newApiId = (): string => randomBytes(8).toString('hex').slice(0, 10);
