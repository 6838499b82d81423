/** API Gateway's limit for one WebSocket frame, in bytes (32 KB). */
export const MAX_FRAME_BYTES = 32_768;

/** Why a client's frames close its connection, in API Gateway's close codes. */
export interface FrameViolation {
  code: 1003 | 1009;
  reason: string;
}

const OPCODE_CONTINUATION = 0x0;
const OPCODE_TEXT = 0x1;
const OPCODE_BINARY = 0x2;

/**
 * Reads the headers of the frames a client sends (RFC 6455 section 5.2), skipping their payloads,
 * and reports the first frame API Gateway would not take. `ws` only limits whole messages, while
 * API Gateway limits each frame to 32 KB (a 40 KB `ws.send` from a browser, one frame, is refused
 * even though it is under the 128 KB message limit) and refuses binary frames outright (AWS:
 * "Working with binary media types for WebSocket APIs": it closes the connection with 1003).
 * Reading the header is enough for both, so the verdict comes before the payload has arrived.
 */
export class FrameGuard {
  private readonly header = Buffer.alloc(14);
  private headerBytes = 0;
  private payloadLeft = 0;
  private violation: FrameViolation | undefined;

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  /** Feeds the next bytes read from the client; returns the violation once one is seen. */
  inspect(chunk: Buffer): FrameViolation | undefined {
    let offset = 0;
    while (offset < chunk.length && !this.violation) {
      if (this.payloadLeft > 0) {
        const skipped = Math.min(this.payloadLeft, chunk.length - offset);
        this.payloadLeft -= skipped;
        offset += skipped;
        continue;
      }
      // A frame header is 2 to 14 bytes and may be split across reads.
      const needed = this.headerLength();
      const copied = Math.min(needed - this.headerBytes, chunk.length - offset);
      chunk.copy(this.header, this.headerBytes, offset, offset + copied);
      this.headerBytes += copied;
      offset += copied;
      if (this.headerBytes === this.headerLength()) this.endOfHeader();
    }
    return this.violation;
  }

  /** The length of the header read so far, once its first two bytes say how long it is. */
  private headerLength(): number {
    if (this.headerBytes < 2) return 2;
    const byte1 = this.header[1] as number;
    const lengthField = byte1 & 0x7f;
    const extended = lengthField === 126 ? 2 : lengthField === 127 ? 8 : 0;
    const mask = byte1 & 0x80 ? 4 : 0;
    return 2 + extended + mask;
  }

  private endOfHeader(): void {
    const opcode = (this.header[0] as number) & 0x0f;
    const lengthField = (this.header[1] as number) & 0x7f;
    const payloadLength =
      lengthField === 126
        ? this.header.readUInt16BE(2)
        : lengthField === 127
          ? Number(this.header.readBigUInt64BE(2))
          : lengthField;
    this.headerBytes = 0;
    this.payloadLeft = payloadLength;
    if (opcode === OPCODE_BINARY) {
      this.violation = { code: 1003, reason: 'Binary frames are not supported' };
    } else if (
      (opcode === OPCODE_TEXT || opcode === OPCODE_CONTINUATION) &&
      payloadLength > this.maxFrameBytes
    ) {
      this.violation = { code: 1009, reason: 'Frame too big' };
    }
  }
}
