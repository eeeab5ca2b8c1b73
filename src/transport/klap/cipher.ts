/**
 * The KLAP session cipher (docs/protocols/klap.md §4), shared by the client transport and the emulator.
 *
 * Everything derives from (local seed, remote seed, matched auth hash). Each message is
 * AES-128-CBC with IV = ivBase(12) ‖ be32(seq) and travels as
 * sha256(sigKey ‖ be32(seq) ‖ ciphertext) ‖ ciphertext. The device answers with the request's
 * seq, so both directions use the same encrypt/decrypt pair.
 */

import {
  createCipheriv,
  createDecipheriv,
  createHash,
  type Decipher,
  timingSafeEqual,
} from 'node:crypto';

/** The largest seq a signed int32 can carry; going past it means a new handshake (docs/protocols/klap.md §4). */
export const MAX_SEQ = 0x7fffffff;
const SIGNATURE_BYTES = 32;
const BLOCK_BYTES = 16;

export type CipherFailure = 'short' | 'signature' | 'decrypt';

/**
 * Why a body could not be opened. Deliberately not a LampError: the cipher does not know which
 * device it talks to, so the transport (or emulator) maps it to the right user-facing error.
 */
export class CipherError extends Error {
  readonly reason: CipherFailure;

  constructor(reason: CipherFailure, message: string) {
    super(message);
    this.name = 'CipherError';
    this.reason = reason;
  }
}

function sha256(...parts: Buffer[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** The initial seq for these inputs, without building a whole cipher (the emulator brute-forces it). */
export function initialSeqFor(localSeed: Buffer, remoteSeed: Buffer, auth: Buffer): number {
  return sha256(Buffer.from('iv'), localSeed, remoteSeed, auth).readInt32BE(28);
}

function be32(seq: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeInt32BE(seq, 0);
  return out;
}

export class KlapCipher {
  readonly key: Buffer;
  readonly ivBase: Buffer;
  readonly sigKey: Buffer;
  readonly initialSeq: number;
  private seq: number;
  /**
   * AES-128 in ECB without padding, made once per session: CBC decryption is each block's ECB
   * decryption XOR the block before it, so no decipher needs to be made per message.
   */
  private readonly blocks: Decipher;

  constructor(localSeed: Buffer, remoteSeed: Buffer, auth: Buffer) {
    const seeds = [localSeed, remoteSeed, auth];
    this.key = sha256(Buffer.from('lsk'), ...seeds).subarray(0, 16);
    const ivHash = sha256(Buffer.from('iv'), ...seeds);
    this.ivBase = ivHash.subarray(0, 12);
    this.initialSeq = ivHash.readInt32BE(28);
    this.sigKey = sha256(Buffer.from('ldk'), ...seeds).subarray(0, 28);
    this.seq = this.initialSeq;
    this.blocks = createDecipheriv('aes-128-ecb', this.key, null).setAutoPadding(false);
  }

  /** The last seq handed out (the initial seq before any request). */
  get currentSeq(): number {
    return this.seq;
  }

  /** True once no further seq fits in an int32: the session must be replaced, never wrapped. */
  get exhausted(): boolean {
    return this.seq >= MAX_SEQ;
  }

  /** Increments before use, as devices expect; null when the int32 range is used up. */
  nextSeq(): number | null {
    if (this.exhausted) return null;
    this.seq += 1;
    return this.seq;
  }

  private iv(seq: number): Buffer {
    const iv = Buffer.allocUnsafe(16);
    this.ivBase.copy(iv, 0);
    iv.writeInt32BE(seq, 12);
    return iv;
  }

  signature(seq: number, ciphertext: Buffer): Buffer {
    return sha256(this.sigKey, be32(seq), ciphertext);
  }

  /** signature ‖ ciphertext for `seq`. */
  encrypt(plaintext: string | Buffer, seq: number): Buffer {
    const cipher = createCipheriv('aes-128-cbc', this.key, this.iv(seq));
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    const head = cipher.update(data);
    const tail = cipher.final();
    // sigKey ‖ seq ‖ ciphertext is hashed in place; its first 32 bytes become the signature.
    const out = Buffer.allocUnsafe(SIGNATURE_BYTES + head.length + tail.length);
    this.sigKey.copy(out, 0);
    out.writeInt32BE(seq, 28);
    head.copy(out, SIGNATURE_BYTES);
    tail.copy(out, SIGNATURE_BYTES + head.length);
    createHash('sha256').update(out).digest().copy(out, 0);
    return out;
  }

  /**
   * Opens signature ‖ ciphertext for `seq`. The signature is checked before any decryption so a
   * tampered or misdirected body is never fed to the block cipher.
   */
  decrypt(seq: number, body: Buffer): Buffer {
    if (body.length < SIGNATURE_BYTES) {
      throw new CipherError('short', `body of ${body.length} bytes cannot hold a signature`);
    }
    const received = body.subarray(0, SIGNATURE_BYTES);
    const ciphertext = body.subarray(SIGNATURE_BYTES);
    if (!timingSafeEqual(received, this.signature(seq, ciphertext))) {
      throw new CipherError('signature', 'signature mismatch');
    }
    if (ciphertext.length === 0 || ciphertext.length % BLOCK_BYTES !== 0) {
      throw new CipherError(
        'decrypt',
        `ciphertext of ${ciphertext.length} bytes is not whole blocks`,
      );
    }
    const plain = this.blocks.update(ciphertext);
    for (let i = plain.length - 1; i >= BLOCK_BYTES; i--) plain[i] ^= ciphertext[i - BLOCK_BYTES];
    const iv = this.iv(seq);
    for (let i = 0; i < BLOCK_BYTES; i++) plain[i] ^= iv[i];
    // PKCS#7: 1 to 16 bytes, each holding their count.
    const pad = plain[plain.length - 1];
    if (!(pad >= 1 && pad <= BLOCK_BYTES)) throw new CipherError('decrypt', 'bad padding');
    for (let i = plain.length - pad; i < plain.length; i++) {
      if (plain[i] !== pad) throw new CipherError('decrypt', 'bad padding');
    }
    return plain.subarray(0, plain.length - pad);
  }
}
