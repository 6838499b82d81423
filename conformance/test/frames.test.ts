// What a client may send: text only, frames of at most 32 KB, messages of at most 128 KB.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MeasureReply } from '../handlers/handler.js';
import { useTarget } from './support.js';

const conformance = useTarget();

/** API Gateway's largest frame a client may send. */
const FRAME_LIMIT = 32_768;

/** A `measure` message of exactly `bytes` bytes of ASCII. */
function measureMessage(bytes: number): string {
  const head = '{"action":"measure","data":"';
  const tail = '"}';
  return `${head}${'x'.repeat(bytes - head.length - tail.length)}${tail}`;
}

function measured(message: string): MeasureReply {
  return {
    bytes: Buffer.byteLength(message),
    sha256: createHash('sha256').update(message).digest('hex'),
  };
}

/** `message` as fragments of `size` bytes (the last may be shorter). */
function fragments(message: string, size: number): string[] {
  const parts: string[] = [];
  for (let offset = 0; offset < message.length; offset += size)
    parts.push(message.slice(offset, offset + size));
  return parts;
}

/** Sends `message` as one WebSocket message in the given fragments: continuation frames after the first. */
async function sendFragmented(
  client: Awaited<ReturnType<typeof conformance.open>>,
  parts: string[],
): Promise<void> {
  for (const [index, part] of parts.entries()) {
    await client.send(part, { fin: index === parts.length - 1 });
  }
}

describe('binary frames', () => {
  it('close the connection with 1003', async () => {
    const client = await conformance.open(conformance.target.url);
    await client.send(Buffer.from([0x7b, 0x7d, 0x00, 0xff]), { binary: true });
    expect((await client.waitClose()).code).toBe(1003);
  });
});

describe('frame size', () => {
  it('accepts a single frame of exactly 32 KB', async () => {
    const client = await conformance.open(conformance.target.url);
    const message = measureMessage(FRAME_LIMIT);
    await client.send(message);
    expect(await client.nextJson()).toEqual(measured(message));
  });

  it('closes the connection with 1009 on a single 40 KB frame, though the message is under 128 KB', async () => {
    const client = await conformance.open(conformance.target.url);
    await client.send(measureMessage(40 * 1024));
    expect((await client.waitClose()).code).toBe(1009);
    expect(client.history).toEqual([]);
  });
});

describe('message size', () => {
  it('accepts a 100 KB message sent in four 25 KB fragments, and the route gets all of it', async () => {
    const client = await conformance.open(conformance.target.url);
    const message = measureMessage(100 * 1024);
    const parts = fragments(message, 25 * 1024);
    expect(parts).toHaveLength(4);
    await sendFragmented(client, parts);
    expect(await client.nextJson()).toEqual(measured(message));
  });

  it('closes the connection with 1009 on a 140 KB message, even in 32 KB fragments', async () => {
    const client = await conformance.open(conformance.target.url);
    const parts = fragments(measureMessage(140 * 1024), FRAME_LIMIT);
    expect(parts.every((part) => part.length <= FRAME_LIMIT)).toBe(true);
    // The gateway may close before the last fragment is written; that write then fails, as expected.
    await sendFragmented(client, parts).catch(() => {});
    expect((await client.waitClose()).code).toBe(1009);
    expect(client.history).toEqual([]);
  });
});
