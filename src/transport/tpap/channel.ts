/**
 * The encrypted request channel after the handshake (docs/protocols/tpap.md §7): one key and
 * one base nonce from the shared key, a per-message nonce of the base's first 8 bytes and the
 * sequence number, and bodies framed as seq (4 bytes, big-endian) ‖ ciphertext ‖ 16-byte tag.
 * A request and its reply use the same key and nonce: that is the device's design, copied as it
 * is because the device decrypts nothing else.
 */
import {
  type CipherCCM,
  createCipheriv,
  createDecipheriv,
  type DecipherCCM,
  hkdfSync,
} from 'node:crypto';
import type { SessionCipherSpec, Suite } from './suites';

const TAG_BYTES = 16;
const SEQ_BYTES = 4;

export class ChannelError extends Error {}

export interface ChannelKeys {
  key: Buffer;
  baseNonce: Buffer;
}

/** The session key and base nonce: HKDF over the shared key with the cipher's own labels. */
export function deriveChannelKeys(
  suite: Suite,
  cipher: SessionCipherSpec,
  sharedKey: Buffer,
): ChannelKeys {
  const derive = (what: 'key' | 'iv', length: number) =>
    Buffer.from(
      hkdfSync(
        suite.hash,
        sharedKey,
        Buffer.from(`tp-kdf-salt-${cipher.label}-${what}`),
        Buffer.from(`tp-kdf-info-${cipher.label}-${what}`),
        length,
      ),
    );
  return { key: derive('key', cipher.keyBytes), baseNonce: derive('iv', 12) };
}

export function nonceFor(baseNonce: Buffer, seq: number): Buffer {
  const nonce = Buffer.from(baseNonce.subarray(0, 12));
  nonce.writeUInt32BE(seq >>> 0, 8);
  return nonce;
}

export class TpapChannel {
  constructor(
    readonly spec: SessionCipherSpec,
    private readonly keys: ChannelKeys,
  ) {}

  /** seq ‖ ciphertext ‖ tag. */
  seal(seq: number, plaintext: Buffer): Buffer {
    // CCM and ChaCha20-Poly1305 share the AEAD calls used here (one update, final, tag).
    const cipher = createCipheriv(
      this.spec.algorithm as 'aes-128-ccm',
      this.keys.key,
      nonceFor(this.keys.baseNonce, seq),
      { authTagLength: TAG_BYTES },
    ) as CipherCCM;
    const prefix = Buffer.alloc(SEQ_BYTES);
    prefix.writeUInt32BE(seq >>> 0);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([prefix, body, cipher.getAuthTag()]);
  }

  /** Opens a framed body with the seq it carries; throws ChannelError when it is not genuine. */
  open(frame: Buffer): { seq: number; plaintext: Buffer } {
    if (frame.length < SEQ_BYTES + TAG_BYTES)
      throw new ChannelError('reply too short to be sealed');
    const seq = frame.readUInt32BE(0);
    const body = frame.subarray(SEQ_BYTES, frame.length - TAG_BYTES);
    const tag = frame.subarray(frame.length - TAG_BYTES);
    const decipher = createDecipheriv(
      this.spec.algorithm as 'aes-128-ccm',
      this.keys.key,
      nonceFor(this.keys.baseNonce, seq),
      { authTagLength: TAG_BYTES },
    ) as DecipherCCM;
    // The tag must be set before update(): CCM checks it in final().
    decipher.setAuthTag(tag);
    try {
      const plaintext = Buffer.concat([decipher.update(body), decipher.final()]);
      return { seq, plaintext };
    } catch {
      throw new ChannelError('reply failed its authentication tag');
    }
  }
}
