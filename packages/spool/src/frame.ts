import { crc32 } from 'node:zlib';

/**
 * One record on disk: `length (u32 BE) | crc32 of length+payload (u32 BE) | payload (UTF-8 JSON)`.
 * The CRC covers the length too, so a torn or flipped header is caught, not trusted.
 */
export const HEADER_BYTES = 8;

/** Records larger than this are refused on write and treated as corruption on read. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

export function encodeFrame(value: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(value), 'utf8');
  if (payload.length > MAX_RECORD_BYTES) {
    throw new RangeError(`spool record of ${payload.length} bytes exceeds ${MAX_RECORD_BYTES}`);
  }
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, HEADER_BYTES);
  frame.writeUInt32BE(frameCrc(frame, payload.length), 4);
  return frame;
}

function frameCrc(frame: Buffer, length: number): number {
  return crc32(frame.subarray(HEADER_BYTES, HEADER_BYTES + length), crc32(frame.subarray(0, 4)));
}

export type FrameRead =
  | { kind: 'record'; payload: Buffer; end: number }
  /** Not enough bytes for a whole frame (a torn tail, or a read window ending mid-frame). */
  | { kind: 'incomplete'; needed: number }
  | { kind: 'corrupt'; reason: string };

/** Reads the frame starting at `offset` of `buffer`. */
export function readFrame(buffer: Buffer, offset: number): FrameRead {
  if (buffer.length - offset < HEADER_BYTES) return { kind: 'incomplete', needed: HEADER_BYTES };
  const length = buffer.readUInt32BE(offset);
  if (length > MAX_RECORD_BYTES) return { kind: 'corrupt', reason: `length ${length} is implausible` };
  const end = offset + HEADER_BYTES + length;
  if (end > buffer.length) return { kind: 'incomplete', needed: HEADER_BYTES + length };
  const frame = buffer.subarray(offset, end);
  if (frameCrc(frame, length) !== buffer.readUInt32BE(offset + 4)) {
    return { kind: 'corrupt', reason: 'CRC mismatch' };
  }
  return { kind: 'record', payload: frame.subarray(HEADER_BYTES), end };
}
