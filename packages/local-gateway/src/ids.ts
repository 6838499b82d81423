import { randomBytes } from 'node:crypto';

// Every message event carries three IDs, and one randomBytes call each (~3 µs apiece) made up
// about a third of the gateway's CPU per message under load (bench/suites/localGateway.ts). Slicing
// them from a larger random block makes the same IDs from the same source, each byte used once.
const POOL_BYTES = 4_096;
let pool = Buffer.alloc(0);
let used = 0;

const ID_BYTES = 11;

/**
 * 16 characters like API Gateway's connection, request and message IDs ("JC1dgf9yoAMCK-g=",
 * "L0SM9cOFvHcCIhw="): 11 random bytes in base64url (15 characters, "-" and "_" among them) and
 * the "=" that pads them.
 */
function awsLikeId(): string {
  if (used + ID_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  const id = pool.toString('base64url', used, used + ID_BYTES);
  used += ID_BYTES;
  return `${id}=`;
}

export const newConnectionId = awsLikeId;
export const newRequestId = awsLikeId;
export const newMessageId = awsLikeId;
export const newApiId = (): string => randomBytes(8).toString('hex').slice(0, 10);
