/**
 * The RSA part of the AES handshake: the client sends an RSA-1024 public key, the device answers
 * with 32 random bytes (AES key ‖ IV) encrypted to it with PKCS#1 v1.5 padding.
 *
 * Node refuses PKCS#1 v1.5 *private decryption* since the February 2024 security releases (the
 * "Marvin" timing attack fix), so the client decrypts without padding and checks the type-2
 * block itself. Public encryption with PKCS#1 v1.5 still works, which is all the device side
 * needs. The timing concern does not apply here: the key pair is ours, used only to receive a
 * session key, and a wrong block ends the handshake without telling the peer anything new.
 */

import {
  constants,
  createPublicKey,
  generateKeyPair,
  generateKeyPairSync,
  type KeyObject,
  privateDecrypt,
  publicEncrypt,
} from 'node:crypto';
import { AesCipherError, decodeBase64 } from './cipher';

export interface RsaKeyPair {
  /** SubjectPublicKeyInfo PEM with the base64 on one line (see publicKeyPem). */
  publicKeyPem: string;
  privateKey: KeyObject;
}

const HANDSHAKE_KEY_BYTES = 32;
const MIN_PADDING_BYTES = 8;

/**
 * A key's SPKI PEM with the whole base64 on a single line. Devices accept this and the usual
 * 64-column form alike; we pick the single line because it is what python-kasa sends, so our
 * handshake body is byte for byte the one real devices see most (314 bytes for RSA-1024).
 */
export function publicKeyPem(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;
}

const RSA_OPTIONS = { modulusLength: 1024, publicExponent: 65537 } as const;

/** A fresh RSA-1024 pair with e = 65537, the size every client and device uses. */
export function createRsaKeyPair(): RsaKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', RSA_OPTIONS);
  return { publicKeyPem: publicKeyPem(publicKey), privateKey };
}

/**
 * The same, made off the main thread: a client inside Node-RED must not stall every other flow
 * for the tens of milliseconds key generation takes.
 */
export function createRsaKeyPairAsync(): Promise<RsaKeyPair> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', RSA_OPTIONS, (error, publicKey, privateKey) => {
      if (error) reject(error);
      else resolve({ publicKeyPem: publicKeyPem(publicKey), privateKey });
    });
  });
}

/**
 * The device's handshake key (base64) → AES key and IV. Throws AesCipherError unless it is one
 * modulus-sized block holding a well-formed PKCS#1 v1.5 type-2 padding around exactly 32 bytes.
 */
export function decryptHandshakeKey(
  privateKey: KeyObject,
  base64: string,
): { key: Buffer; iv: Buffer } {
  const sealed = decodeBase64(base64, 'handshake key');
  const modulusBytes = Math.ceil((privateKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  if (sealed.length !== modulusBytes) {
    throw new AesCipherError(`handshake key must be ${modulusBytes} bytes (got ${sealed.length})`);
  }
  let block: Buffer;
  try {
    block = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, sealed);
  } catch {
    throw new AesCipherError('handshake key does not decrypt with our private key');
  }
  // Layout: 00 02 <nonzero padding, at least 8 bytes> 00 <message>.
  if (block[0] !== 0x00 || block[1] !== 0x02) {
    throw new AesCipherError('handshake key is not a PKCS#1 v1.5 encryption block');
  }
  const separator = block.indexOf(0x00, 2);
  if (separator < 0 || separator - 2 < MIN_PADDING_BYTES) {
    throw new AesCipherError('handshake key has malformed PKCS#1 v1.5 padding');
  }
  const message = block.subarray(separator + 1);
  if (message.length !== HANDSHAKE_KEY_BYTES) {
    throw new AesCipherError(
      `handshake key must carry 32 bytes (key and IV), got ${message.length}`,
    );
  }
  return {
    key: Buffer.from(message.subarray(0, 16)),
    iv: Buffer.from(message.subarray(16, 32)),
  };
}

/** The device side: key ‖ IV encrypted to the client's PEM with PKCS#1 v1.5, base64. */
export function encryptHandshakeKey(publicKeyPem: string, keyAndIv: Buffer): string {
  if (keyAndIv.length !== HANDSHAKE_KEY_BYTES) {
    throw new AesCipherError(`key and IV must be 32 bytes together (got ${keyAndIv.length})`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey(publicKeyPem);
  } catch {
    throw new AesCipherError('public key is not a valid PEM key');
  }
  if (key.asymmetricKeyType !== 'rsa') throw new AesCipherError('public key is not an RSA key');
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, keyAndIv).toString('base64');
}
