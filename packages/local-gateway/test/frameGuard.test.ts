import { describe, expect, it } from 'vitest';
import { FrameGuard, MAX_FRAME_BYTES } from '../src/frameGuard.js';

/** A client frame as RFC 6455 lays it out: masked, with the shortest length encoding. */
function clientFrame(opcode: number, payloadLength: number, fin = true): Buffer {
  const first = (fin ? 0x80 : 0) | opcode;
  let header: Buffer;
  if (payloadLength < 126) header = Buffer.from([first, 0x80 | payloadLength]);
  else if (payloadLength < 65_536) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = 0x80 | 126;
    header.writeUInt16BE(payloadLength, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(payloadLength), 2);
  }
  return Buffer.concat([header, Buffer.from([1, 2, 3, 4]), Buffer.alloc(payloadLength, 0x61)]);
}

/** Feeds `bytes` in pieces of `size`, returning the first violation. */
function feed(guard: FrameGuard, bytes: Buffer, size: number) {
  for (let offset = 0; offset < bytes.length; offset += size) {
    const violation = guard.inspect(bytes.subarray(offset, offset + size));
    if (violation) return violation;
  }
  return undefined;
}

describe('FrameGuard', () => {
  it.each([1, 3, 7, 1_000, 100_000])(
    'passes text frames up to 32 KB, whatever the read size (%i)',
    (size) => {
      const stream = Buffer.concat([
        clientFrame(1, 0),
        clientFrame(1, 125),
        clientFrame(1, 126),
        clientFrame(1, 20_000),
        clientFrame(1, 10, false),
        clientFrame(0, MAX_FRAME_BYTES),
        clientFrame(9, 4), // ping
        clientFrame(8, 2), // close
      ]);
      expect(feed(new FrameGuard(), stream, size)).toBeUndefined();
    },
  );

  it.each([1, 5, 64])('refuses a text frame of 32 KB + 1 with 1009 (read size %i)', (size) => {
    const stream = Buffer.concat([clientFrame(1, 5), clientFrame(1, MAX_FRAME_BYTES + 1)]);
    expect(feed(new FrameGuard(), stream, size)).toEqual({ code: 1009, reason: 'Frame too big' });
  });

  it('refuses an oversized continuation frame and a 64-bit length', () => {
    expect(
      feed(new FrameGuard(), Buffer.concat([clientFrame(1, 4, false), clientFrame(0, 40_000)]), 512)?.code,
    ).toBe(1009);
    expect(new FrameGuard().inspect(clientFrame(1, 70_000).subarray(0, 14))?.code).toBe(1009);
  });

  it('refuses a binary frame with 1003 from its header alone', () => {
    const header = clientFrame(2, 3).subarray(0, 6); // 2 bytes and the mask, no payload
    expect(new FrameGuard().inspect(header)).toEqual({
      code: 1003,
      reason: 'Binary frames are not supported',
    });
  });

  it('keeps reporting the first violation', () => {
    const guard = new FrameGuard();
    expect(guard.inspect(clientFrame(2, 1))?.code).toBe(1003);
    expect(guard.inspect(clientFrame(1, 1))?.code).toBe(1003);
  });

  it('takes its limit as a parameter', () => {
    expect(new FrameGuard(10).inspect(clientFrame(1, 11))?.code).toBe(1009);
    expect(new FrameGuard(10).inspect(clientFrame(1, 10))).toBeUndefined();
  });
});
