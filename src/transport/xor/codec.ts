/**
 * The legacy Kasa XOR "encryption" on port 9999, shared by the client transport and the emulator.
 *
 * An autokey XOR: the key starts at 171 for every message and each ciphertext byte becomes the
 * key for the next. It hides nothing; it is a framing convention. Over TCP each message is
 * prefixed by its byte length as a big-endian uint32; over UDP the ciphertext travels alone.
 */

const INITIAL_KEY = 171;
const LENGTH_BYTES = 4;
/** Far above anything a device sends (bulbs choke beyond ~4 KiB), far below memory trouble. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/** A stream that cannot be a sequence of XOR frames. */
export class XorFrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XorFrameError';
  }
}

/** The UTF-8 bytes of `text`, encoded (no length prefix: the UDP form). */
export function xorEncode(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  let key = INITIAL_KEY;
  for (let i = 0; i < bytes.length; i++) {
    key ^= bytes[i] as number;
    bytes[i] = key;
  }
  return bytes;
}

/** Encoded bytes (no length prefix) back to text. */
export function xorDecode(bytes: Buffer): string {
  const plain = Buffer.allocUnsafe(bytes.length);
  let key = INITIAL_KEY;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] as number;
    plain[i] = key ^ c;
    key = c;
  }
  return plain.toString('utf8');
}

/** The TCP form: be32(byte length) ‖ encoded bytes. */
export function frame(text: string): Buffer {
  const body = xorEncode(text);
  const header = Buffer.allocUnsafe(LENGTH_BYTES);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

/**
 * Reassembles TCP frames from arbitrary chunks: one frame split over many chunks, many frames in
 * one chunk, or both. A length above the limit throws XorFrameError (the stream is then useless:
 * the caller should drop the connection).
 */
export class XorFrameReader {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly maxFrameBytes: number;

  constructor(options: { maxFrameBytes?: number } = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes received but not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.buffered.length;
  }

  /** Feeds a chunk; returns the decoded text of every frame it completed, in order. */
  push(chunk: Buffer): string[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: string[] = [];
    while (this.buffered.length >= LENGTH_BYTES) {
      const length = this.buffered.readUInt32BE(0);
      if (length > this.maxFrameBytes) {
        throw new XorFrameError(
          `XOR frame of ${length} bytes exceeds the ${this.maxFrameBytes}-byte limit`,
        );
      }
      if (this.buffered.length < LENGTH_BYTES + length) break;
      frames.push(xorDecode(this.buffered.subarray(LENGTH_BYTES, LENGTH_BYTES + length)));
      this.buffered = this.buffered.subarray(LENGTH_BYTES + length);
    }
    return frames;
  }
}
