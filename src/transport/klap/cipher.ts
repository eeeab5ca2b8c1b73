/**
 * The KLAP session cipher (docs/protocols/klap.md §4), shared by the client transport and the emulator.
 *
 * Everything derives from (local seed, remote seed, matched auth hash). Each message is
 * AES-128-CBC with IV = ivBase(12) ‖ be32(seq) and travels as
 * sha256(sigKey ‖ be32(seq) ‖ ciphertext) ‖ ciphertext. The device answers with the request's
 * seq, so both directions use the same encrypt/decrypt pair.
 */

import {
  type Cipher,
  createCipheriv,
  createDecipheriv,
  createHash,
  type Decipher,
  hash as hashOnce,
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

/** sha256 of one buffer; one-shot where Node has crypto.hash (20.12+), without a Hash object. */
function sha256Of(data: Buffer): Buffer {
  return typeof hashOnce === 'function'
    ? (hashOnce('sha256', data, 'buffer') as unknown as Buffer)
    : createHash('sha256').update(data).digest();
}

/** What a session derives from its seeds (docs/protocols/klap.md §4). */
export interface KlapSessionKeys {
  key: Buffer;
  ivBase: Buffer;
  initialSeq: number;
  sigKey: Buffer;
}

export function klapSessionKeys(
  localSeed: Buffer,
  remoteSeed: Buffer,
  auth: Buffer,
): KlapSessionKeys {
  const seeds = [localSeed, remoteSeed, auth];
  const ivHash = sha256(Buffer.from('iv'), ...seeds);
  return {
    key: sha256(Buffer.from('lsk'), ...seeds).subarray(0, 16),
    ivBase: ivHash.subarray(0, 12),
    initialSeq: ivHash.readInt32BE(28),
    sigKey: sha256(Buffer.from('ldk'), ...seeds).subarray(0, 28),
  };
}

/**
 * Where the session's fixed bytes sit in KlapCipher's one buffer: one buffer instead of five
 * keeps a fleet of sessions small (each Buffer is two heap objects and a store of its own).
 */
const IV_BASE = 0; // 12 bytes: the IV's fixed part
const SIG_KEY = 12; // 28 bytes: signs each message
const ENCRYPTED = 40; // 16 bytes: the last block the encrypting stream produced
const DECRYPTED = 56; // 16 bytes: the last block the decrypting stream took in
const RECEIVED = 72; // 32 bytes: a reply's signature while its body is being checked
const MATERIAL_BYTES = 104;

export class KlapCipher {
  readonly initialSeq: number;
  private seq: number;
  /**
   * One AES-128-CBC stream each way for the whole session, without padding, instead of a
   * cipher object per message (native objects that cost the garbage collector most of all).
   * A stream chains each message from the last block it handled; XORing that block and the
   * message's own IV into the first block makes the result exactly CBC with that IV.
   */
  private readonly encryptor: Cipher;
  private readonly decryptor: Decipher;
  /** IV base, signing key and each stream's chaining block (offsets above). */
  private readonly material = Buffer.alloc(MATERIAL_BYTES);

  constructor(localSeed: Buffer, remoteSeed: Buffer, auth: Buffer) {
    const keys = klapSessionKeys(localSeed, remoteSeed, auth);
    keys.ivBase.copy(this.material, IV_BASE);
    keys.sigKey.copy(this.material, SIG_KEY);
    this.initialSeq = keys.initialSeq;
    this.seq = this.initialSeq;
    const zero = Buffer.alloc(BLOCK_BYTES);
    this.encryptor = createCipheriv('aes-128-cbc', keys.key, zero).setAutoPadding(false);
    this.decryptor = createDecipheriv('aes-128-cbc', keys.key, zero).setAutoPadding(false);
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

  /**
   * Re-chains a stream's first block of a message from its chaining block (at `chained` in the
   * material) to this message's IV.
   */
  private rechain(block: Buffer, seq: number, chained: number): void {
    const m = this.material;
    for (let i = 0; i < 12; i++) block[i] ^= m[IV_BASE + i] ^ m[chained + i];
    for (let i = 12; i < BLOCK_BYTES; i++) {
      block[i] ^= ((seq >>> ((BLOCK_BYTES - 1 - i) * 8)) & 0xff) ^ m[chained + i];
    }
  }

  /** sigKey ‖ be32(seq) ‖ ciphertext, hashed. */
  signature(seq: number, ciphertext: Buffer): Buffer {
    const signed = Buffer.allocUnsafe(SIGNATURE_BYTES + ciphertext.length);
    this.sign(signed, seq, ciphertext);
    return signed.subarray(0, SIGNATURE_BYTES);
  }

  /** Fills `out` with sigKey ‖ be32(seq) ‖ ciphertext, then puts the signature in front. */
  private sign(out: Buffer, seq: number, ciphertext: Buffer): void {
    this.material.copy(out, 0, SIG_KEY, SIG_KEY + 28);
    out.writeInt32BE(seq, SIGNATURE_BYTES - 4);
    ciphertext.copy(out, SIGNATURE_BYTES);
    sha256Of(out).copy(out, 0);
  }

  /**
   * Whether `body` (signature ‖ ciphertext) carries the signature of its ciphertext for `seq`.
   * Hashed where it lies, without a copy of the ciphertext: the signature's 32 bytes are set
   * aside, sigKey ‖ be32(seq) written in their place, and put back before returning.
   */
  private signedBy(seq: number, body: Buffer): boolean {
    const m = this.material;
    body.copy(m, RECEIVED, 0, SIGNATURE_BYTES);
    m.copy(body, 0, SIG_KEY, SIG_KEY + 28);
    body.writeInt32BE(seq, SIGNATURE_BYTES - 4);
    const expected = sha256Of(body);
    m.copy(body, 0, RECEIVED, RECEIVED + SIGNATURE_BYTES);
    return timingSafeEqual(m.subarray(RECEIVED, RECEIVED + SIGNATURE_BYTES), expected);
  }

  /** signature ‖ ciphertext for `seq`. */
  encrypt(plaintext: string | Buffer, seq: number): Buffer {
    const length =
      typeof plaintext === 'string' ? Buffer.byteLength(plaintext, 'utf8') : plaintext.length;
    const pad = BLOCK_BYTES - (length % BLOCK_BYTES); // PKCS#7
    const padded = Buffer.allocUnsafe(length + pad);
    if (typeof plaintext === 'string') padded.write(plaintext, 0, 'utf8');
    else plaintext.copy(padded, 0);
    padded.fill(pad, length);
    this.rechain(padded, seq, ENCRYPTED);
    const ciphertext = this.encryptor.update(padded);
    ciphertext.copy(this.material, ENCRYPTED, ciphertext.length - BLOCK_BYTES);
    const out = Buffer.allocUnsafe(SIGNATURE_BYTES + ciphertext.length);
    this.sign(out, seq, ciphertext);
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
    const ciphertext = body.subarray(SIGNATURE_BYTES);
    if (!this.signedBy(seq, body)) throw new CipherError('signature', 'signature mismatch');
    if (ciphertext.length === 0 || ciphertext.length % BLOCK_BYTES !== 0) {
      throw new CipherError(
        'decrypt',
        `ciphertext of ${ciphertext.length} bytes is not whole blocks`,
      );
    }
    const plain = this.decryptor.update(ciphertext);
    this.rechain(plain, seq, DECRYPTED);
    ciphertext.copy(this.material, DECRYPTED, ciphertext.length - BLOCK_BYTES);
    // PKCS#7: 1 to 16 bytes, each holding their count.
    const pad = plain[plain.length - 1];
    if (!(pad >= 1 && pad <= BLOCK_BYTES)) throw new CipherError('decrypt', 'bad padding');
    for (let i = plain.length - pad; i < plain.length; i++) {
      if (plain[i] !== pad) throw new CipherError('decrypt', 'bad padding');
    }
    return plain.subarray(0, plain.length - pad);
  }
}
