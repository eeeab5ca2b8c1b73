/**
 * The AES securePassthrough session cipher, shared by the client transport and the emulator.
 *
 * AES-128-CBC with PKCS#7 padding, and the same key and IV for every message in both directions
 * for the whole session (that is how the devices do it; there is no per-message IV, sequence
 * number or MAC). Ciphertext travels as standard base64 inside JSON strings.
 */

import { createCipheriv, createDecipheriv } from 'node:crypto';

const KEY_BYTES = 16;
const BLOCK_BYTES = 16;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Why a message, key or handshake could not be opened. Not a LampError: the codec does not know
 * which device it talks to, so the transport (or emulator) maps it to the right error.
 */
export class AesCipherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AesCipherError';
  }
}

/** Strict standard base64 (Buffer.from would silently skip junk characters). */
export function decodeBase64(text: string, what: string): Buffer {
  if (!BASE64.test(text)) throw new AesCipherError(`${what} is not valid base64`);
  return Buffer.from(text, 'base64');
}

/** Bytes as UTF-8 text, refusing invalid sequences instead of inventing U+FFFD characters. */
function utf8(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AesCipherError('decrypted message is not valid UTF-8');
  }
}

export class AesSessionCipher {
  private readonly key: Buffer;
  private readonly iv: Buffer;

  constructor(key: Buffer, iv: Buffer) {
    if (key.length !== KEY_BYTES || iv.length !== BLOCK_BYTES) {
      throw new AesCipherError(
        `AES key and IV must be 16 bytes each (got ${key.length} and ${iv.length})`,
      );
    }
    // Copies: the caller's buffers may be reused or zeroed later.
    this.key = Buffer.from(key);
    this.iv = Buffer.from(iv);
  }

  /** UTF-8 text in, base64 ciphertext out. */
  encrypt(plaintext: string): string {
    const cipher = createCipheriv('aes-128-cbc', this.key, this.iv);
    return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
  }

  /** Base64 ciphertext in, UTF-8 text out; AesCipherError for anything that is not ours. */
  decrypt(base64: string): string {
    const bytes = decodeBase64(base64, 'ciphertext');
    if (bytes.length === 0 || bytes.length % BLOCK_BYTES !== 0) {
      throw new AesCipherError(
        `ciphertext must be a non-zero multiple of 16 bytes (got ${bytes.length})`,
      );
    }
    const decipher = createDecipheriv('aes-128-cbc', this.key, this.iv);
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(bytes), decipher.final()]);
    } catch {
      // OpenSSL checks every padding byte; a wrong key almost always lands here.
      throw new AesCipherError('bad padding: wrong key or corrupted ciphertext');
    }
    return utf8(plain);
  }
}
